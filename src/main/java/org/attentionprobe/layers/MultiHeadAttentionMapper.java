package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.keras.Call;
import org.attentionprobe.io.Shapes;
import org.attentionprobe.keras.Weight;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * Keras's built-in {@code MultiHeadAttention} (EinsumDense projections):
 * <pre>
 * q = x_q · Wq + bq        Wq (E, H, key_dim)    bq (H, key_dim)
 * k = x_k · Wk + bk        Wk (E, H, key_dim)    bk (H, key_dim)
 * v = x_v · Wv + bv        Wv (E, H, value_dim)  bv (H, value_dim)
 * A = softmax((q / √key_dim) · kᵀ)              [B, H, Lq, Lk]
 * out = concat_h(A · v) · Wo + bo              Wo (H, value_dim, E_out)  bo (E_out,)
 * </pre>
 * Head count, key and value sizes come from the kernels; a config that disagrees is an error.
 */
public final class MultiHeadAttentionMapper implements LayerMapper {
    public static final String KIND = "MultiHeadAttention";

    /**
     * {@code mha(query, value)}, {@code mha(query, value, key)} (positionally or by keyword), with
     * {@code attention_mask}, {@code use_causal_mask} and {@code return_attention_scores} (output 1). The Keras masks
     * of query, value and key combine with the attention mask as Keras 3's {@code _compute_attention_mask} does; the
     * output carries the query's mask.
     */
    @Override
    public Tensor map(LayerContext ctx) {
        Call.Arg q = ctx.argument("query", 0);
        Call.Arg v = ctx.argument("value", 1);
        if (q == null || v == null) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": MultiHeadAttention needs query and value, the call gives "
                    + ctx.call().tensors());
        }
        Tensor query = ctx.tensor(q);
        Tensor value = ctx.tensor(v);
        Call.Arg k = ctx.argument("key", 2);
        Tensor key = k == null || k instanceof Call.ConstArg ? value : ctx.tensor(k);
        Call.Arg am = ctx.argument("attention_mask", 4);
        Tensor attentionMask = am instanceof Call.TensorArg ? ctx.tensor(am) : null;
        boolean causal = constant(ctx.argument("use_causal_mask", 9));
        SDVariable mask = combinedMask(ctx, query, value, key == value ? null : key, attentionMask, causal);
        boolean returnScores = constant(ctx.argument("return_attention_scores", 5));
        Tensor out = build(ctx, ctx.config(), query, key, value, 0, mask, returnScores);
        if (returnScores) {
            int block = ctx.blockCount() - 1;
            ctx.extraOutput(1, new Tensor(ctx.result(Results.attention(block)),
                    new long[]{ANY, ctx.blocks().get(block).heads(), query.shape()[1], key.shape()[1]}));
        }
        return out.withMask(query.mask());
    }

    private static boolean constant(Call.Arg arg) {
        return arg instanceof Call.ConstArg c && c.value().asBoolean(false);
    }

    /**
     * The mask of Keras 3's {@code _compute_attention_mask}, {@code [B, 1, Lq, Lk]} as 1/0 floats, or null when nothing
     * is masked: query mask {@code [B, Lq, 1]} ∧ value mask {@code [B, 1, Lk]} ∧ key mask ∧ attention mask ∧ causal.
     */
    static SDVariable combinedMask(LayerContext ctx, Tensor query, Tensor value, Tensor key, Tensor attentionMask, boolean causal) {
        SameDiff sd = ctx.sd();
        long lq = query.shape()[1];
        long lk = value.shape()[1];
        SDVariable m = null;
        if (query.mask() != null) {
            m = sd.reshape(query.mask(), -1, 1, lq, 1);
        }
        if (value.mask() != null) {
            m = and(m, sd.reshape(value.mask(), -1, 1, 1, lk));
        }
        if (key != null && key.mask() != null) {
            m = and(m, sd.reshape(key.mask(), -1, 1, 1, lk));
        }
        if (causal) {
            // lower triangle (keys up to the query's own position), as Keras's _compute_causal_mask
            INDArray tri = Nd4j.zeros(DataType.FLOAT, 1, 1, lq, lk);
            for (int i = 0; i < lq; i++) {
                for (int j = 0; j <= Math.min(i, lk - 1); j++) {
                    tri.putScalar(new int[]{0, 0, i, j}, 1f);
                }
            }
            m = and(m, ctx.constant("causal", tri));
        }
        if (attentionMask != null) {
            SDVariable a = attentionMask.var();
            SDVariable nonZero = sd.castTo(sd.neq(sd.castTo(a, DataType.FLOAT), 0.0), DataType.FLOAT);
            m = and(m, sd.expandDims(nonZero, 1));
        }
        return m;
    }

    private static SDVariable and(SDVariable a, SDVariable b) {
        return a == null ? b : a.mul(b);
    }

    /** Builds the attention; {@code ffDim} is recorded in the block info (0 when standalone). */
    static Tensor build(LayerContext ctx, LayerConfig config, Tensor query, Tensor key, Tensor value, int ffDim) {
        return build(ctx, config, query, key, value, ffDim, null, false);
    }

    /**
     * Builds the attention with a mask from {@link #combinedMask} (null: none). Keras 3 computes a masked attention's
     * context on its scores path when the layer has dropout or the call returns the scores, else with
     * {@code ops.dot_product_attention}; they differ in fully masked query rows ({@link AttentionCore#attend}).
     */
    static Tensor build(LayerContext ctx, LayerConfig config, Tensor query, Tensor key, Tensor value, int ffDim, SDVariable mask,
                        boolean returnsScores) {
        boolean scoresPath = returnsScores || config.optDouble("dropout").orElse(0) > 0;
        WeightCursor w = ctx.weights();
        Weight first = w.peek(0);
        if (first == null || first.rank() != 3) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": expected a MultiHeadAttention query kernel "
                    + Shapes.format(query.lastDim(), ANY, ANY) + ", file has " + (first == null ? "no weights" : first));
        }
        int heads = (int) first.shape()[1];
        int keyDim = (int) first.shape()[2];
        checkConfig(ctx, config, "num_heads", heads);
        checkConfig(ctx, config, "key_dim", keyDim);
        boolean useBias = w.peek(1) != null && w.peek(1).rank() == 2;

        INDArray wq = w.next("query kernel", query.lastDim(), heads, keyDim);
        INDArray bq = useBias ? w.next("query bias", heads, keyDim) : null;
        INDArray wk = w.next("key kernel", key.lastDim(), heads, keyDim);
        INDArray bk = useBias ? w.next("key bias", heads, keyDim) : null;
        Weight valueKernel = w.peek(0);
        int valueDim = valueKernel != null && valueKernel.rank() == 3 ? (int) valueKernel.shape()[2] : keyDim;
        checkConfig(ctx, config, "value_dim", valueDim);
        INDArray wv = w.next("value kernel", value.lastDim(), heads, valueDim);
        INDArray bv = useBias ? w.next("value bias", heads, valueDim) : null;
        Weight outKernel = w.peek(0);
        long outDim = outKernel != null && outKernel.rank() == 3 ? outKernel.shape()[2] : query.lastDim();
        INDArray wo = w.next("output kernel", heads, valueDim, outDim);
        INDArray bo = useBias ? w.next("output bias", outDim) : null;

        boolean self = query.var() == key.var() && key.var() == value.var();
        // a bare layer's residual connection, if any, is outside it: the graph builder looks for it afterwards
        int block = ctx.beginBlock(new BlockInfo(ctx.layer().name(), KIND, heads, keyDim, valueDim, ffDim, self, ffDim > 0, mask != null));
        SameDiff sd = ctx.sd();
        long lq = query.shape()[1];
        long lk = key.shape()[1];
        double scale = 1.0 / Math.sqrt(keyDim);
        SDVariable q;
        SDVariable k;
        SDVariable v;
        if (query.var() == key.var() && key.var() == value.var() && keyDim == valueDim) {
            SDVariable[] qkv = AttentionCore.projectSelf(ctx, query.var(), lq, heads, keyDim,
                    flat(wq), flat(bq), flat(wk), flat(bk), flat(wv), flat(bv), scale);
            q = qkv[0];
            k = qkv[1];
            v = qkv[2];
        } else {
            q = AttentionCore.splitHeads(sd, project(ctx, "query", query, AttentionCore.scaled(wq, scale),
                    bq == null ? null : AttentionCore.scaled(bq, scale)), lq, heads, keyDim);
            k = AttentionCore.splitHeads(sd, project(ctx, "key", key, wk, bk), lk, heads, keyDim);
            v = AttentionCore.splitHeads(sd, project(ctx, "value", value, wv, bv), lk, heads, valueDim);
        }
        SDVariable context = AttentionCore.attend(ctx, block, q, k, v, heads, lq, lk, mask, scoresPath);  // [B, H, Lq, dv]
        SDVariable out = AttentionCore.mergeAndProject(ctx, "output", context, heads, valueDim, lq,
                wo.reshape((long) heads * valueDim, outDim), bo);                                 // [B, Lq, E_out]
        return new Tensor(ctx.output(Results.attentionOutput(block), out, ANY, lq, outDim), new long[]{ANY, lq, outDim});
    }

    /** An EinsumDense kernel {@code (E, H, d)} as a matrix {@code (E, H·d)}, a bias {@code (H, d)} as {@code (H·d)}. */
    private static INDArray flat(INDArray w) {
        if (w == null) {
            return null;
        }
        return w.rank() == 3 ? w.reshape(w.size(0), w.size(1) * w.size(2)) : w.reshape(w.length());
    }

    /** {@code [B, L, E] · (E, H, d) + (H, d)} as one matrix product: {@code [B·L, H·d]}. */
    private static SDVariable project(LayerContext ctx, String name, Tensor x, INDArray kernel, INDArray bias) {
        SameDiff sd = ctx.sd();
        long e = kernel.size(0);
        long hd = kernel.size(1) * kernel.size(2);
        SDVariable y = sd.mmul(sd.reshape(x.var(), -1, e), ctx.constant(name + "_kernel", kernel.reshape(e, hd)));
        return bias == null ? y : y.add(ctx.constant(name + "_bias", bias.reshape(hd)));
    }

    private static void checkConfig(LayerContext ctx, LayerConfig config, String key, long fromWeights) {
        config.findLong(key).ifPresent(v -> {
            if (v != fromWeights && !(key.equals("value_dim") && v <= 0)) {
                throw new BrokenModelException("layer " + ctx.layer().name() + ": config says " + key + " = " + v
                        + " but the attention kernels have " + fromWeights);
            }
        });
    }
}

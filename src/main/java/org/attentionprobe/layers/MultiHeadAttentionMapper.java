package org.attentionprobe.layers;

import org.attentionprobe.BrokenModelException;
import org.attentionprobe.keras.Shapes;
import org.attentionprobe.keras.Weight;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.attentionprobe.keras.Shapes.ANY;

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

    @Override
    public Tensor map(LayerContext ctx) {
        Tensor query = ctx.inputs().get(0);
        Tensor value = ctx.inputs().size() > 1 ? ctx.inputs().get(1) : query;
        Tensor key = ctx.inputs().size() > 2 ? ctx.inputs().get(2) : value;
        return build(ctx, ctx.config(), query, key, value, 0);
    }

    /** Builds the attention; {@code ffDim} is recorded in the block info (0 when standalone). */
    static Tensor build(LayerContext ctx, LayerConfig config, Tensor query, Tensor key, Tensor value, int ffDim) {
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

        int block = ctx.beginBlock(new BlockInfo(ctx.layer().name(), KIND, heads, keyDim, valueDim, ffDim));
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
        SDVariable context = AttentionCore.attend(ctx, block, q, k, v, heads, lq, lk);        // [B, H, Lq, dv]
        SDVariable out = AttentionCore.mergeAndProject(ctx, "output", context, heads, valueDim, lq,
                wo.reshape((long) heads * valueDim, outDim), bo);                                 // [B, Lq, E_out]
        return new Tensor(ctx.output("block" + block + "/attention_output", out, ANY, lq, outDim), new long[]{ANY, lq, outDim});
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

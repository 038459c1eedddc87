package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.keras.Call;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * KerasHub's (and KerasNLP's) {@code TransformerEncoder}:
 * <pre>
 * post-LN (default)                          normalize_first=True
 * a = MHA(x, x, mask)                        a = MHA(LN1(x), LN1(x), mask)
 * h = LN1(x + a)                             h = x + a
 * out = LN2(h + W2·act(W1·h))                out = h + W2·act(W1·LN2(h))
 * </pre>
 * key_dim = E / num_heads; both norms use {@code layer_norm_epsilon} (1e-5 by default). The padding mask is the
 * input's Keras mask (or an explicit {@code padding_mask}); it masks keys, and the input's mask also masks queries
 * (the inner MultiHeadAttention sees it on its query and value), so padded rows and columns of the attention are 0.
 * Weights in creation order: attention (query, key, value, output), self_attention_layer_norm,
 * feedforward_layer_norm, feedforward_intermediate_dense, feedforward_output_dense.
 */
public final class TransformerEncoderMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Call.Arg in = ctx.argument("inputs", 0);
        Tensor x = ctx.tensor(in);
        LayerConfig config = ctx.config();
        String layer = ctx.layer().name();
        if (x.rank() != 3) {
            throw new BrokenModelException("layer " + layer + ": expected a (batch, length, hidden) input, got " + x);
        }
        SameDiff sd = ctx.sd();
        long e = x.lastDim();
        long length = x.shape()[1];
        boolean first = config.bool("normalize_first", false);
        double eps = config.optDouble("layer_norm_epsilon").orElse(1e-5);
        String activation = config.activation("activation", "relu");
        Ops.requireActivation(ctx, activation.substring(activation.lastIndexOf('>') + 1));
        int ff = (int) config.optLong("intermediate_dim").orElse(-1);

        SDVariable mask = attentionMask(ctx, x);
        int block = ctx.blockCount();
        ctx.output(Results.blockInput(block), x.var(), x.shape());

        // The norms' and the feed-forward's weights come after the attention's: build the attention first.
        Tensor attentionInput = x;
        Tensor attention;
        INDArray gamma1;
        INDArray beta1;
        if (first) {
            // LN1 is applied before the attention, but its weights follow the attention's in the file.
            WeightCursor w = ctx.weights();
            int attentionWeights = attentionWeightCount(w);
            gamma1 = toArray(w.peek(attentionWeights));
            beta1 = toArray(w.peek(attentionWeights + 1));
            requireVector(layer, "self_attention_layer_norm gamma", w.peek(attentionWeights), e);
            requireVector(layer, "self_attention_layer_norm beta", w.peek(attentionWeights + 1), e);
            attentionInput = x.with(Ops.layerNorm(ctx, "self_attention_layer_norm", x, gamma1, beta1, eps), x.shape());
            attention = MultiHeadAttentionMapper.build(ctx, config, attentionInput, attentionInput, attentionInput, ff, mask, false);
            w.next("self_attention_layer_norm gamma", e);
            w.next("self_attention_layer_norm beta", e);
        } else {
            attention = MultiHeadAttentionMapper.build(ctx, config, x, x, x, ff, mask, false);
            gamma1 = ctx.weights().next("self_attention_layer_norm gamma", e);
            beta1 = ctx.weights().next("self_attention_layer_norm beta", e);
        }
        WeightCursor w = ctx.weights();
        INDArray gamma2 = w.next("feedforward_layer_norm gamma", e);
        INDArray beta2 = w.next("feedforward_layer_norm beta", e);
        INDArray w1 = w.next("feedforward_intermediate_dense kernel", e, ff < 0 ? -1 : ff);
        INDArray b1 = w.next("feedforward_intermediate_dense bias", w1.size(1));
        INDArray w2 = w.next("feedforward_output_dense kernel", w1.size(1), e);
        INDArray b2 = w.next("feedforward_output_dense bias", e);
        w.requireConsumed("a TransformerEncoder");

        Tensor h = x.with(x.var().add(attention.var()), x.shape());
        if (!first) {
            h = h.with(Ops.layerNorm(ctx, "self_attention_layer_norm", h, gamma1, beta1, eps), x.shape());
        }
        Tensor ffIn = first ? h.with(Ops.layerNorm(ctx, "feedforward_layer_norm", h, gamma2, beta2, eps), x.shape()) : h;
        Tensor hidden = Ops.dense(ctx, "feedforward_intermediate_dense", ffIn, w1, b1, activation);
        Tensor ffOut = Ops.dense(ctx, "feedforward_output_dense", hidden, w2, b2, "linear");
        SDVariable out = h.var().add(ffOut.var());
        if (!first) {
            out = Ops.layerNorm(ctx, "feedforward_layer_norm", x.with(out, x.shape()), gamma2, beta2, eps);
        }
        long[] shape = {x.shape()[0], length, e};
        return new Tensor(ctx.output(Results.blockOutput(block), out, shape), shape);
    }

    /**
     * The inner attention's mask: the input's Keras mask on queries and keys, an explicit {@code padding_mask} on keys,
     * and an explicit {@code attention_mask} {@code [B, L, L]}; null when there is none.
     */
    private static SDVariable attentionMask(LayerContext ctx, Tensor x) {
        SameDiff sd = ctx.sd();
        long length = x.shape()[1];
        SDVariable m = null;
        if (x.mask() != null) {
            m = sd.reshape(x.mask(), -1, 1, length, 1).mul(sd.reshape(x.mask(), -1, 1, 1, length));
        }
        Call.Arg padding = ctx.argument("padding_mask", 1);
        if (padding instanceof Call.TensorArg) {
            SDVariable p = nonZero(sd, ctx.tensor(padding).var());
            SDVariable keys = sd.reshape(p, -1, 1, 1, length);
            m = m == null ? keys : m.mul(keys);
        }
        Call.Arg attention = ctx.argument("attention_mask", 2);
        if (attention instanceof Call.TensorArg) {
            SDVariable a = sd.expandDims(nonZero(sd, ctx.tensor(attention).var()), 1);
            m = m == null ? a : m.mul(a);
        }
        return m;
    }

    private static SDVariable nonZero(SameDiff sd, SDVariable v) {
        return sd.castTo(sd.neq(sd.castTo(v, DataType.FLOAT), 0.0), DataType.FLOAT);
    }

    /** 8 with biases (query, key, value, output kernel and bias), 4 without. */
    private static int attentionWeightCount(WeightCursor w) {
        return w.peek(1) != null && w.peek(1).rank() == 2 ? 8 : 4;
    }

    private static void requireVector(String layer, String role, org.attentionprobe.keras.Weight weight, long e) {
        if (weight == null || weight.rank() != 1 || weight.shape()[0] != e) {
            throw new BrokenModelException("layer " + layer + ": expected " + role + " (" + e + ",) after the attention weights, file has "
                    + (weight == null ? "nothing" : weight));
        }
    }

    private static INDArray toArray(org.attentionprobe.keras.Weight w) {
        return w == null ? null : org.attentionprobe.io.NativeArrays.floats(w.values(), w.shape());
    }
}

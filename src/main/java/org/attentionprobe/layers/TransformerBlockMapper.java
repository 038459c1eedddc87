package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.UserInput;
import org.attentionprobe.keras.Weight;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The keras.io {@code TransformerBlock}, post-norm:
 * <pre>
 * a   = attention(x)                         built-in MultiHeadAttention or the 2020 MultiHeadSelfAttention
 * ln1 = LayerNorm(x + a)                     eps 1e-6
 * out = LayerNorm(ln1 + Dense(E)(Dense(ff, relu)(ln1)))
 * </pre>
 * Dropout is the identity at inference. The config does not say which attention the block holds (both
 * variants are saved as {@code TransformerBlock}); the weights do: the built-in layer's query kernel is
 * {@code (E, H, key_dim)}, the 2020 layer's is {@code (E, E)}. Weights in creation order: attention,
 * feed-forward, the two layer norms.
 */
public final class TransformerBlockMapper implements LayerMapper {
    static final double KERAS_IO_EPSILON = 1e-6;

    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        String layer = ctx.layer().name();
        LayerConfig config = ctx.config();
        if (x.rank() != 3) {
            throw new BrokenModelException("layer " + layer + ": expected a (batch, length, embed) input, got " + x);
        }
        long e = x.lastDim();
        config.optLong("embed_dim").ifPresent(v -> {
            if (v != e) {
                throw new BrokenModelException("layer " + layer + ": config says embed_dim = " + v + " but its input has " + e);
            }
        });
        Weight first = ctx.weights().peek(0);
        if (first == null) {
            throw new BrokenModelException("layer " + layer + ": a TransformerBlock needs weights, the file has none for it");
        }
        int ffDim = (int) feedForwardWidth(ctx, e);
        Tensor attention;
        if (first.rank() == 3) {
            attention = MultiHeadAttentionMapper.build(ctx, config.nested("att").orElse(config), x, x, x, ffDim);
        } else if (first.rank() == 2) {
            long heads = config.findLong("num_heads").orElseThrow(() -> new BrokenModelException(UserInput.NUM_HEADS, "layer " + layer
                    + ": this TransformerBlock holds the 2020 MultiHeadSelfAttention, whose head count only the config "
                    + "tells, and the config has no num_heads; expected num_heads given with the file"));
            attention = SelfAttention2020Mapper.build(ctx, x, (int) heads, ffDim);
        } else {
            throw new BrokenModelException("layer " + layer + ": expected an attention query kernel (E, H, key_dim) or (E, E) first, file has " + first);
        }
        int block = ctx.blockCount() - 1;
        ctx.output(Results.blockInput(block), x.var(), x.shape());

        WeightCursor w = ctx.weights();
        INDArray w1 = w.next("feed-forward Dense 1 kernel", e, ffDim);
        INDArray b1 = w.next("feed-forward Dense 1 bias", ffDim);
        INDArray w2 = w.next("feed-forward Dense 2 kernel", ffDim, e);
        INDArray b2 = w.next("feed-forward Dense 2 bias", e);
        INDArray gamma1 = w.next("layernorm1 gamma", e);
        INDArray beta1 = w.next("layernorm1 beta", e);
        INDArray gamma2 = w.next("layernorm2 gamma", e);
        INDArray beta2 = w.next("layernorm2 beta", e);
        w.requireConsumed("a TransformerBlock");

        double eps = config.nested("layernorm1").flatMap(c -> c.optDouble("epsilon").stream().boxed().findFirst())
                .orElse(KERAS_IO_EPSILON);
        String activation = feedForwardActivation(config);
        Tensor ln1 = x.with(Ops.layerNorm(ctx, "layernorm1", x.with(x.var().add(attention.var()), x.shape()), gamma1, beta1, eps), x.shape());
        Tensor hidden = Ops.dense(ctx, "ffn_dense_1", ln1, w1, b1, activation);
        Tensor ffn = Ops.dense(ctx, "ffn_dense_2", hidden, w2, b2, "linear");
        SDVariable out = Ops.layerNorm(ctx, "layernorm2", x.with(ln1.var().add(ffn.var()), x.shape()), gamma2, beta2, eps);
        return x.with(ctx.output(Results.blockOutput(block), out, x.shape()), x.shape());
    }

    /** keras.io uses relu; a config holding the nested feed-forward Sequential may say otherwise. */
    private static String feedForwardActivation(LayerConfig config) {
        return config.nested("ffn")
                .map(ffn -> ffn.json().path("layers").path(0).path("config"))
                .filter(first -> first.isObject())
                .map(first -> new LayerConfig("ffn", first).activation("activation", "relu"))
                .orElse("relu");
    }

    /** The feed-forward width, read from the first feed-forward kernel (E, ff) after the attention weights. */
    private static long feedForwardWidth(LayerContext ctx, long e) {
        int attentionWeights = ctx.weights().peek(0).rank() == 3
                ? (ctx.weights().peek(1) != null && ctx.weights().peek(1).rank() == 2 ? 8 : 4)
                : 8;
        Weight kernel = ctx.weights().peek(attentionWeights);
        if (kernel == null || kernel.rank() != 2 || kernel.shape()[0] != e) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": expected the feed-forward kernel ("
                    + e + ", ff_dim) after the attention weights, file has " + (kernel == null ? "nothing" : kernel));
        }
        long ff = kernel.shape()[1];
        ctx.config().optLong("ff_dim").ifPresent(v -> {
            if (v != ff) {
                throw new BrokenModelException("Shape mismatch for " + kernel.baseName() + ": config says ff_dim = " + v
                        + ", expected (" + e + ", " + v + "), file has (" + e + ", " + ff + ")");
            }
        });
        return ff;
    }
}

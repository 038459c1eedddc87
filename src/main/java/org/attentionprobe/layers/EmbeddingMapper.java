package org.attentionprobe.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

import static org.attentionprobe.keras.Shapes.ANY;

/** Keras {@code Embedding}: {@code embeddings[x]}, embeddings {@code (input_dim, output_dim)}. */
public final class EmbeddingMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor ids = ctx.input();
        LayerConfig config = ctx.config();
        INDArray table = ctx.weights().next("embeddings", config.optLong("input_dim").orElse(ANY),
                config.optLong("output_dim").orElse(ANY));
        ctx.weights().requireConsumed("an Embedding");
        if (ctx.isTokenInput(ids)) {
            ctx.declareVocabulary(table.size(0), table.size(1));
        }
        long[] shape = new long[ids.rank() + 1];
        System.arraycopy(ids.shape(), 0, shape, 0, ids.rank());
        shape[ids.rank()] = table.size(1);
        var out = ctx.sd().gather(ctx.constant("embeddings", table), ids.var(), 0);
        return new Tensor(ctx.isTokenInput(ids) ? ctx.output("embedding", out, shape) : out, shape);
    }
}

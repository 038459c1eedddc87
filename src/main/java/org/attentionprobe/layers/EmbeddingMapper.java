package org.attentionprobe.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * Keras {@code Embedding}: {@code embeddings[x]}, embeddings {@code (input_dim, output_dim)}. With
 * {@code mask_zero=True} the output carries the mask {@code x != 0}.
 */
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
        SDVariable indices = ids.var().dataType().isIntType() ? ids.var() : ctx.sd().castTo(ids.var(), org.nd4j.linalg.api.buffer.DataType.INT32);
        SDVariable out = ctx.sd().gather(ctx.constant("embeddings", table), indices, 0);
        Tensor result = new Tensor(ctx.isTokenInput(ids) ? ctx.output(Results.EMBEDDING, out, shape) : out, shape);
        return config.bool("mask_zero", false) ? result.withMask(notZero(ctx, ids.var())) : result;
    }

    /** Keras's {@code compute_mask} of a zero-masked embedding: {@code ids != 0}, as 1/0 floats {@code [B, L]}. */
    static SDVariable notZero(LayerContext ctx, SDVariable ids) {
        var sd = ctx.sd();
        SDVariable asFloat = sd.castTo(ids, org.nd4j.linalg.api.buffer.DataType.FLOAT);
        return sd.castTo(sd.neq(asFloat, 0.0), org.nd4j.linalg.api.buffer.DataType.FLOAT);
    }
}

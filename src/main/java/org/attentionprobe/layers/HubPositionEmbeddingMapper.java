package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import org.attentionprobe.errors.BrokenModelException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * KerasHub's {@code PositionEmbedding}: the learned position vectors {@code embeddings[:L]} {@code (sequence_length, E)},
 * broadcast to the input's shape {@code [B, L, E]} (the input only gives the shape; the caller adds them).
 */
public final class HubPositionEmbeddingMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        if (x.rank() != 3) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": expected a (batch, length, features) input, got " + x);
        }
        long length = x.shape()[1];
        long e = x.lastDim();
        INDArray table = ctx.weights().next("embeddings", ctx.config().optLong("sequence_length").orElse(ANY), e);
        ctx.weights().requireConsumed("a PositionEmbedding");
        if (length > table.size(0)) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": " + length + " positions but embeddings for "
                    + table.size(0) + " (sequence_length)");
        }
        INDArray used = table.get(NDArrayIndex.interval(0, length), NDArrayIndex.all()).dup();
        return new Tensor(ctx.sd().zerosLike(x.var()).add(ctx.constant("embeddings", used)), x.shape());
    }
}

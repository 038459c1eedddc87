package org.attentionprobe.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * KerasHub's (and Keras's) {@code ReversibleEmbedding}, forward direction: {@code embeddings[x]}, with
 * {@code mask_zero}'s mask. Weights: {@code embeddings (vocab, E)}, and {@code reverse_embeddings (E, vocab)} when
 * {@code tie_weights=False} (used only by the reverse direction, a language-model head).
 */
public final class ReversibleEmbeddingMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor ids = ctx.input();                                                   // [B, L] token ids
        INDArray table = ctx.weights().next("embeddings", ANY, ANY);               // (vocab, E)
        if (!ctx.config().bool("tie_weights", true)) {
            ctx.weights().next("reverse_embeddings", table.size(1), table.size(0)); // (E, vocab): not used forward
        }
        if (ctx.isTokenInput(ids)) {
            ctx.declareVocabulary(table.size(0), table.size(1));
        }
        long[] shape = {ANY, ids.shape()[1], table.size(1)};
        SDVariable out = ctx.sd().gather(ctx.constant("embeddings", table), ids.var(), 0);
        Tensor result = new Tensor(ctx.isTokenInput(ids) ? ctx.output(Results.EMBEDDING, out, shape) : out, shape);
        return ctx.config().bool("mask_zero", false) ? result.withMask(EmbeddingMapper.notZero(ctx, ids.var())) : result;
    }
}

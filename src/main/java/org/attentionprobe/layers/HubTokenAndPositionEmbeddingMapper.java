package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import org.attentionprobe.errors.BrokenModelException;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * KerasHub's {@code TokenAndPositionEmbedding}: {@code token_embedding[x] + position_embedding[:L]}, with the
 * token embedding's mask ({@code x != 0}) when {@code mask_zero=True}.
 * <pre>
 * token_embedding.embeddings          (vocabulary_size, E)   a ReversibleEmbedding
 * token_embedding.reverse_embeddings  (E, vocabulary_size)   only when tie_weights=False; not used to embed
 * position_embedding.embeddings       (sequence_length, E)   rows 0..L-1 are added
 * </pre>
 */
public final class HubTokenAndPositionEmbeddingMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor ids = ctx.input();
        LayerConfig config = ctx.config();
        String layer = ctx.layer().name();
        long vocab = config.optLong("vocabulary_size").orElse(ANY);
        long e = config.optLong("embedding_dim").orElse(ANY);
        INDArray tokens = ctx.weights().next("token_embedding embeddings", vocab, e);
        e = tokens.size(1);
        if (!config.bool("tie_weights", true)) {
            ctx.weights().next("token_embedding reverse_embeddings", e, tokens.size(0));
        }
        INDArray positions = ctx.weights().next("position_embedding embeddings", config.optLong("sequence_length").orElse(ANY), e);
        ctx.weights().requireConsumed("a TokenAndPositionEmbedding");
        long length = ids.shape()[1];
        if (length > positions.size(0)) {
            throw new BrokenModelException("layer " + layer + ": " + length + " tokens but position embeddings for "
                    + positions.size(0) + " (sequence_length); expected at most " + positions.size(0) + " tokens");
        }
        if (ctx.isTokenInput(ids)) {
            ctx.declareVocabulary(tokens.size(0), e);
        }
        var sd = ctx.sd();
        SDVariable embedded = sd.gather(ctx.constant("token_embeddings", tokens), ids.var(), 0);            // [B, L, E]
        INDArray used = positions.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, length),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
        SDVariable out = embedded.add(ctx.constant("position_embeddings", used));
        long[] shape = {ANY, length, e};
        if (ctx.isTokenInput(ids)) {
            out = ctx.output(Results.EMBEDDING, out, shape);
        }
        Tensor result = new Tensor(out, shape);
        return config.bool("mask_zero", false) ? result.withMask(EmbeddingMapper.notZero(ctx, ids.var())) : result;
    }
}

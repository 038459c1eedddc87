package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.keras.Weight;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * The keras.io {@code TokenAndPositionEmbedding}: {@code token_emb[x] + pos_emb[0..L-1]}.
 * <pre>
 * token_emb (vocab_size, E)
 * pos_emb   (maxlen, E)        only the first L rows are used for inputs of length L
 * </pre>
 */
public final class TokenAndPositionEmbeddingMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor ids = ctx.input();
        String layer = ctx.layer().name();
        if (!ctx.isTokenInput(ids)) {
            throw new BrokenModelException("layer " + layer + ": a TokenAndPositionEmbedding must read the model's token ids, it reads " + ids);
        }
        LayerConfig config = ctx.config();
        WeightCursor w = ctx.weights();
        Weight tokens = w.peek(0);
        long vocab = config.optLong("vocab_size").orElse(tokens == null ? ANY : tokens.shape()[0]);
        long embed = config.optLong("embed_dim").orElse(tokens == null || tokens.rank() < 2 ? ANY : tokens.shape()[1]);
        long maxlen = config.optLong("maxlen").orElse(ANY);
        INDArray tokenTable = w.next("token embedding", vocab, embed);
        embed = tokenTable.size(1);
        INDArray positionTable = w.next("position embedding", maxlen, embed);
        w.requireConsumed("a TokenAndPositionEmbedding");
        long length = ids.shape()[1];
        if (length > positionTable.size(0)) {
            throw new BrokenModelException("layer " + layer + ": the input has length " + length + " but the position embedding has only "
                    + positionTable.size(0) + " rows (maxlen)");
        }
        ctx.declareVocabulary(tokenTable.size(0), embed);
        INDArray positions = positionTable.get(NDArrayIndex.interval(0, length), NDArrayIndex.all()).dup('c');
        SDVariable gathered = ctx.sd().gather(ctx.constant("token_embeddings", tokenTable), ids.var(), 0);
        SDVariable out = gathered.add(ctx.constant("position_embeddings", positions));
        long[] shape = {ANY, length, embed};
        return new Tensor(ctx.output(Results.EMBEDDING, out, shape), shape);
    }
}

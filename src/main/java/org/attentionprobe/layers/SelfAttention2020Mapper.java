package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.io.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * The hand-written {@code MultiHeadSelfAttention} of the 2020 keras.io example: four {@code Dense(E)}
 * layers and head size {@code d = E / H}.
 * <pre>
 * q, k, v = x · Wq + bq, x · Wk + bk, x · Wv + bv     W (E, E)  b (E,)   split into H heads of d
 * A = softmax(q · kᵀ / √d)                           [B, H, L, L]
 * out = concat_h(A · v) · Wc + bc                     Wc (E, E)  bc (E,)   ("combine_heads")
 * </pre>
 * The kernels do not tell the head count: it comes from the config ({@code num_heads}), or from the
 * caller when the file has no config.
 */
public final class SelfAttention2020Mapper implements LayerMapper {
    public static final String KIND = "MultiHeadSelfAttention";

    @Override
    public Tensor map(LayerContext ctx) {
        int heads = (int) ctx.config().findLong("num_heads").orElseThrow(() -> new BrokenModelException(
                "layer " + ctx.layer().name() + ": config has no num_heads, which a MultiHeadSelfAttention needs"));
        return build(ctx, ctx.input(), heads, 0);
    }

    static Tensor build(LayerContext ctx, Tensor x, int heads, int ffDim) {
        long e = x.lastDim();
        String layer = ctx.layer().name();
        if (heads <= 0) {
            throw new BrokenModelException("layer " + layer + ": num_heads = " + heads + "; expected a positive number of heads "
                    + "that divides the embedding size " + e);
        }
        if (e % heads != 0) {
            throw new BrokenModelException("layer " + layer + ": embedding size " + e + " is not divisible by num_heads = "
                    + heads + " (a MultiHeadSelfAttention splits the embedding evenly across heads)");
        }
        int d = (int) (e / heads);
        WeightCursor w = ctx.weights();
        INDArray wq = w.next("query_dense kernel", e, e);
        INDArray bq = w.next("query_dense bias", e);
        INDArray wk = w.next("key_dense kernel", e, e);
        INDArray bk = w.next("key_dense bias", e);
        INDArray wv = w.next("value_dense kernel", e, e);
        INDArray bv = w.next("value_dense bias", e);
        INDArray wc = w.next("combine_heads kernel", e, ANY);
        long out = wc.size(1);
        INDArray bc = w.next("combine_heads bias", out);

        int block = ctx.beginBlock(new BlockInfo(layer, KIND, heads, d, d, ffDim));
        long length = x.shape()[1];
        SDVariable[] qkv = AttentionCore.projectSelf(ctx, x.var(), length, heads, d, wq, bq, wk, bk, wv, bv, 1.0 / Math.sqrt(d));
        SDVariable context = AttentionCore.attend(ctx, block, qkv[0], qkv[1], qkv[2], heads, length, length); // [B, H, L, d]
        SDVariable y = AttentionCore.mergeAndProject(ctx, "combine", context, heads, d, length, wc, bc);        // [B, L, out]
        return new Tensor(ctx.output(Results.attentionOutput(block), y, Shapes.ANY, length, out), new long[]{Shapes.ANY, length, out});
    }
}

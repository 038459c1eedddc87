package org.attentionprobe.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The part every attention variant shares, on per-head tensors:
 * {@code A = softmax(scores)} over the keys, exposed as {@code block{i}/attention} ({@code [B, H, L, L]},
 * rows = query position, columns = key position), then {@code A · V}.
 *
 * <p>Self-attention (query, key and value all read the same {@code x}) is built with few, large ops:
 * <pre>
 * qkv  = x · [Wq/√d | Wk | Wv] + [bq/√d | bk | bv]     [B·L, 3·H·d]   one matrix product, bias in the same op
 * q, k, v = permute(split(reshape(qkv)))               3 × [B, H, L, d]   (strided views of qkv for ExecutionPlan)
 * A    = softmax(q · kᵀ)                               [B, H, L, L]   the 1/√d is already in q
 * out  = merge(A · v) · Wo + bo                        [B·L, E_out]
 * </pre>
 * Folding {@code 1/√d} into the query kernel and bias (at import, in float64) moves one multiply from every
 * score to every query weight; the results differ from Keras's order of operations by float rounding only.
 */
final class AttentionCore {
    private AttentionCore() {
    }

    /**
     * One projection for queries, keys and values of a self-attention.
     *
     * @param x      {@code [B, L, E]}
     * @param wq     {@code (E, H·d)}; {@code wk}, {@code wv} likewise
     * @param bq     {@code (H·d)} or null; {@code bk}, {@code bv} likewise
     * @param scale  multiplies the query kernel and bias ({@code 1/√d})
     * @return q, k, v, each {@code [B, H, L, d]}
     */
    static SDVariable[] projectSelf(LayerContext ctx, SDVariable x, long length, int heads, int headDim,
                                    INDArray wq, INDArray bq, INDArray wk, INDArray bk, INDArray wv, INDArray bv, double scale) {
        SameDiff sd = ctx.sd();
        long e = wq.size(0);
        INDArray kernel = Nd4j.concat(1, scaled(wq, scale), wk, wv);                    // (E, 3·H·d)
        SDVariable flat = sd.reshape(x, -1, e);                                          // [B·L, E]
        SDVariable w = ctx.constant("qkv_kernel", kernel);
        SDVariable qkv = sd.mmul(flat, w);
        if (bq != null) {
            qkv = qkv.add(ctx.constant("qkv_bias", Nd4j.concat(0, scaled(bq, scale), bk, bv)));
        }
        SDVariable split = sd.reshape(qkv, -1, length, 3, heads, headDim);              // [B, L, 3, H, d]
        SDVariable[] parts = sd.unstack(split, 2, 3);                                    // 3 × [B, L, H, d]
        SDVariable[] qkvHeads = new SDVariable[3];
        for (int i = 0; i < 3; i++) {
            qkvHeads[i] = sd.permute(parts[i], 0, 2, 1, 3);                              // [B, H, L, d]
        }
        return qkvHeads;
    }

    /** {@code [B, L, H·d]} → {@code [B, H, L, d]}. */
    static SDVariable splitHeads(SameDiff sd, SDVariable x, long length, int heads, int headDim) {
        return sd.permute(sd.reshape(x, -1, length, heads, headDim), 0, 2, 1, 3);
    }

    /**
     * @param q {@code [B, H, Lq, d]}, already scaled by {@code 1/√d}
     * @param k {@code [B, H, Lk, d]}
     * @param v {@code [B, H, Lk, dv]}
     * @return {@code [B, H, Lq, dv]}
     */
    static SDVariable attend(LayerContext ctx, int block, SDVariable q, SDVariable k, SDVariable v, int heads, long lq, long lk) {
        return attend(ctx, block, q, k, v, heads, lq, lk, null, false);
    }

    /**
     * Attention with a mask {@code m} ({@code [B, 1, Lq, Lk]} or broadcastable, 1 = attend, 0 = masked), as the
     * file's Keras computed it. The weights exposed as {@code block{i}/attention} are the ones Keras returns
     * ({@code return_attention_scores=True}); the context is what its inference path multiplies with the values:
     * <pre>
     * P = softmax(where(m, s, −big))                    −big: −1e9 (scores path, tf.keras 2), −2.4e38 (dot-product path)
     * Keras 3    exposed A = P · m                      masked keys and fully masked query rows are exactly 0
     *            context   = A · V                      scores path: dropout &gt; 0 or return_attention_scores=True
     *            context   = P · V                      dot-product path (ops.dot_product_attention, the default at
     *                                                   inference): a fully masked query row attends uniformly to all keys
     * tf.keras 2 exposed A = P, context = P · V          no zeroing
     * </pre>
     * {@code where(m, s, −big)} is computed as {@code s·m + (m − 1)·big}: the same values for m ∈ {0, 1}, and either
     * −big gives the same P in float32 (exp underflows to 0; a fully masked row is uniform).
     *
     * @param scoresPath true when Keras computes the context from the zeroed weights (see above)
     */
    static SDVariable attend(LayerContext ctx, int block, SDVariable q, SDVariable k, SDVariable v, int heads, long lq, long lk,
                             SDVariable mask, boolean scoresPath) {
        SameDiff sd = ctx.sd();
        SDVariable scores = sd.mmul(q, k, false, true, false);                           // [B, H, Lq, Lk]
        if (mask == null) {
            SDVariable logits = ctx.output(Results.attentionLogits(block), scores, -1, heads, lq, lk);
            SDVariable weights = ctx.output(Results.attention(block), sd.nn.softmax(logits, 3), -1, heads, lq, lk);
            return sd.mmul(weights, v);
        }
        SDVariable logits = ctx.output(Results.attentionLogits(block), scores.mul(mask).add(mask.sub(1.0).mul(1e9)), -1, heads, lq, lk);
        SDVariable p = sd.nn.softmax(logits, 3);                                          // [B, H, Lq, Lk]
        if (ctx.dialect() == org.attentionprobe.keras.ModelConfig.Dialect.KERAS_2) {
            return sd.mmul(ctx.output(Results.attention(block), p, -1, heads, lq, lk), v);
        }
        SDVariable zeroed = p.mul(mask);
        SDVariable exposed = ctx.output(Results.attention(block), zeroed, -1, heads, lq, lk);
        // the dot-product path adds back what the zeroing took: the uniform rows of fully masked queries
        SDVariable used = scoresPath ? exposed : exposed.add(p.sub(zeroed));
        return sd.mmul(used, v);
    }

    /**
     * {@code concat_h(context) · Wo + bo}.
     *
     * @param context {@code [B, H, L, dv]}
     * @param kernel  {@code (H·dv, E_out)}
     * @param bias    {@code (E_out)} or null
     * @return {@code [B, L, E_out]}
     */
    static SDVariable mergeAndProject(LayerContext ctx, String name, SDVariable context, int heads, int valueDim, long length,
                                      INDArray kernel, INDArray bias) {
        SameDiff sd = ctx.sd();
        SDVariable merged = sd.reshape(sd.permute(context, 0, 2, 1, 3), -1, (long) heads * valueDim); // [B·L, H·dv]
        SDVariable w = ctx.constant(name + "_kernel", kernel);
        SDVariable out = sd.mmul(merged, w);
        if (bias != null) {
            out = out.add(ctx.constant(name + "_bias", bias));
        }
        return sd.reshape(out, -1, length, kernel.size(1));
    }

    /** {@code a · s}, computed in float64 and rounded once. */
    static INDArray scaled(INDArray a, double s) {
        return a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).muli(s).castTo(a.dataType());
    }
}

package org.attentionprobe.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The part every attention variant shares, on per-head tensors:
 * {@code A = softmax(scores)} over the keys, exposed as {@code block{i}/attention} ({@code [B, H, L, L]},
 * rows = query position, columns = key position), then {@code A · V}.
 */
final class AttentionCore {
    private AttentionCore() {
    }

    /** {@code [B, L, H·d]} → {@code [B, H, L, d]}. */
    static SDVariable splitHeads(SameDiff sd, SDVariable x, long length, int heads, int headDim) {
        return sd.permute(sd.reshape(x, -1, length, heads, headDim), 0, 2, 1, 3);
    }

    /** {@code [B, H, L, d]} → {@code [B·L, H·d]}, heads concatenated per position. */
    static SDVariable mergeHeads(SameDiff sd, SDVariable x, int heads, int headDim) {
        return sd.reshape(sd.permute(x, 0, 2, 1, 3), -1, (long) heads * headDim);
    }

    /**
     * @param scores {@code [B, H, Lq, Lk]}, already scaled
     * @param value  {@code [B, H, Lk, dv]}
     * @return {@code [B, H, Lq, dv]}
     */
    static SDVariable attend(LayerContext ctx, int block, SDVariable scores, SDVariable value, int heads, long lq, long lk) {
        SameDiff sd = ctx.sd();
        SDVariable weights = ctx.output("block" + block + "/attention", sd.nn.softmax(scores, 3), -1, heads, lq, lk);
        return sd.mmul(weights, value);
    }
}

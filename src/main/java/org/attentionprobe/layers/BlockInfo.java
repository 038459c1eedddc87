package org.attentionprobe.layers;

/**
 * One attention layer as the model defines it ("block i" everywhere: the i-th attention in call order).
 *
 * @param layerName     the Keras layer holding it ({@code transformer_block}, {@code multi_head_attention})
 * @param kind          {@code MultiHeadAttention} (built-in) or {@code MultiHeadSelfAttention} (keras.io 2020)
 * @param heads         number of heads H
 * @param keyDim        size of each head's queries and keys; scores are scaled by {@code 1/sqrt(keyDim)}
 * @param valueDim      size of each head's values
 * @param ffDim         width of the block's feed-forward layer, 0 for a bare attention layer
 * @param selfAttention queries, keys and values all read the same tensor
 * @param residual      the attention's output is added to a skip path (a transformer block; or a bare attention
 *                      layer whose output reaches an {@code Add}): attention rollout assumes this of every block
 * @param masked        Keras masks its attention (padding from {@code mask_zero}, an {@code attention_mask}): masked
 *                      keys get weight 0 and fully masked queries attend to nothing
 */
public record BlockInfo(String layerName, String kind, int heads, int keyDim, int valueDim, int ffDim,
                        boolean selfAttention, boolean residual, boolean masked) {
    /** A transformer block: self-attention with a residual connection, unmasked. */
    public BlockInfo(String layerName, String kind, int heads, int keyDim, int valueDim, int ffDim) {
        this(layerName, kind, heads, keyDim, valueDim, ffDim, true, true, false);
    }

    public BlockInfo withResidual(boolean isResidual) {
        return new BlockInfo(layerName, kind, heads, keyDim, valueDim, ffDim, selfAttention, isResidual, masked);
    }
}

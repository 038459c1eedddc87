package org.attentionprobe.layers;

/**
 * One attention block as the model defines it.
 *
 * @param layerName the Keras layer holding it ({@code transformer_block})
 * @param kind      {@code MultiHeadAttention} (built-in) or {@code MultiHeadSelfAttention} (keras.io 2020)
 * @param heads     number of heads H
 * @param keyDim    size of each head's queries and keys; scores are scaled by {@code 1/sqrt(keyDim)}
 * @param valueDim  size of each head's values
 * @param ffDim     width of the block's feed-forward layer, 0 for a bare attention layer
 */
public record BlockInfo(String layerName, String kind, int heads, int keyDim, int valueDim, int ffDim) {
}

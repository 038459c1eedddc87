package org.attentionprobe.layers;

/**
 * How a layer passes on the Keras mask of its input, as Keras 3 decides it ({@code supports_masking} and
 * {@code compute_mask}). A mask starts at {@code Embedding(mask_zero=True)} and is carried by each tensor
 * ({@link Tensor#mask()}).
 */
public enum Masking {
    /**
     * The layer does not support masking: its output carries no mask. Keras's default for a layer without
     * {@code compute_mask} ({@code Conv1D}, {@code Flatten}, {@code GlobalMaxPooling1D}, custom layers) and for
     * every operation node ({@code x + y}).
     */
    DROPS,
    /** The output carries the first input's mask: {@code Dense}, {@code LayerNormalization}, {@code Dropout}, ... */
    PASSES,
    /** The mapper sets the output's mask itself: {@code Embedding}, merging layers, {@code MultiHeadAttention}, pooling. */
    COMPUTES
}

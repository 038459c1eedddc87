package org.attentionprobe.graph;

import org.attentionprobe.layers.BlockInfo;

import java.util.List;

/**
 * What a loaded model is, for people and reports.
 *
 * @param name           the model's name in its config
 * @param format         how it was saved ("legacy HDF5 (model.save)", ...)
 * @param kerasVersion   the Keras version that wrote it
 * @param backend        the backend recorded in the file
 * @param sequenceLength L, the number of token positions the model reads
 * @param vocabSize      token ids must be below this
 * @param embedDim       E
 * @param outputs        the width of the output: the number of classes, or 1 for one sigmoid output
 *                       (two classes; see {@link #classCount()})
 * @param layers         every layer, in call order
 * @param blocks         every attention block, in order
 * @param variableLength the model takes sequences of any length ({@code Input(shape=(None,))}); {@code sequenceLength}
 *                       is then the length this graph was built for
 */
public record ModelSummary(String name, String format, String kerasVersion, String backend, int sequenceLength,
                           long vocabSize, long embedDim, int outputs, List<LayerInfo> layers, List<BlockInfo> blocks,
                           boolean variableLength) {
    public ModelSummary(String name, String format, String kerasVersion, String backend, int sequenceLength,
                        long vocabSize, long embedDim, int outputs, List<LayerInfo> layers, List<BlockInfo> blocks) {
        this(name, format, kerasVersion, backend, sequenceLength, vocabSize, embedDim, outputs, layers, blocks, false);
    }

    /** One layer: name, Keras class, output shape (batch first as -1), parameter count. */
    public record LayerInfo(String name, String className, long[] outputShape, long parameters) {
    }

    /** The number of classes: {@link #outputs}, or 2 for one sigmoid output ({@link org.attentionprobe.ModelOutput}). */
    public int classCount() {
        return classCount(outputs);
    }

    /** The number of classes of a model with {@code outputs} outputs: the outputs, or 2 for one sigmoid output. */
    public static int classCount(int outputs) {
        return outputs == 1 ? 2 : outputs;
    }

    /**
     * Why attention rollout does not apply to this model, or empty when it does: rollout multiplies every block's
     * attention, mixed with the identity for its residual connection, so every attention layer must be a residual
     * self-attention over the same positions.
     */
    public java.util.Optional<String> rolloutNotApplicable() {
        if (blocks.isEmpty()) {
            return java.util.Optional.of("the model has no attention layer");
        }
        for (BlockInfo b : blocks) {
            if (!b.selfAttention() || !b.residual()) {
                return java.util.Optional.of("attention layer " + b.layerName() + " is " + (!b.selfAttention()
                        ? "not a self-attention (its queries and keys read different tensors)"
                        : "not followed by a residual connection (its output reaches no Add)")
                        + ", and rollout follows attention only through residual self-attention blocks");
            }
        }
        return java.util.Optional.empty();
    }

    public long parameters() {
        return layers.stream().mapToLong(LayerInfo::parameters).sum();
    }
}

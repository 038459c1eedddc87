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
 */
public record ModelSummary(String name, String format, String kerasVersion, String backend, int sequenceLength,
                           long vocabSize, long embedDim, int outputs, List<LayerInfo> layers, List<BlockInfo> blocks) {

    /** One layer: name, Keras class, output shape (batch first as -1), parameter count. */
    public record LayerInfo(String name, String className, long[] outputShape, long parameters) {
    }

    /** The number of classes: {@link #outputs}, or 2 for one sigmoid output ({@link org.attentionprobe.ModelOutput}). */
    public int classCount() {
        return org.attentionprobe.ModelOutput.classCount(outputs);
    }

    public long parameters() {
        return layers.stream().mapToLong(LayerInfo::parameters).sum();
    }
}

package org.attentionprobe;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A batch's results.
 *
 * <p>Classes: a model with {@code C ≥ 2} outputs has C classes whose probabilities are its outputs; a model
 * with one (sigmoid) output {@code p} is a binary classifier with classes 0 and 1 of probabilities
 * {@code 1 − p} and {@code p}. {@link #classProbabilities} and {@link #predictedClass} apply that rule
 * everywhere (reports, attributions), while {@link #probabilities} stays the model's raw output.
 *
 * @param probabilities {@code [B, outputs]}, the model output as computed
 * @param attention     per block {@code [B, H, L, L]}: row = query position, column = key position, rows sum to 1
 * @param logits        per block {@code [B, H, L, L]}, the softmax's input ({@link org.attentionprobe.layers.Results#attentionLogits}),
 *                      when the runner was asked for them; otherwise empty
 */
public record ModelOutput(INDArray probabilities, List<INDArray> attention, List<INDArray> logits) {
    /** Probabilities and attention, without logits. */
    public ModelOutput(INDArray probabilities, List<INDArray> attention) {
        this(probabilities, attention, List.of());
    }

    public INDArray attention(int block) {
        return attention.get(block);
    }

    /** The class probabilities of a row: {@code [classCount(outputs)]}. */
    public float[] classProbabilities(int row) {
        return classProbabilities(probabilities.getRow(row).toFloatVector());
    }

    /** The most probable class of a row (the first of equals; {@code p ≥ 0.5} is class 1 for one sigmoid output). */
    public int predictedClass(int row) {
        return argMax(classProbabilities(row));
    }

    /** The number of classes of a model with {@code outputs} outputs: the outputs, or 2 for one sigmoid output. */
    public static int classCount(int outputs) {
        return org.attentionprobe.graph.ModelSummary.classCount(outputs);
    }

    /** Every class's probability from one output row {@code [outputs]}: {@code [classCount(outputs)]}. */
    public static float[] classProbabilities(float[] outputs) {
        return outputs.length == 1 ? new float[]{1f - outputs[0], outputs[0]} : outputs.clone();
    }

    /** The model's output row for class probabilities {@code [classCount(outputs)]}: the inverse of {@link #classProbabilities}. */
    public static float[] outputs(float[] classProbabilities, int outputs) {
        return outputs == 1 ? new float[]{classProbabilities[1]} : classProbabilities.clone();
    }

    /** The index of the largest value, the first of equals. */
    public static int argMax(float[] values) {
        int best = 0;
        for (int c = 1; c < values.length; c++) {
            if (values[c] > values[best]) {
                best = c;
            }
        }
        return best;
    }
}

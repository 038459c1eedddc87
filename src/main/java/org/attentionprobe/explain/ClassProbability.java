package org.attentionprobe.explain;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.ModelOutput;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * F, the function every attribution explains: the model's probability of one class, read off its output
 * (the post-softmax probabilities, not the logits). For {@code C ≥ 2} outputs {@code F_c(p) = p_c}; for one
 * sigmoid output {@code p} the classes are 0 and 1 with {@code F_1 = p} and {@code F_0 = 1 − p}.
 * Either way F is affine in the output, {@code F = offset + Σ_c weight_c · p_c}, which is how the gradient graph
 * takes it (the offset does not change a gradient).
 *
 * @param explainedClass the class c
 * @param weights        {@code [C]}, one per model output
 * @param offset         1 for class 0 of a sigmoid output, else 0
 */
record ClassProbability(int explainedClass, float[] weights, double offset) {

    /** F for class {@code cls} of a model with {@code outputs} outputs; an input error for a class it does not have. */
    static ClassProbability of(int outputs, int cls) {
        int classes = ModelOutput.classCount(outputs);
        if (cls < 0 || cls >= classes) {
            throw new InvalidInputException("class " + cls + " is not a class of this model; expected 0.."
                    + (classes - 1) + (outputs == 1 ? " (one sigmoid output: 0 = 1 - p, 1 = p)" : ""));
        }
        float[] w = new float[outputs];
        if (outputs == 1) {
            w[0] = cls == 1 ? 1f : -1f;
            return new ClassProbability(cls, w, cls == 1 ? 0 : 1);
        }
        w[cls] = 1f;
        return new ClassProbability(cls, w, 0);
    }

    /** Every class's probability from one output row {@code [C]}: {@code [classCount(C)]}. */
    static double[] classProbabilities(float[] outputs) {
        float[] p = ModelOutput.classProbabilities(outputs);
        double[] out = new double[p.length];
        for (int c = 0; c < p.length; c++) {
            out[c] = p[c];
        }
        return out;
    }

    /** The most probable class (see {@link ModelOutput#predictedClass}). */
    static int predicted(float[] outputs) {
        return ModelOutput.argMax(ModelOutput.classProbabilities(outputs));
    }

    /** F of one output row {@code [C]}. */
    double value(float[] outputs) {
        double f = offset;
        for (int c = 0; c < weights.length; c++) {
            f += (double) weights[c] * outputs[c];
        }
        return f;
    }

    /** The weights repeated for every row of a batch: {@code [B, C]}, fed to the gradient graph. */
    INDArray batchWeights(int batch) {
        return batchWeights(batch, batch);
    }

    /**
     * {@code [B, C]}: the weights for the first {@code rows} rows and zeros after them, so that the rows padding a batch
     * to its size add nothing to the gradients.
     */
    INDArray batchWeights(int batch, int rows) {
        float[] flat = new float[batch * weights.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(weights, 0, flat, r * weights.length, weights.length);
        }
        return Nd4j.create(flat, new long[]{batch, weights.length}, 'c');
    }
}

package org.attentionprobe.probe;

import org.attentionprobe.ModelOutput;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the model made of one sequence.
 *
 * @param sequence      the tokens it read
 * @param probabilities the class probabilities {@code [C]}
 * @param classNames    {@code [C]} names of the classes ({@code class 0}, ... when the data names none)
 * @param label         the true class index, when the data has one
 * @param attention     per block {@code [H, L, L]}: row = query position, column = key position, every row sums to 1
 */
public record ProbeResult(TokenSequence sequence, float[] probabilities, List<String> classNames, OptionalInt label,
                          List<INDArray> attention) {
    public ProbeResult {
        probabilities = probabilities.clone();
        classNames = List.copyOf(classNames);
        attention = List.copyOf(attention);
    }

    /** The index of the largest probability (the first of equals). */
    public int predictedClass() {
        return ModelOutput.argMax(probabilities);
    }

    public String predictedClassName() {
        return classNames.get(predictedClass());
    }

    public Optional<String> trueClassName() {
        return label.isPresent() ? Optional.of(classNames.get(label.getAsInt())) : Optional.empty();
    }

    /** One block's attention {@code [H, L, L]}. */
    public INDArray attention(int block) {
        return attention.get(block);
    }

    /** One head's weights, row-major {@code [L * L]}: {@code w[q * L + k]}. */
    public float[] head(int block, int head) {
        INDArray a = attention.get(block);  // [H, L, L]
        if (head < 0 || head >= a.size(0)) {
            throw new IndexOutOfBoundsException("head " + head + " of block " + block + ", which has " + a.size(0) + " heads");
        }
        INDArray c = a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
        int l2 = (int) (a.size(1) * a.size(2));
        return Arrays.copyOfRange(c.data().asFloat(), head * l2, (head + 1) * l2);
    }

    /** Heads per block. */
    public int heads(int block) {
        return (int) attention.get(block).size(0);
    }
}

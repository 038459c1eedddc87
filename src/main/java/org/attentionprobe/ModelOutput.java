package org.attentionprobe;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A batch's results.
 *
 * @param probabilities {@code [B, classes]}
 * @param attention     per block {@code [B, H, L, L]}: row = query position, column = key position, rows sum to 1
 */
public record ModelOutput(INDArray probabilities, List<INDArray> attention) {
    public INDArray attention(int block) {
        return attention.get(block);
    }

    /** The index of the largest probability in a row. */
    public int predictedClass(int row) {
        return probabilities.getRow(row).argMax().getInt(0);
    }
}

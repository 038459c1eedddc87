package org.attentionprobe.explain;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Attention rollout (Abnar &amp; Zuidema 2020, "Quantifying Attention Flow in Transformers"): how much of each
 * input token reaches each position at the top of the stack, through attention and the residual connections.
 * <pre>
 * Ā_l = mean_h A_l[h]                        [L, L], rows = query, columns = key; rows sum to 1 (softmax)
 * Â_l = (Ā_l + I) / rowsum(Ā_l + I)         the residual as identity; rowsum = 2, so Â_l = (Ā_l + I) / 2
 * R   = Â_N · … · Â_2 · Â_1                  later blocks on the left; rows of R sum to 1
 * score_j = mean_i R[i, j]                   the classifier mean-pools every position (padding included), so
 *                                            every row counts equally; the scores sum to 1
 * </pre>
 * All L positions take part: the model attends to padding, so padding carries flow too.
 */
public final class AttentionRollout {
    private AttentionRollout() {
    }

    /** Rollout of a sequence's attention, per block {@code [H, L, L]}, first block first. */
    public static RelevanceMap of(List<INDArray> attention) {
        return ofHeadMeans(attention.stream().map(Matrices::meanOverHeads).toList());
    }

    /** Rollout of per-block head means {@code Ā_l} {@code [L][L]}, first block first. */
    static RelevanceMap ofHeadMeans(List<double[][]> headMeans) {
        int n = headMeans.get(0).length;
        double[][] r = null;   // the identity: the first block's product with it is the block's own matrix, exactly
        for (double[][] mean : headMeans) {
            double[][] withResidual = Matrices.rowNormalised(Matrices.add(mean, Matrices.identity(n)));
            r = r == null ? withResidual : Matrices.multiply(withResidual, r);
        }
        return new RelevanceMap(r, Matrices.meanOfRows(r));
    }
}

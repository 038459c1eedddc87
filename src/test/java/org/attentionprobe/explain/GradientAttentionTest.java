package org.attentionprobe.explain;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.attentionprobe.explain.AttentionRolloutTest.assertMatrix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Gradient × attention (Chefer et al.) on 2-token cases worked out by hand. */
class GradientAttentionTest {
    /**
     * <pre>
     * head 0: A = [[.5 .5] [.25 .75]], ∂F/∂A = [[2 -2] [4 0]]  → (∇A ⊙ A)⁺ = [[1 0] [1 0]]
     * head 1: A = [[1 0] [0 1]],       ∂F/∂A = [[-1 -1] [-1 -1]] → (∇A ⊙ A)⁺ = 0 (negatives clamped)
     * Ā = mean over heads = [[.5 0] [.5 0]]
     * R = I + Ā · I = [[1.5 0] [.5 1]]        scores = column means = [1, .5]
     * </pre>
     */
    @Test
    void oneBlockClampsNegativesAveragesHeadsAndKeepsTheIdentity() {
        INDArray a = Nd4j.createFromArray(new double[][][]{{{.5, .5}, {.25, .75}}, {{1, 0}, {0, 1}}});
        INDArray g = Nd4j.createFromArray(new double[][][]{{{2, -2}, {4, 0}}, {{-1, -1}, {-1, -1}}});
        RelevanceMap r = GradientAttention.of(List.of(a), List.of(g));
        assertMatrix(new double[][]{{1.5, 0}, {.5, 1}}, r.matrix());
        assertArrayEquals(new double[]{1, .5}, r.scores(), 1e-12);
    }

    /**
     * Block 2 (one head): A = [[0 1] [0 1]], ∂F/∂A = [[0 2] [0 1]] → Ā₂ = [[0 2] [0 1]].
     * <pre>
     * R₁ = [[1.5 0] [.5 1]]
     * R₂ = R₁ + Ā₂ · R₁ = [[1.5 0] [.5 1]] + [[1 2] [.5 1]] = [[2.5 2] [1 2]]      scores [1.75, 2]
     * </pre>
     */
    @Test
    void blocksAccumulateFromTheIdentityUpwards() {
        INDArray a1 = Nd4j.createFromArray(new double[][][]{{{.5, .5}, {.25, .75}}, {{1, 0}, {0, 1}}});
        INDArray g1 = Nd4j.createFromArray(new double[][][]{{{2, -2}, {4, 0}}, {{-1, -1}, {-1, -1}}});
        INDArray a2 = Nd4j.createFromArray(new double[][][]{{{0, 1}, {0, 1}}});
        INDArray g2 = Nd4j.createFromArray(new double[][][]{{{0, 2}, {0, 1}}});
        RelevanceMap r = GradientAttention.of(List.of(a1, a2), List.of(g1, g2));
        assertMatrix(new double[][]{{2.5, 2}, {1, 2}}, r.matrix());
        assertArrayEquals(new double[]{1.75, 2}, r.scores(), 1e-12);
    }

    /** No positive gradient anywhere: R stays I and every token scores 1/L (the identity's share). */
    @Test
    void withoutPositiveEvidenceOnlyTheIdentityRemains() {
        INDArray a = Nd4j.valueArrayOf(new long[]{1, 4, 4}, 0.25);
        INDArray g = Nd4j.valueArrayOf(new long[]{1, 4, 4}, -1.0);
        RelevanceMap r = GradientAttention.of(List.of(a), List.of(g));
        assertArrayEquals(new double[]{.25, .25, .25, .25}, r.scores(), 1e-12);
    }
}

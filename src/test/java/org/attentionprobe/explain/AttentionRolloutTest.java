package org.attentionprobe.explain;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Attention rollout on 3-token cases worked out by hand. */
class AttentionRolloutTest {
    /**
     * Two heads, one block.
     * <pre>
     * head 0 = [[.5 .5 0] [0 1 0] [0 .5 .5]]   head 1 = [[.5 .5 0] [0 0 1] [0 .5 .5]]
     * Ā = [[.5 .5 0] [0 .5 .5] [0 .5 .5]]
     * Â = (Ā + I) / 2 = [[.75 .25 0] [0 .75 .25] [0 .25 .75]]   (every row of Ā + I sums to 2)
     * scores = column means = [.75, 1.25, 1] / 3 = [.25, .41667, .33333]
     * </pre>
     */
    @Test
    void oneBlockAveragesHeadsAddsIdentityAndAveragesRows() {
        INDArray block = Nd4j.createFromArray(new double[][][]{
                {{.5, .5, 0}, {0, 1, 0}, {0, .5, .5}},
                {{.5, .5, 0}, {0, 0, 1}, {0, .5, .5}}});
        RelevanceMap r = AttentionRollout.of(List.of(block));
        assertMatrix(new double[][]{{.75, .25, 0}, {0, .75, .25}, {0, .25, .75}}, r.matrix());
        assertArrayEquals(new double[]{.25, 1.25 / 3, 1.0 / 3}, r.scores(), 1e-12);
    }

    /**
     * Block 2 sends every query to token 2: Ā₂ = [[0 0 1] [0 0 1] [0 0 1]], Â₂ = [[.5 0 .5] [0 .5 .5] [0 0 1]].
     * <pre>
     * R = Â₂ · Â₁ = [[.375 .25 .375] [0 .5 .5] [0 .25 .75]]      scores [.375, 1, 1.625] / 3
     * (the other order, Â₁ · Â₂, would give scores [.125, .20833, .66667])
     * </pre>
     */
    @Test
    void laterBlocksMultiplyFromTheLeft() {
        INDArray first = Nd4j.createFromArray(new double[][][]{
                {{.5, .5, 0}, {0, 1, 0}, {0, .5, .5}},
                {{.5, .5, 0}, {0, 0, 1}, {0, .5, .5}}});
        INDArray second = Nd4j.createFromArray(new double[][][]{{{0, 0, 1}, {0, 0, 1}, {0, 0, 1}}});
        RelevanceMap r = AttentionRollout.of(List.of(first, second));
        assertMatrix(new double[][]{{.375, .25, .375}, {0, .5, .5}, {0, .25, .75}}, r.matrix());
        assertArrayEquals(new double[]{.125, 1.0 / 3, 1.625 / 3}, r.scores(), 1e-12);
    }

    /** Uniform attention rolls out to uniform scores, whatever the depth. */
    @Test
    void uniformAttentionGivesUniformScores() {
        INDArray uniform = Nd4j.valueArrayOf(new long[]{2, 4, 4}, 0.25);
        RelevanceMap r = AttentionRollout.of(List.of(uniform, uniform, uniform));
        assertArrayEquals(new double[]{.25, .25, .25, .25}, r.scores(), 1e-12);
        for (double[] row : r.matrix()) {
            assertEquals(1.0, java.util.Arrays.stream(row).sum(), 1e-12);
        }
    }

    static void assertMatrix(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length, "rows");
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 1e-12, "row " + i);
        }
    }
}

package org.attentionprobe.explain;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Integrated gradients (and rollout's sums) on the demo model: 200 positions, real IMDB review 0. */
class IntegratedGradientsTest {
    private static Attributions attributions;
    private static int[] review;
    private static Explanation explanation;     // review 0, predicted class, 50 steps from the padding baseline

    @BeforeAll
    static void explain() {
        try (TransformerModel model = TransformerModel.open(TestData.IMDB.resolve("model.h5"))) {
            attributions = Attributions.of(model);
        }
        review = TestData.fixture("imdb-transformer").reference().get("x").castTo(DataType.INT32).toIntMatrix()[0];
        explanation = attributions.explain(review, OptionalInt.empty(), ExplainOptions.defaults());
    }

    @AfterAll
    static void close() {
        attributions.close();
    }

    /** The acceptance check: with 50 steps the gap is below 1% of |F(x) − F(baseline)|. */
    @Test
    void completenessGapIsBelowOnePercentWith50Steps() {
        IntegratedGradients ig = explanation.integrated();
        assertEquals(50, ig.steps());
        assertEquals(200, ig.scores().length);
        assertEquals(explanation.probability(), ig.inputValue(), 1e-6, "F(x) at the end of the path is the model's probability");
        assertTrue(Math.abs(ig.expectedSum()) > 0.1, "F(x) - F(baseline) = " + ig.expectedSum() + " is too small to test completeness");
        assertTrue(ig.relativeGap() < 0.01, String.format("completeness: F(x) %.6f, F(baseline) %.6f, sum of IG %.6f, gap %.3g (%.3g of the difference)",
                ig.inputValue(), ig.baselineValue(), ig.sum(), ig.completenessGap(), ig.relativeGap()));
    }

    /** From the padding baseline, a padding position has e − e' = 0 there, so its attribution is exactly 0. */
    @Test
    void paddingPositionsGetNothingFromThePaddingBaseline() {
        int padded = 0;
        for (int i = 0; i < review.length; i++) {
            if (review[i] == 0) {
                padded++;
                assertEquals(0.0, explanation.integratedGradients()[i], 0.0, "position " + i);
            }
        }
        assertEquals(200 - 68, padded, "review 0 has 68 real tokens");
    }

    /** IG is linear in F: for two softmax classes F_0 = 1 − F_1, so the attributions are opposite. */
    @Test
    void theTwoClassesGetOppositeAttributions() {
        ExplainOptions few = ExplainOptions.defaults().withSteps(6);
        IntegratedGradients negative = attributions.explain(review, OptionalInt.of(0), few).integrated();
        IntegratedGradients positive = attributions.explain(review, OptionalInt.of(1), few).integrated();
        double[] minusPositive = Arrays.stream(positive.scores()).map(v -> -v).toArray();
        assertArrayEquals(minusPositive, negative.scores(), 1e-6);
        assertEquals(1.0, negative.inputValue() + positive.inputValue(), 1e-6);
        assertTrue(Arrays.stream(negative.scores()).map(Math::abs).max().orElse(0) > 1e-3, "attributions to compare");
    }

    @Test
    void rolloutRowsSumToOneOnTheDemoModel() {
        double[][] r = explanation.rolloutMatrix();
        assertEquals(200, r.length);
        for (int i = 0; i < r.length; i++) {
            assertEquals(200, r[i].length);
            assertEquals(1.0, Arrays.stream(r[i]).sum(), 1e-6, "row " + i);
        }
        assertEquals(1.0, Arrays.stream(explanation.rollout()).sum(), 1e-6);
    }
}

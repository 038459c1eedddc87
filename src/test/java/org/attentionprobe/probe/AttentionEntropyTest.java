package org.attentionprobe.probe;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fast logarithm against {@link Math#log}, and row entropies worked out by hand. */
class AttentionEntropyTest {
    @Test
    void lnIsWithinAboutOneFloatUlpOfMathLogFromTinyToLargeValues() {
        Random random = new Random(3);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < 200_000; i++) {
            float x = (float) Math.pow(10, -37 + 40 * random.nextDouble());   // 1e-37 .. 1e3
            double exact = Math.log(x);
            double err = Math.abs(AttentionEntropy.ln(x) - exact) / Math.max(Math.ulp((float) exact), Math.ulp(1f) / 2);
            if (err > worst) {
                worst = err;
                at = x;
            }
        }
        assertTrue(worst <= 1.5, "ln is " + worst + " float ulps off Math.log at " + at);
        assertEquals(0f, AttentionEntropy.ln(1f), 0f);
        assertEquals(Math.log(0.005), AttentionEntropy.ln(0.005f), 1e-6);
    }

    @Test
    void zeroGivesAFiniteLogSoThatZeroWeightsAddNothingAndNanStaysNan() {
        assertTrue(Float.isFinite(AttentionEntropy.ln(0f)));
        assertTrue(Float.isFinite(AttentionEntropy.ln(Float.MIN_VALUE)), "subnormal");
        assertTrue(Float.isNaN(AttentionEntropy.ln(Float.NaN)));
        assertEquals(0, AttentionEntropy.ofRow(new float[]{0f, 1f, 0f}, 0, 3), 1e-7, "one-hot: no uncertainty");
        assertTrue(Double.isNaN(AttentionEntropy.ofRow(new float[]{Float.NaN, 1f}, 0, 2)));
    }

    @Test
    void rowEntropyIsMinusSumOfALnAOverTheRowOnly() {
        float[] w = {9f, 0.25f, 0.75f, 9f};   // the row is w[1..3); the 9s around it must not count
        double expected = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));   // 0.5623...
        assertEquals(expected, AttentionEntropy.ofRow(w, 1, 2), 1e-7);
        float[] uniform = new float[200];
        Arrays.fill(uniform, 1f / 200);
        assertEquals(Math.log(200), AttentionEntropy.ofRow(uniform, 0, 200), 1e-5, "uniform over L keys: ln L");
    }
}

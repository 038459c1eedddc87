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

    /** softmax(s) in float, as the graph stores it; masked keys (mask 0) get the graph's −1e9 and, if zeroed, weight 0. */
    private static float[] softmax(float[] s, boolean zeroMasked, boolean[] masked) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : s) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (float v : s) {
            z += Math.exp(v - max);
        }
        float[] a = new float[s.length];
        for (int k = 0; k < s.length; k++) {
            a[k] = zeroMasked && masked[k] ? 0f : (float) (Math.exp(s[k] - max) / z);
        }
        return a;
    }

    @Test
    void fromLogitsEqualsMinusSumALnAOnSpreadPeakedAndMaskedRows() {
        Random random = new Random(11);
        int length = 200;
        for (int row = 0; row < 300; row++) {
            double spread = new double[]{0.1, 1, 5, 30}[row % 4];          // from near uniform to one-hot
            boolean[] masked = new boolean[length];
            float[] s = new float[length];
            int real = row % 3 == 0 ? length : 1 + random.nextInt(length);
            for (int k = 0; k < length; k++) {
                masked[k] = k >= real;
                s[k] = masked[k] ? -1e9f : (float) (spread * random.nextGaussian());
            }
            float[] a = softmax(s, row % 2 == 0, masked);
            double expected = 0;
            for (float w : a) {
                expected -= w > 0 ? w * Math.log(w) : 0;
            }
            assertEquals(expected, AttentionEntropy.ofRow(a, s, 0, length), 1e-6, "row " + row + ", spread " + spread);
            assertEquals(AttentionEntropy.ofRow(a, 0, length), AttentionEntropy.ofRow(a, s, 0, length), 1e-6, "row " + row);
        }
    }

    @Test
    void fromLogitsReadsOnlyTheRowAndKeepsTheEdgeCases() {
        float[] w = {9f, 0.25f, 0.75f, 9f};
        float[] s = {50f, (float) Math.log(0.25), (float) Math.log(0.75), 50f};
        assertEquals(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), AttentionEntropy.ofRow(w, s, 1, 2), 1e-7);
        assertEquals(0, AttentionEntropy.ofRow(new float[3], new float[]{-1e9f, -1e9f, -1e9f}, 0, 3), 0.0,
                "a fully masked query row, zeroed: 0, as 0 ln 0 = 0");
        assertEquals(0, AttentionEntropy.ofRow(new float[]{0f, 1f, 0f}, new float[]{-1e9f, 3f, -1e9f}, 0, 3), 1e-7, "one-hot");
        assertTrue(Double.isNaN(AttentionEntropy.ofRow(new float[]{Float.NaN, 1f}, new float[]{0f, 1f}, 0, 2)));
        assertTrue(Double.isNaN(AttentionEntropy.ofRow(new float[]{0.5f, Float.NaN}, new float[]{0f, 1f}, 0, 2)));
    }
}

package org.attentionprobe.probe;

import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corpus run's OpenBLAS sums against {@link HeadReading}'s double loops on the same weights: received weights and
 * entropy, with the awkward rows a model can give (real tokens with gaps, padding kept, fully masked queries, NaN).
 */
class NativeHeadSumsTest {
    private static final int L = 40;
    private static final int HEADS = 3;          // the head read sits between others in the batch array
    private static final double ATOL = 1e-6;     // float sums against double ones
    private static final HeadRef HEAD = new HeadRef(0, 1);

    /** Softmax rows of random logits for a batch {@code [HEADS, L, L]}; masked keys get the graph's −1e9 and weight 0. */
    private static float[][] attention(Random random, boolean[] maskedKeys, boolean[] zeroRows) {
        float[] w = new float[HEADS * L * L];
        float[] s = new float[HEADS * L * L];
        for (int row = 0; row < HEADS * L; row++) {
            double spread = new double[]{0.1, 2, 8}[row % 3];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < L; k++) {
                s[row * L + k] = maskedKeys[k] ? -1e9f : (float) (spread * random.nextGaussian());
                max = Math.max(max, s[row * L + k]);
            }
            double z = 0;
            for (int k = 0; k < L; k++) {
                z += Math.exp(s[row * L + k] - max);
            }
            for (int k = 0; k < L; k++) {
                boolean zero = zeroRows[row % L] || maskedKeys[k];
                w[row * L + k] = zero ? 0f : (float) (Math.exp(s[row * L + k] - max) / z);
            }
        }
        return new float[][]{w, s};
    }

    private static TokenSequence sequence(boolean[] real) {
        int[] ids = new int[L];
        String[] words = new String[L];
        for (int i = 0; i < L; i++) {
            ids[i] = real[i] ? 3 + i : 0;
            words[i] = real[i] ? "w" + i : "<pad>";
        }
        int count = 0;
        for (boolean r : real) {
            count += r ? 1 : 0;
        }
        return new TokenSequence("test", ids, words, real, count, 0, List.of());
    }

    private static FloatPointer pointer(float[] values) {
        FloatPointer p = new FloatPointer(values.length);
        p.put(values);
        return p;
    }

    /** Reads the middle head with both implementations and compares them. */
    private static void compare(boolean[] real, boolean[] maskedKeys, boolean[] zeroRows, boolean keepPadding, long seed) {
        float[][] ws = attention(new Random(seed), maskedKeys, zeroRows);
        TokenSequence sequence = sequence(real);
        int from = HEAD.head() * L * L;
        float[] w = java.util.Arrays.copyOfRange(ws[0], from, from + L * L);
        float[] s = java.util.Arrays.copyOfRange(ws[1], from, from + L * L);
        HeadReading reading = HeadReading.of(HEAD, w, s, sequence, keepPadding);
        try (NativeHeadSums sums = new NativeHeadSums(L);
             FloatPointer weights = pointer(ws[0]);
             FloatPointer logits = pointer(ws[1])) {
            FloatBuffer weightsBuffer = weights.asBuffer();
            FloatBuffer logitsBuffer = logits.asBuffer();
            sums.shownRows(sequence.positions(keepPadding));
            double[] received = sums.received(weights, from);
            double entropy = sums.entropy(weights, weightsBuffer, logits, logitsBuffer, from, sequence.real());
            String what = "seed " + seed + (keepPadding ? ", padding kept" : "");
            assertEquals(L, received.length, what + ": [L]");
            for (int k = 0; k < L; k++) {
                assertEquals(reading.received()[k], received[k], ATOL, what + ": key " + k + " receives");
            }
            assertEquals(reading.entropy(), entropy, ATOL, what + ": entropy");
        }
    }

    @Test
    void paddedInFrontAsKerasPadsEqualsHeadReading() {
        boolean[] real = new boolean[L];
        for (int i = 12; i < L; i++) {
            real[i] = true;
        }
        for (long seed = 0; seed < 5; seed++) {
            compare(real, new boolean[L], new boolean[L], false, seed);
            compare(real, new boolean[L], new boolean[L], true, seed);
        }
    }

    @Test
    void realTokensWithGapsMaskedKeysAndFullyMaskedQueriesEqualHeadReading() {
        boolean[] real = new boolean[L];
        boolean[] masked = new boolean[L];
        boolean[] zeroRows = new boolean[L];
        for (int i = 0; i < L; i++) {
            real[i] = i % 7 != 3 && i % 11 != 0;     // several runs of real rows
            masked[i] = !real[i];                   // padding keys masked, as a model with a mask does
            zeroRows[i] = i == 20 || i == 33;       // queries whose whole row the model zeroed (real or not)
        }
        for (long seed = 10; seed < 15; seed++) {
            compare(real, masked, zeroRows, false, seed);
            compare(real, masked, zeroRows, true, seed);
        }
    }

    @Test
    void withoutRealTokensTheEntropyIsNanAndANanWeightGivesNan() {
        try (NativeHeadSums sums = new NativeHeadSums(L);
             FloatPointer weights = new FloatPointer((long) L * L);
             FloatPointer logits = new FloatPointer((long) L * L)) {
            for (int i = 0; i < L * L; i++) {
                weights.put(i, 1f / L);
                logits.put(i, 0f);
            }
            FloatBuffer weightsBuffer = weights.asBuffer();   // before the calls, which move the pointers' positions
            FloatBuffer logitsBuffer = logits.asBuffer();
            sums.shownRows(new int[0]);
            assertTrue(Double.isNaN(sums.entropy(weights, weightsBuffer, logits, logitsBuffer, 0, new boolean[L])),
                    "no real rows: NaN, as HeadReading");
            assertTrue(Double.isNaN(sums.received(weights, 0)[3]), "no shown rows: NaN, as HeadReading");
            boolean[] real = new boolean[L];
            real[5] = true;
            assertEquals(Math.log(L), sums.entropy(weights, weightsBuffer, logits, logitsBuffer, 0, real), ATOL,
                    "uniform attention: ln L");
            weightsBuffer.put(5 * L + 7, Float.NaN);
            assertTrue(Double.isNaN(sums.entropy(weights, weightsBuffer, logits, logitsBuffer, 0, real)), "a NaN weight");
            sums.shownRows(new int[]{5});
            assertTrue(Double.isNaN(sums.received(weights, 0)[7]), "the NaN weight received");
            weightsBuffer.put(5 * L + 7, 1f / L);
            assertEquals(1.0 / L, sums.received(weights, 0)[7], 1e-9, "an earlier NaN leaves no trace");
            weightsBuffer.put(5 * L, Float.NaN);
            assertTrue(Double.isNaN(sums.entropy(weights, weightsBuffer, logits, logitsBuffer, 0, real)), "a NaN weight first");
        }
    }
}

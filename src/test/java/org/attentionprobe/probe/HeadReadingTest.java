package org.attentionprobe.probe;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The readings of one head on a 4-position matrix whose answers are worked out by hand below. */
class HeadReadingTest {
    private static final double ATOL = 1e-6;

    /** Position 0 is padding, 1..3 are tokens a, b, c. Rows = query, sum to 1. */
    private static ProbeResult result() {
        float[][][] w = {{
                {0.25f, 0.25f, 0.25f, 0.25f},
                {0.10f, 0.20f, 0.30f, 0.40f},
                {0.40f, 0.30f, 0.20f, 0.10f},
                {0.00f, 0.50f, 0.25f, 0.25f}}};
        TokenSequence s = new TokenSequence("t", new int[]{0, 5, 6, 7}, new String[]{"<pad>", "a", "b", "c"},
                new boolean[]{false, true, true, true}, 3, 0, List.of());
        return new ProbeResult(s, new float[]{0.5f, 0.5f}, List.of("x", "y"), OptionalInt.empty(), List.of(Nd4j.createFromArray(w)));
    }

    @Test
    void mostAttendedAveragesEachRealKeyOverRealQueries() {
        HeadReading h = HeadReading.of(result(), new HeadRef(0, 0), false);
        List<HeadReading.KeyWeight> top = h.mostAttended(3);
        // key a: (0.2 + 0.3 + 0.5) / 3; key b: (0.3 + 0.2 + 0.25) / 3; key c: (0.4 + 0.1 + 0.25) / 3 (tie: lower position first)
        assertEquals(List.of(1, 2, 3), top.stream().map(HeadReading.KeyWeight::position).toList());
        assertEquals(1.0 / 3, top.get(0).weight(), ATOL);
        assertEquals(0.25, top.get(1).weight(), ATOL);
        assertEquals(4.0 / 3, top.get(0).vsUniform(), ATOL, "weight × L");
        assertEquals("a", top.get(0).word());
    }

    @Test
    void strongestQueriesArePeakedRowsWithTheirTopKeys() {
        List<HeadReading.QueryFocus> q = HeadReading.of(result(), new HeadRef(0, 0), false).strongestQueries(2, 2);
        // real-key peaks: row a 0.4 (c), row b 0.3 (a), row c 0.5 (a)
        assertEquals(List.of(3, 1), q.stream().map(HeadReading.QueryFocus::position).toList());
        assertEquals(0.5, q.get(0).peak(), ATOL);
        assertEquals(List.of(1, 2), q.get(0).keys().stream().map(HeadReading.KeyWeight::position).toList());
        assertEquals(0.25, q.get(0).keys().get(1).weight(), ATOL);
    }

    @Test
    void entropyIsTheMeanOverRealQueriesOfEachRowsEntropyOverAllKeys() {
        double rowA = -(0.1 * Math.log(0.1) + 0.2 * Math.log(0.2) + 0.3 * Math.log(0.3) + 0.4 * Math.log(0.4));
        double rowB = rowA;                                               // the same weights, reversed
        double rowC = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25)); // its 0 on padding adds nothing
        double expected = (rowA + rowB + rowC) / 3;                       // the padding query's row is left out
        assertEquals(expected, HeadReading.of(result(), new HeadRef(0, 0), false).entropy(), ATOL);
        assertEquals(expected, HeadReading.of(result(), new HeadRef(0, 0), true).entropy(), ATOL, "padding queries never count");
    }

    @Test
    void receivedIsEveryKeysMeanWeightFromTheShownQueries() {
        double[] received = HeadReading.of(result(), new HeadRef(0, 0), false).received();
        assertEquals(4, received.length, "[L]");
        assertEquals((0.1 + 0.4 + 0.0) / 3, received[0], ATOL, "padding key, from the real queries");
        assertEquals(1.0 / 3, received[1], ATOL);
        assertEquals((0.4 + 0.1 + 0.25) / 3, received[3], ATOL);
    }

    @Test
    void paddingShareIsTheMeanWeightRealQueriesGiveToPadding() {
        assertEquals((0.1 + 0.4 + 0.0) / 3, HeadReading.of(result(), new HeadRef(0, 0), false).paddingShare(), ATOL);
    }

    @Test
    void keepingPaddingSummarisesEveryPosition() {
        List<HeadReading.KeyWeight> top = HeadReading.of(result(), new HeadRef(0, 0), true).mostAttended(4);
        // key pad: (0.25 + 0.1 + 0.4 + 0) / 4; key a: (0.25 + 0.2 + 0.3 + 0.5) / 4
        assertEquals(List.of(1, 2, 3, 0), top.stream().map(HeadReading.KeyWeight::position).toList());
        assertEquals(0.3125, top.get(0).weight(), ATOL);
        assertEquals(0.1875, top.get(3).weight(), ATOL);
    }
}

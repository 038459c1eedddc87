package org.attentionprobe.probe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Plain readings of one head's attention matrix for people: which tokens receive the most attention, which
 * queries attend most sharply and to what, and how much goes to padding. Summaries run over the shown positions
 * (the real tokens, or every position when padding is kept); the weights themselves are the model's, never
 * renormalised. Weights are also given relative to uniform attention {@code 1/L}.
 */
public final class HeadReading {
    /** A key position and a weight (a mean weight received, or one query's weight on it). */
    public record KeyWeight(int position, String word, double weight, double vsUniform) {
    }

    /** A query position, its largest weight on a shown key, and its top keys (the first is the peak). */
    public record QueryFocus(int position, String word, double peak, List<KeyWeight> keys) {
    }

    private final HeadRef ref;
    private final float[] w;            // [L * L] w[q * L + k], rows = query, sum to 1
    private final int length;           // L
    private final TokenSequence sequence;
    private final int[] shown;          // positions summarised, ascending

    /** @param weights one head {@code [L * L]}, row-major, rows = query */
    private HeadReading(HeadRef ref, float[] weights, TokenSequence sequence, boolean keepPadding) {
        this.ref = ref;
        this.w = weights;
        this.length = sequence.length();
        this.sequence = sequence;
        this.shown = sequence.positions(keepPadding);
    }

    /** Reads one head of a result; {@code keepPadding} includes padding positions as queries and keys. */
    public static HeadReading of(ProbeResult result, HeadRef head, boolean keepPadding) {
        return new HeadReading(head, result.head(head.block(), head.head()), result.sequence(), keepPadding);
    }

    public HeadRef head() {
        return ref;
    }

    /** {@code 1/L}: what every key would get if attention were uniform. */
    public double uniform() {
        return 1.0 / length;
    }

    /** The weight query {@code q} gives key {@code k}. */
    public double weight(int q, int k) {
        return w[q * length + k];
    }

    /** The positions summarised. */
    public int[] shownPositions() {
        return shown.clone();
    }

    /**
     * The mean share of attention a real token gives to padding positions (0 without padding). Compare with
     * {@link TokenSequence#paddingCount()}{@code / L}, the share under uniform attention.
     */
    public double paddingShare() {
        int[] queries = sequence.positions(false);
        if (queries.length == 0 || sequence.paddingCount() == 0) {
            return 0;
        }
        double total = 0;
        for (int q : queries) {
            for (int k = 0; k < length; k++) {
                total += sequence.real()[k] ? 0 : weight(q, k);
            }
        }
        return total / queries.length;
    }

    /** The {@code n} shown keys with the largest mean weight received from the shown queries. */
    public List<KeyWeight> mostAttended(int n) {
        List<KeyWeight> keys = new ArrayList<>(shown.length);
        for (int k : shown) {
            double sum = 0;
            for (int q : shown) {
                sum += weight(q, k);
            }
            keys.add(keyWeight(k, sum / shown.length));
        }
        return top(keys, n);
    }

    /** The {@code n} shown queries with the largest single weight on a shown key, each with its top {@code keys} keys. */
    public List<QueryFocus> strongestQueries(int n, int keys) {
        List<QueryFocus> queries = new ArrayList<>(shown.length);
        for (int q : shown) {
            List<KeyWeight> row = topKeys(q, keys);
            queries.add(new QueryFocus(q, sequence.words()[q], row.isEmpty() ? 0 : row.get(0).weight(), row));
        }
        queries.sort(Comparator.comparingDouble(QueryFocus::peak).reversed().thenComparingInt(QueryFocus::position));
        return List.copyOf(queries.subList(0, Math.min(n, queries.size())));
    }

    /** The {@code n} shown keys query {@code q} gives the most weight. */
    public List<KeyWeight> topKeys(int q, int n) {
        return top(IntStream.of(shown).mapToObj(k -> keyWeight(k, weight(q, k))).toList(), n);
    }

    private KeyWeight keyWeight(int position, double weight) {
        return new KeyWeight(position, sequence.words()[position], weight, weight * length);
    }

    private static List<KeyWeight> top(List<KeyWeight> keys, int n) {
        List<KeyWeight> sorted = new ArrayList<>(keys);
        sorted.sort(Comparator.comparingDouble(KeyWeight::weight).reversed().thenComparingInt(KeyWeight::position));
        return List.copyOf(sorted.subList(0, Math.min(n, sorted.size())));
    }
}

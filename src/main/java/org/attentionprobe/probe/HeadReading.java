package org.attentionprobe.probe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntToDoubleFunction;

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
    private final float[] logits;       // [L * L] the softmax's input, or null
    private final int length;           // L
    private final TokenSequence sequence;
    private final int[] shown;          // positions summarised, ascending
    private double[] received;          // [L] mean weight each key receives from the shown queries, once computed

    /** @param weights one head {@code [L * L]}, row-major, rows = query */
    private HeadReading(HeadRef ref, float[] weights, float[] logits, TokenSequence sequence, boolean keepPadding) {
        this.ref = ref;
        this.w = weights;
        this.logits = logits;
        this.length = sequence.length();
        this.sequence = sequence;
        this.shown = sequence.positions(keepPadding);
    }

    /** Reads one head of a result; {@code keepPadding} includes padding positions as queries and keys. */
    public static HeadReading of(ProbeResult result, HeadRef head, boolean keepPadding) {
        return new HeadReading(head, result.head(head.block(), head.head()), null, result.sequence(), keepPadding);
    }

    /**
     * Reads one head's weights from anywhere, e.g. a row of a batch: {@code weights} {@code [L * L]}, row-major, rows =
     * query. The reading keeps {@code weights} (no copy): do not change them while it is in use.
     */
    public static HeadReading of(HeadRef head, float[] weights, TokenSequence sequence, boolean keepPadding) {
        return of(head, weights, null, sequence, keepPadding);
    }

    /**
     * As {@link #of(HeadRef, float[], TokenSequence, boolean)}, with the head's logits {@code [L * L]} (the softmax's
     * input; null for none), from which {@link #entropy} takes one logarithm per row instead of one per weight.
     */
    public static HeadReading of(HeadRef head, float[] weights, float[] logits, TokenSequence sequence, boolean keepPadding) {
        int length = sequence.length();
        if (weights.length != length * length || (logits != null && logits.length != weights.length)) {
            throw new IllegalArgumentException(weights.length + " weights" + (logits == null ? "" : " and " + logits.length + " logits")
                    + " for a sequence of " + length + " positions; expected " + length + " × " + length);
        }
        return new HeadReading(head, weights, logits, sequence, keepPadding);
    }

    public HeadRef head() {
        return ref;
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
        return mostAttended(received(), shown, sequence, n);
    }

    /**
     * The {@code n} positions of {@code shown} with the largest {@code received} weight: {@link #mostAttended} for
     * weights computed elsewhere (a corpus run's summaries).
     */
    static List<KeyWeight> mostAttended(double[] received, int[] shown, TokenSequence sequence, int n) {
        return top(k -> received[k], shown, sequence, n);
    }

    /**
     * {@code [L]}: the mean weight each key position receives from the shown queries, {@code mean_q a[q, k]}, summed
     * in double over the queries in ascending order (entries of keys that are not shown are computed too; use
     * {@link #shownPositions()}). The reading's own array: do not change it.
     */
    public double[] received() {
        if (received == null) {
            double[] sum = new double[length];
            for (int q : shown) {            // row by row: contiguous reads, the same order of terms per key
                int row = q * length;
                for (int k = 0; k < length; k++) {
                    sum[k] += w[row + k];
                }
            }
            for (int k = 0; k < length; k++) {
                sum[k] /= shown.length;
            }
            received = sum;
        }
        return received;
    }

    /**
     * The attention entropy: the mean over the real-token query rows of {@code −Σ_k a[q, k] ln a[q, k]} over all
     * L keys (padding included: each row is a distribution over every position), in nats
     * ({@link AttentionEntropy}). 0 when every query puts all its weight on one key, {@code ln L} for uniform
     * attention; NaN for a sequence without real tokens.
     */
    public double entropy() {
        int[] queries = sequence.positions(false);
        double total = 0;
        for (int q : queries) {
            total += logits == null ? AttentionEntropy.ofRow(w, q * length, length)
                    : AttentionEntropy.ofRow(w, logits, q * length, length);
        }
        return queries.length == 0 ? Double.NaN : total / queries.length;
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
        return top(k -> weight(q, k), shown, sequence, n);
    }

    /**
     * The {@code n} shown positions of largest weight, largest first ({@link Double#compare} order), the lower
     * position first among equals. A selection, not a sort: only the {@code n} winners become {@link KeyWeight}s
     * (a corpus run asks this of every head of every review).
     */
    private static List<KeyWeight> top(IntToDoubleFunction weightOf, int[] shown, TokenSequence sequence, int n) {
        int m = Math.min(n, shown.length);
        int[] best = new int[m];          // positions, best first
        double[] bestWeight = new double[m];
        int count = 0;
        for (int p : shown) {             // ascending, so an equal weight never displaces an earlier position
            double v = weightOf.applyAsDouble(p);
            if (count == m && (m == 0 || Double.compare(v, bestWeight[m - 1]) <= 0)) {
                continue;
            }
            int i = count < m ? count++ : m - 1;
            while (i > 0 && Double.compare(v, bestWeight[i - 1]) > 0) {
                best[i] = best[i - 1];
                bestWeight[i] = bestWeight[i - 1];
                i--;
            }
            best[i] = p;
            bestWeight[i] = v;
        }
        List<KeyWeight> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new KeyWeight(best[i], sequence.words()[best[i]], bestWeight[i], bestWeight[i] * sequence.length()));
        }
        return List.copyOf(out);
    }
}

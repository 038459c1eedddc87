package org.attentionprobe.probe;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

import java.nio.FloatBuffer;

/**
 * A corpus summary's sums over one head of one sequence, taken where the runner left the batch's attention (native
 * memory) by the OpenBLAS that nd4j already loaded, instead of Java loops over copies: Java 17 runs such loops one
 * float at a time, and they took a third of the inference's time (docs/speed.md). Per head, with {@code A} its weights
 * {@code [L, L]} (rows = query) and {@code S} their logits (the softmax's input):
 * <ul>
 *   <li>what each key receives from the shown queries, {@code Aᵀ m} for the 0/1 vector {@code m} of shown rows: one
 *       {@code sgemv} with a vector of ones per run of consecutive shown rows (one for real tokens padded in front),
 *       summed in float;</li>
 *   <li>the entropy of the real query rows, {@code H_q = −Σ_k a_qk ln a_qk = c_q − Σ_k a_qk s_qk} with
 *       {@code c_q = logsumexp(s_q)}: {@link AttentionEntropy#ofRow(float[], float[], int, int)} for a row whose
 *       weights sum to 1, as a softmax's do. The products {@code Σ a·s} of each run of consecutive real rows are one
 *       {@code dsdot}; each {@code c_q} comes from one weight of its row, in Java. A row of zeros (a fully masked
 *       query) adds 0, as there.</li>
 * </ul>
 * Each sum reads the weights once, where they lie. The numbers equal {@link HeadReading}'s double sums to float
 * rounding ({@code NativeHeadSumsTest} on awkward rows, {@code CorpusRunTest} on the demo model's own attention).
 *
 * <p>One per worker thread. The calls take the batch's weights and logits as pointers of their own (views made for
 * the batch, {@code new FloatPointer(array.data().addressPointer())}) and move their positions; the arrays must stay
 * in place while a call runs.
 */
final class NativeHeadSums implements AutoCloseable {
    private final int length;              // L
    private final FloatPointer ones;       // [L] all 1: each run of shown rows is summed as (its rows)ᵀ · 1
    private final FloatPointer sums;       // [L] the result of the last sgemv
    private final FloatBuffer sumsBuffer;  // the same memory, read from Java
    private int shownCount;
    private int[] shownRuns = new int[0];   // the shown rows as runs: first, end, first, end, ...

    NativeHeadSums(int length) {
        this.length = length;
        this.ones = new FloatPointer(length);
        FloatBuffer o = ones.asBuffer();
        for (int k = 0; k < length; k++) {
            o.put(k, 1f);
        }
        this.sums = new FloatPointer(length);
        this.sumsBuffer = sums.asBuffer();
    }

    /** Sets the query rows whose weights count as received ({@code rows}, ascending) for the calls that follow. */
    void shownRows(int[] rows) {
        shownCount = rows.length;
        shownRuns = runs(rows);
    }

    /**
     * {@code [L]}: the mean weight each key receives from the shown rows ({@link #shownRows}) of the head whose
     * {@code [L, L]} weights start at element {@code from} of {@code weights}; NaN for every key without shown rows.
     */
    double[] received(FloatPointer weights, long from) {
        for (int k = 0; k < length; k++) {
            sumsBuffer.put(k, 0f);   // not left to beta = 0, which some OpenBLAS builds multiply by (a NaN would stay)
        }
        for (int i = 0; i < shownRuns.length; i += 2) {
            int first = shownRuns[i];
            int rows = shownRuns[i + 1] - first;
            weights.position(from + (long) first * length);
            openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasTrans, rows, length,
                    1f, weights, length, ones, 1, 1f, sums, 1);   // adds this run's rows to the sums
        }
        double[] received = new double[length];
        for (int k = 0; k < length; k++) {
            received[k] = sumsBuffer.get(k) / (double) shownCount;   // 0 / 0 = NaN without shown rows, as HeadReading
        }
        return received;
    }

    /**
     * The mean attention entropy of the {@code real} query rows of the head whose weights and logits start at element
     * {@code from} ({@link HeadReading#entropy}); NaN without real rows. {@code weightsBuffer} and {@code logitsBuffer}
     * are the same memory as {@code weights} and {@code logits}, read from Java.
     */
    double entropy(FloatPointer weights, FloatBuffer weightsBuffer, FloatPointer logits, FloatBuffer logitsBuffer,
                   long from, boolean[] real) {
        double total = 0;   // Σ_q c_q − Σ_q Σ_k a_qk s_qk over the real rows
        int rows = 0;
        for (int q = 0; q < length; ) {
            if (!real[q]) {
                q++;
                continue;
            }
            int end = q;
            while (end < length && real[end]) {
                end++;
            }
            weights.position(from + (long) q * length);
            logits.position(from + (long) q * length);
            total -= openblas_nolapack.cblas_dsdot((end - q) * length, weights, 1, logits, 1);
            for (; q < end; q++) {
                total += logSumExp(weightsBuffer, logitsBuffer, Math.toIntExact(from + (long) q * length));
                rows++;
            }
        }
        return rows == 0 ? Double.NaN : total / rows;
    }

    /** {@code rows} (ascending) as runs of consecutive rows: first, end (exclusive), first, end, ... */
    private static int[] runs(int[] rows) {
        int[] runs = new int[2 * rows.length];
        int n = 0;
        for (int i = 0; i < rows.length; i++) {
            if (n > 0 && runs[n - 1] == rows[i]) {
                runs[n - 1]++;
            } else {
                runs[n++] = rows[i];
                runs[n++] = rows[i] + 1;
            }
        }
        return java.util.Arrays.copyOf(runs, n);
    }

    /**
     * {@code c = s_t − ln a_t} for the row's first key {@code t} whose weight is a normal positive float: the row's
     * log-sum-exp (any such key gives it to float precision, as {@code a_t} is {@code exp(s_t − c)} rounded to a
     * float). 0 for a row without one: a fully masked query's row of zeros, whose weights add nothing. NaN for a NaN
     * met first.
     */
    private double logSumExp(FloatBuffer weights, FloatBuffer logits, int row) {
        for (int k = row; k < row + length; k++) {
            float a = weights.get(k);
            if (a >= Float.MIN_NORMAL) {
                return logits.get(k) - Math.log(a);
            }
            if (a != a) {
                return Double.NaN;
            }
        }
        return 0;
    }

    @Override
    public void close() {
        ones.close();
        sums.close();
    }
}

package org.attentionprobe.explain;

/**
 * Integrated gradients (Sundararajan, Taly &amp; Yan 2017, "Axiomatic Attribution for Deep Networks") on the
 * embedding output e {@code [L, E]}, for F = the probability of the explained class:
 * <pre>
 * path      e(α) = e' + α (e − e'),  α_k = k/m, k = 0..m            (m = steps; e' = the baseline)
 * IG[i, j]  = (e − e')[i, j] · Σ_k w_k ∂F/∂e[i, j] at e(α_k)      trapezoidal rule: w_0 = w_m = 1/(2m), else 1/m
 * score_i   = Σ_j IG[i, j]                                         per token, over the embedding dimension
 * gap       = Σ_i score_i − (F(e) − F(e'))                          completeness: 0 for the exact integral
 * </pre>
 *
 * @param scores        {@code [L]}, per token
 * @param attributions  {@code [L][E]}, per embedding entry
 * @param baseline      what e' was
 * @param steps         m
 * @param inputValue    F(e): the probability of the explained class for the input
 * @param baselineValue F(e'): the same at the baseline
 */
public record IntegratedGradients(double[] scores, double[][] attributions, Baseline baseline, int steps,
                                  double inputValue, double baselineValue) {
    /** {@code Σ_i score_i}. */
    public double sum() {
        double s = 0;
        for (double v : scores) {
            s += v;
        }
        return s;
    }

    /** {@code F(e) − F(e')}: what the scores should add up to. */
    public double expectedSum() {
        return inputValue - baselineValue;
    }

    /** {@code Σ IG − (F(e) − F(e'))}: the numerical integration error (plus float32 rounding). */
    public double completenessGap() {
        return sum() - expectedSum();
    }

    /** {@code |gap| / |F(e) − F(e')|}; infinite when the two values are equal and the gap is not 0. */
    public double relativeGap() {
        double gap = Math.abs(completenessGap());
        return gap == 0 ? 0 : gap / Math.abs(expectedSum());
    }
}

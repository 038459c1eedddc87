package org.attentionprobe.explain;

/** The per-token scores an {@link Explanation} holds, in the order reports show them. */
public enum AttributionMethod {
    ATTENTION("attention", "attention", "raw attention received in the last block: mean over heads and query positions"),
    ROLLOUT("rollout", "rollout", "attention rollout (Abnar & Zuidema 2020): heads averaged, identity added, rows normalised, "
            + "multiplied up the blocks; mean over query positions"),
    GRAD_ATTENTION("grad_attention", "grad x attention", "gradient-weighted attention (Chefer et al. 2021): mean_h (dF/dA * A)+, "
            + "R <- R + A.R from R = I; mean over query positions"),
    INTEGRATED_GRADIENTS("integrated_gradients", "integrated gradients", "integrated gradients (Sundararajan et al. 2017) on the embedding "
            + "output, summed over the embedding dimension; they add up to F(input) - F(baseline)");

    private final String key;
    private final String label;
    private final String description;

    AttributionMethod(String key, String label, String description) {
        this.key = key;
        this.label = label;
        this.description = description;
    }

    /** A name for files and JSON: {@code grad_attention}. */
    public String key() {
        return key;
    }

    /** A short name for tables. */
    public String label() {
        return label;
    }

    /** One line saying what is computed. */
    public String description() {
        return description;
    }

    /** Whether the scores can be negative (only integrated gradients' can). */
    public boolean signed() {
        return this == INTEGRATED_GRADIENTS;
    }
}

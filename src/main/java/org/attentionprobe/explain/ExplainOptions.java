package org.attentionprobe.explain;

import org.attentionprobe.errors.InvalidInputException;

/**
 * How to explain.
 *
 * @param steps    integrated gradients: m, the intervals of the trapezoidal rule on the straight path (m + 1 points)
 * @param baseline integrated gradients: where the path starts
 * @param padId    the padding token id: the {@link Baseline#PAD} baseline, and the positions that are not real tokens
 */
public record ExplainOptions(int steps, Baseline baseline, int padId) {
    public static final int DEFAULT_STEPS = 50;

    public ExplainOptions {
        if (steps < 1) {
            throw new InvalidInputException("integrated gradients need at least 1 step, got " + steps);
        }
        if (padId < 0) {
            throw new InvalidInputException("the padding id must be a token id (0 or more), got " + padId);
        }
        if (baseline == null) {
            throw new InvalidInputException("no integrated-gradients baseline given; expected pad or zeros");
        }
    }

    /** 50 steps from the padding baseline, padding id 0 (Keras IMDB). */
    public static ExplainOptions defaults() {
        return new ExplainOptions(DEFAULT_STEPS, Baseline.PAD, 0);
    }

    public ExplainOptions withSteps(int steps) {
        return new ExplainOptions(steps, baseline, padId);
    }

    public ExplainOptions withBaseline(Baseline baseline) {
        return new ExplainOptions(steps, baseline, padId);
    }

    public ExplainOptions withPadId(int padId) {
        return new ExplainOptions(steps, baseline, padId);
    }
}

package org.attentionprobe.keras;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Weights holding NaN or ±Inf. A file can be intact and still hold them (a training run that diverged, a broken
 * conversion): the model runs, but every output computed from such a value is NaN or meaningless, while outputs
 * that never touch it (say, an embedding row of a token the input lacks) are fine. So this is a warning, not an
 * error: the command line prints {@link #warning()} and runs.
 *
 * @param findings each weight with non-finite values, in file order
 */
public record NonFiniteWeights(List<Finding> findings) {
    /** How many weights a warning names before it says "and N more". */
    private static final int NAMED = 4;

    /** One weight: {@code layer/weight} and how many of its values are NaN or infinite. */
    public record Finding(String weight, long nan, long infinite) {
    }

    public NonFiniteWeights {
        findings = List.copyOf(findings);
    }

    /** Scans every value of every weight. */
    public static NonFiniteWeights scan(SavedModel model) {
        List<Finding> found = new ArrayList<>();
        for (Map.Entry<String, List<Weight>> layer : model.weights().entrySet()) {
            for (Weight w : layer.getValue()) {
                long nan = 0;
                long inf = 0;
                for (float v : w.values()) {
                    if (Float.isNaN(v)) {
                        nan++;
                    } else if (Float.isInfinite(v)) {
                        inf++;
                    }
                }
                if (nan + inf > 0) {
                    found.add(new Finding(qualified(layer.getKey(), w), nan, inf));
                }
            }
        }
        return new NonFiniteWeights(found);
    }

    public boolean isEmpty() {
        return findings.isEmpty();
    }

    /**
     * One line naming the weights, e.g. {@code 2 weights hold NaN or Inf: dense_3/kernel (12 NaN), dense_3/bias (1 Inf);
     * outputs computed from them are NaN or meaningless}.
     */
    public String warning() {
        String named = findings.stream().limit(NAMED).map(f -> f.weight() + " (" + describe(f) + ")")
                .collect(Collectors.joining(", "));
        int more = findings.size() - NAMED;
        return findings.size() + (findings.size() == 1 ? " weight holds" : " weights hold") + " NaN or Inf: " + named
                + (more > 0 ? " and " + more + " more" : "") + "; outputs computed from them are NaN or meaningless";
    }

    private static String describe(Finding f) {
        List<String> parts = new ArrayList<>();
        if (f.nan() > 0) {
            parts.add(f.nan() + " NaN");
        }
        if (f.infinite() > 0) {
            parts.add(f.infinite() + " Inf");
        }
        return String.join(", ", parts);
    }

    /** {@code layer/weight}, without Keras 2's {@code :0} and without repeating the layer name. */
    private static String qualified(String layer, Weight w) {
        String base = w.baseName();
        return base.startsWith(layer + "/") ? base : layer + "/" + base;
    }
}

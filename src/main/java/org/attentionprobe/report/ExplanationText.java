package org.attentionprobe.report;

import org.attentionprobe.explain.AttributionMethod;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.explain.IntegratedGradients;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The explanation section of the text report: the explained class and F, the top tokens of every method side by
 * side with raw attention, integrated gradients' completeness, and the review with its strongest tokens marked.
 */
public final class ExplanationText {
    /** Rows of the side-by-side table. */
    static final int TOP = 8;
    /** Tokens marked in the review, and listed as evidence against. */
    static final int MARKED = 5;
    static final int WORD = 15;
    static final int WIDTH = 100;

    private ExplanationText() {
    }

    /**
     * @param words      {@code [L]} the word of every position
     * @param classNames {@code [K]}
     */
    public static List<String> lines(Explanation e, String[] words, List<String> classNames) {
        List<String> out = new ArrayList<>();
        String cls = classNames.get(e.explainedClass());
        out.add(String.format(Locale.ROOT, "why \"%s\"? attributions of F = the model's probability of \"%s\" = %.4f (%s)",
                cls, cls, e.probability(), e.explainedClass() == e.predictedClass() ? "the predicted class"
                        : "not the predicted class, " + classNames.get(e.predictedClass())));
        int[] shown = shown(e);
        out.add(String.format(Locale.ROOT, "  top tokens (%d %s; every score is computed over all %d positions%s)", shown.length,
                shown.length == e.length() ? "positions" : "real tokens", e.length(), shown.length == e.length() ? "" : ", padding included"));
        StringBuilder header = new StringBuilder("       ");
        List<int[]> tops = new ArrayList<>();
        List<double[]> scores = new ArrayList<>();   // once per method: the attention's is computed on each call
        for (AttributionMethod m : e.methods()) {
            header.append(String.format(Locale.ROOT, " %-" + (WORD + 10) + "s", heading(m)));
            scores.add(e.scores(m));
            tops.add(top(scores.get(scores.size() - 1), shown, TOP));
        }
        out.add(header.toString().stripTrailing());
        if (e.attention().isEmpty()) {
            out.add("    (the model has no attention layer: only integrated gradients apply)");
        } else if (e.rollout() == null) {
            out.add("    (attention rollout does not apply to this model: its attention layers are not all residual self-attention blocks)");
        }
        for (int row = 0; row < Math.min(TOP, shown.length); row++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "    %2d ", row + 1));
            for (int m = 0; m < tops.size(); m++) {
                int p = tops.get(m)[row];
                AttributionMethod method = e.methods().get(m);
                line.append(String.format(Locale.ROOT, " %-" + WORD + "s %s ", cut(words[p] + "·" + p, WORD),
                        number(scores.get(m)[p], method.signed())));
            }
            out.add(line.toString().stripTrailing());
        }
        double[] ig = e.integratedGradients();
        List<Integer> against = IntStream.of(shown).boxed().filter(p -> ig[p] < 0)
                .sorted(Comparator.comparingDouble(p -> ig[p])).limit(MARKED).toList();
        out.add("  most against \"" + cls + "\" (integrated gradients, negative scores):");
        out.add("    " + (against.isEmpty() ? "none"
                : against.stream().map(p -> words[p] + "·" + p + " " + number(ig[p], true).strip()).collect(Collectors.joining(", "))));
        IntegratedGradients g = e.integrated();
        out.add(String.format(Locale.ROOT, "  integrated gradients: %d steps (trapezoidal rule) from the %s baseline",
                g.steps(), g.baseline().label()));
        out.add(String.format(Locale.ROOT, "    F(input) - F(baseline) = %.4f - %.4f = %.4f; the attributions sum to %.4f: "
                + "completeness gap %+.2g (%.2f%%)", g.inputValue(), g.baselineValue(), g.expectedSum(), g.sum(),
                g.completenessGap(), 100 * g.relativeGap()));
        out.add(String.format(Locale.ROOT, "  the review, integrated gradients' %d strongest tokens marked [+ for \"%s\", - against]:", MARKED, cls));
        out.addAll(marked(words, shown, ig, top(abs(ig), shown, MARKED)));
        out.add("  how to read these: attention and rollout say where information flows (rollout follows it through the");
        out.add("  residual connections and every block), not whether it argues for the class; grad × attention keeps the");
        out.add("  attention whose gradient raises F; integrated gradients split F(input) - F(baseline) over the tokens, with");
        out.add("  a sign. Only the last adds up to a change in the prediction (see the completeness gap).");
        return out;
    }

    private static String heading(AttributionMethod m) {
        return switch (m) {
            case ATTENTION -> "attention (last block)";
            case GRAD_ATTENTION -> "grad × attention";
            default -> m.label();
        };
    }

    /** The positions summarised: the real tokens, or all positions when none is real. */
    static int[] shown(Explanation e) {
        int[] real = e.realPositions();
        return real.length == 0 ? IntStream.range(0, e.length()).toArray() : real;
    }

    /** The {@code n} positions of {@code shown} with the largest scores, largest first (ties: earlier first). */
    static int[] top(double[] scores, int[] shown, int n) {
        return IntStream.of(shown).boxed()
                .sorted(Comparator.comparingDouble((Integer p) -> -scores[p]).thenComparingInt(p -> p))
                .limit(n).mapToInt(Integer::intValue).toArray();
    }

    private static double[] abs(double[] v) {
        double[] a = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            a[i] = Math.abs(v[i]);
        }
        return a;
    }

    /** The shown words wrapped at {@link #WIDTH}, the marked positions as {@code [+word]} or {@code [-word]}. */
    private static List<String> marked(String[] words, int[] shown, double[] ig, int[] marks) {
        java.util.Set<Integer> marked = IntStream.of(marks).boxed().collect(Collectors.toSet());
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder("    ");
        for (int p : shown) {
            String w = marked.contains(p) ? "[" + (ig[p] >= 0 ? "+" : "-") + words[p] + "]" : words[p];
            if (line.length() > 4 && line.length() + 1 + w.length() > WIDTH) {
                lines.add(line.toString());
                line = new StringBuilder("    ");
            }
            line.append(line.length() > 4 ? " " : "").append(w);
        }
        lines.add(line.toString());
        return lines;
    }

    /** 8 characters: {@code 0.0105}, {@code +0.4421}, or {@code 1.2e-05} for small values. */
    static String number(double v, boolean signed) {
        String s = Math.abs(v) >= 1e-3 || v == 0 ? String.format(Locale.ROOT, signed ? "%+.4f" : "%.4f", v)
                : String.format(Locale.ROOT, signed ? "%+.1e" : "%.1e", v);
        return String.format(Locale.ROOT, "%8s", s);
    }

    private static String cut(String word, int max) {
        return word.length() <= max ? word : word.substring(0, max - 1) + "…";
    }
}

package org.attentionprobe.report;

import org.attentionprobe.explain.AttributionMethod;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.explain.IntegratedGradients;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * What the HTML report shows of one sequence, as plain data.
 *
 * @param title          {@code review 0}, {@code text}, ...
 * @param words          {@code [L]} the word of every position
 * @param real           {@code [L]} true for real tokens; only those are shown (every position when none is real)
 * @param classNames     {@code [K]}
 * @param probabilities  {@code [K]}
 * @param predictedClass the most probable class
 * @param explainedClass the class the scores explain, when there are scores
 * @param trueClass      the label, when known
 * @param scores         per method, {@code [L]} each
 * @param attention      per block {@code [H, L, L]}: rows = query, columns = key
 * @param notes          lines shown under the prediction (e.g. the integrated-gradients completeness)
 */
public record HtmlReview(String title, List<String> words, boolean[] real, List<String> classNames, double[] probabilities,
                         int predictedClass, OptionalInt explainedClass, OptionalInt trueClass, List<TokenScores> scores,
                         List<INDArray> attention, List<String> notes) {
    public HtmlReview {
        words = List.copyOf(words);
        classNames = List.copyOf(classNames);
        scores = List.copyOf(scores);
        attention = List.copyOf(attention);
        notes = List.copyOf(notes);
        int length = words.size();
        require(real.length == length, "real has " + real.length + " positions, words " + length);
        require(classNames.size() == probabilities.length, classNames.size() + " class names for " + probabilities.length + " probabilities");
        require(predictedClass >= 0 && predictedClass < probabilities.length, "predicted class " + predictedClass);
        explainedClass.ifPresent(c -> require(c >= 0 && c < probabilities.length, "explained class " + c));
        trueClass.ifPresent(c -> require(c >= 0 && c < probabilities.length, "true class " + c));
        for (TokenScores s : scores) {
            require(s.values().length == length, s.name() + " has " + s.values().length + " scores for " + length + " positions");
        }
        for (INDArray a : attention) {
            require(a.rank() == 3 && a.size(1) == length && a.size(2) == length,
                    "attention of shape " + java.util.Arrays.toString(a.shape()) + ", expected [H, " + length + ", " + length + "]");
        }
    }

    /**
     * An explained sequence: its prediction, the scores of every {@link AttributionMethod}, its attention, and the
     * integrated-gradients completeness as a note.
     */
    public static HtmlReview of(String title, Explanation e, List<String> words, List<String> classNames, OptionalInt trueClass) {
        List<TokenScores> scores = new ArrayList<>();
        for (AttributionMethod m : e.methods()) {
            scores.add(new TokenScores(m.label(), m.description(), m.signed(), e.scores(m)));
        }
        IntegratedGradients ig = e.integrated();
        String note = String.format("integrated gradients: %d steps from the %s baseline; F(input) = %.4f, F(baseline) = %.4f, "
                        + "sum of attributions = %.4f, completeness gap = %.2g (%.2f%% of F(input) - F(baseline))",
                ig.steps(), ig.baseline().label(), ig.inputValue(), ig.baselineValue(), ig.sum(), ig.completenessGap(),
                100 * ig.relativeGap());
        return new HtmlReview(title, words, e.real(), classNames, e.classProbabilities(), e.predictedClass(),
                OptionalInt.of(e.explainedClass()), trueClass, scores, e.attention(), List.of(note));
    }

    /** L. */
    public int length() {
        return words.size();
    }

    /** The positions shown: the real tokens, or every position when none is real. */
    public int[] shownPositions() {
        int[] shown = java.util.stream.IntStream.range(0, real.length).filter(i -> real[i]).toArray();
        return shown.length == 0 ? java.util.stream.IntStream.range(0, real.length).toArray() : shown;
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalArgumentException("report data: " + problem);
        }
    }
}

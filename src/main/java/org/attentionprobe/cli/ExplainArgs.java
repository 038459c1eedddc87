package org.attentionprobe.cli;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.explain.Baseline;
import org.attentionprobe.explain.ExplainOptions;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/** {@code --explain}, {@code --class}, {@code --steps}, {@code --baseline}, {@code --report} (a picocli mixin of {@code probe}). */
public final class ExplainArgs {
    @Option(names = "--explain", description = "add per-token attributions for the predicted class (or --class): attention rollout, "
            + "gradient × attention and integrated gradients, beside raw attention")
    boolean explain;

    @Option(names = "--class", paramLabel = "C", description = "with --explain or --report: the class whose probability to explain, "
            + "by index or name (default: the predicted class)")
    String explainedClass;

    @Option(names = "--steps", paramLabel = "N", description = "with --explain or --report: integrated-gradients steps, the "
            + "trapezoidal rule's intervals (default: " + ExplainOptions.DEFAULT_STEPS + ")")
    Integer steps;

    @Option(names = "--baseline", paramLabel = "pad|zeros", description = "with --explain or --report: where integrated gradients "
            + "start: pad (the embedding of an all-padding input, the default) or zeros")
    String baseline;

    @Option(names = "--report", paramLabel = "FILE.html", description = "write one self-contained, offline HTML page: the prediction, "
            + "the tokens shaded by each method, a head view and heatmaps per block (several reviews: --review 0,1,2)")
    Path report;

    /** Whether attributions are wanted. */
    boolean active() {
        return explain || report != null;
    }

    /** Options that only make sense with attributions must come with them; the report must be a file. */
    void check() {
        List<String> orphans = new ArrayList<>();
        if (explainedClass != null) {
            orphans.add("--class");
        }
        if (steps != null) {
            orphans.add("--steps");
        }
        if (baseline != null) {
            orphans.add("--baseline");
        }
        if (!active() && !orphans.isEmpty()) {
            throw new InvalidInputException(String.join(", ", orphans) + " set(s) how attributions are computed; add --explain or --report FILE.html");
        }
        if (report != null && Files.isDirectory(report)) {
            throw new InvalidInputException("--report " + report + " is a folder; expected a file name such as report.html");
        }
        options(0);   // checks --steps and --baseline before the model opens
    }

    ExplainOptions options(int padId) {
        ExplainOptions o = ExplainOptions.defaults().withPadId(padId);
        if (steps != null) {
            if (steps < 1) {
                throw new InvalidInputException("--steps must be at least 1, got " + steps);
            }
            o = o.withSteps(steps);
        }
        if (baseline != null) {
            o = o.withBaseline(parseBaseline(baseline));
        }
        return o;
    }

    private static Baseline parseBaseline(String text) {
        try {
            return Baseline.parse(text);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("--baseline " + e.getMessage());
        }
    }

    /** The class asked for, by index or (case-insensitive) name among {@code classNames}; empty for the predicted class. */
    OptionalInt explainedClass(List<String> classNames) {
        if (explainedClass == null) {
            return OptionalInt.empty();
        }
        String wanted = explainedClass.strip();
        for (int c = 0; c < classNames.size(); c++) {
            if (classNames.get(c).toLowerCase(Locale.ROOT).equals(wanted.toLowerCase(Locale.ROOT))) {
                return OptionalInt.of(c);
            }
        }
        try {
            int c = Integer.parseInt(wanted);
            if (c >= 0 && c < classNames.size()) {
                return OptionalInt.of(c);
            }
        } catch (NumberFormatException ignored) {
            // not an index either: the error below names the choices
        }
        throw new InvalidInputException("--class " + explainedClass + " is not a class of this model; expected an index 0.."
                + (classNames.size() - 1) + " or one of " + String.join(", ", classNames));
    }
}

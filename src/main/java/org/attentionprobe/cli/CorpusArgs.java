package org.attentionprobe.cli;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.probe.Corpus;
import org.attentionprobe.probe.CorpusRun;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.report.SummaryWriter;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code --summary}, {@code --threads}, {@code --top}: a corpus run (a picocli mixin of {@code probe}). A corpus run is
 * the input {@code --reviews} or {@code --all} ({@link InputArgs}), or a {@code --tokens-file} with {@code --summary}.
 */
public final class CorpusArgs {
    @Option(names = "--summary", paramLabel = "FILE.jsonl|FILE.csv", description = "with --reviews, --all or --tokens-file: "
            + "write one line per sequence (id, label, prediction, probabilities, per head the top keys and the attention entropy)")
    Path summary;

    @Option(names = "--threads", paramLabel = "N", description = "corpus runs: workers, each running whole batches on one core "
            + "(default: the CPUs available, ${DEFAULT-VALUE})")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--top", paramLabel = "K", description = "corpus runs: keys listed per head in the summary (default: ${DEFAULT-VALUE})")
    int top = CorpusRun.DEFAULT_TOP;

    /** Whether this is a corpus run: over stored reviews, or over a token file with a summary. */
    boolean active(InputArgs input) {
        return input.storedCorpus() || (input.tokensFile != null && summary != null);
    }

    /**
     * Checks what can be checked before the model opens.
     *
     * @param input               the input given
     * @param oneSequenceOptions  the options given that show one sequence (heatmap, export, ...)
     */
    void check(InputArgs input, List<String> oneSequenceOptions) {
        if (threads < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threads);
        }
        if (top < 1) {
            throw new InvalidInputException("--top must be at least 1, got " + top);
        }
        if (summary != null) {
            SummaryWriter.Format.of(summary);
            if (!active(input)) {
                throw new InvalidInputException("--summary writes a line per sequence of a corpus; use it with --reviews A..B, --all "
                        + "or --tokens-file X.npy");
            }
        }
        if (active(input) && !oneSequenceOptions.isEmpty()) {
            throw new InvalidInputException(String.join(" and ", oneSequenceOptions) + " show(s) one sequence, not a corpus run (--reviews, "
                    + "--all, --summary)" + (oneSequenceOptions.contains("--export")
                    ? "; to stream full attention, use --tokens-file X.npy --export DIR without --summary" : ""));
        }
    }

    /** The stored reviews to run: {@code --reviews A..B} or {@code --all}. */
    Corpus reviews(InputArgs input, ReviewFolder data, Path model) {
        if (data == null) {
            throw new InvalidInputException(input.given() + " needs the review files python-export/export_reviews.py writes (meta.json, "
                    + "vocab.json, reviews.npy, ...); there are none beside " + model + " and no --data DIR was given");
        }
        return input.all ? Corpus.all(data.reviews()) : reviewRange(data.reviews(), input.range);
    }

    private static final java.util.regex.Pattern RANGE = java.util.regex.Pattern.compile("\\s*(\\d+)\\s*\\.\\.\\s*(\\d+)\\s*");

    /** {@code --reviews A..B}: 0-based, both included ({@code 0..99} is 100 reviews). */
    static Corpus reviewRange(org.attentionprobe.data.ReviewSet reviews, String range) {
        java.util.regex.Matcher m = RANGE.matcher(range);
        if (!m.matches()) {
            throw new InvalidInputException("--reviews " + range + " is not a range; expected A..B, 0-based and both included "
                    + "(0..99 is the first 100 reviews)");
        }
        try {
            return Corpus.reviews(reviews, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--reviews " + range + " names a review beyond " + Integer.MAX_VALUE);
        }
    }
}

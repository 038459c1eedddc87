package org.attentionprobe.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.io.Json;
import org.attentionprobe.probe.CorpusTally;
import org.attentionprobe.probe.CorpusTally.WordAttention;
import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ReviewSummary;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The end of a corpus run for people (text) and scripts (JSON): what ran and how fast, accuracy and confusion
 * counts when there are labels, per head the mean entropy and the words receiving the most attention, and the
 * most confident errors.
 *
 * @param modelFile the model file as the user named it
 * @param model     what the model is
 * @param corpus    what ran: {@code all 1000 reviews}, {@code 5000 rows of x.npy}
 * @param tally     the totals
 * @param run       how it ran
 */
public record CorpusReport(Path modelFile, ModelSummary model, String corpus, CorpusTally tally, Run run) {
    /** Words listed per head. */
    public static final int WORDS = 10;
    /** Keys shown per head for each confident error. */
    static final int ERROR_KEYS = 3;
    /** A confusion matrix is printed as a table up to this many classes (the JSON always has its non-zero cells). */
    static final int MAX_CONFUSION_TABLE = 10;

    /**
     * How the run went.
     *
     * @param seconds     wall time of the model runs and summaries
     * @param cpuSeconds  the process's CPU time over the same span (all threads), or negative if unknown
     * @param peakBytes   the process's peak resident size at the end (VmHWM), or negative if unknown
     * @param load        the load average at the end ({@code 1 5 15} minutes)
     * @param threads     workers
     * @param batch       sequences per model run
     * @param top         keys per head in each summary
     * @param summaryFile the summary written, or null
     */
    public record Run(double seconds, double cpuSeconds, long peakBytes, String load, int threads, int batch, int top, Path summaryFile) {
        public double sequencesPerSecond(long sequences) {
            return seconds > 0 ? sequences / seconds : Double.NaN;
        }
    }

    /** Prints the text report. */
    public void print(PrintWriter out) {
        CorpusTally t = tally;
        out.println(ProbeReport.modelLine(modelFile, model));
        out.println();
        out.printf(Locale.ROOT, "corpus   %s: %,d sequences in %.1f s, %,.0f per second (%d %s, batch %d)%n", corpus, t.sequences(),
                run.seconds(), run.sequencesPerSecond(t.sequences()), run.threads(), run.threads() == 1 ? "thread" : "threads", run.batch());
        out.printf(Locale.ROOT, "         CPU %.1f s (%.2f ms per sequence, all threads); peak resident %s; load average %s%n",
                run.cpuSeconds(), 1000 * run.cpuSeconds() / Math.max(1, t.sequences()),
                run.peakBytes() < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MB", run.peakBytes() / 1e6), run.load());
        printAccuracy(out);
        int length = t.length();
        for (int h = 0; h < t.heads().size(); h++) {
            HeadRef head = t.heads().get(h);
            out.println();
            out.printf(Locale.ROOT, "%s — mean attention entropy %.4f nats, %.2f%% of uniform (ln %d = %.4f)%n", head, t.meanEntropy(h),
                    100 * t.meanEntropy(h) / Math.log(length), length, Math.log(length));
            out.printf(Locale.ROOT, "  words receiving the most attention (mean weight from the real-token queries over the word's "
                    + "occurrences; words seen %d times or more)%n", CorpusTally.MIN_OCCURRENCES);
            out.printf(Locale.ROOT, "     %-16s %8s %12s %11s %8s%n", "word", "seen", "mean weight", "vs uniform", "share");
            for (WordAttention w : t.mostAttendedWords(h, WORDS)) {
                out.printf(Locale.ROOT, "     %-16s %,8d %12.5f %11s %7.2f%%%n", w.word(), w.occurrences(), w.meanWeight(),
                        String.format(Locale.ROOT, "×%.2f", w.vsUniform()), 100 * w.share());
            }
        }
        printErrors(out);
        out.flush();
    }

    private void printAccuracy(PrintWriter out) {
        CorpusTally t = tally;
        if (t.labelled() == 0) {
            out.println("accuracy no true labels (token ids carry none; reviews have them when labels.npy is beside them)");
            return;
        }
        out.printf(Locale.ROOT, "accuracy %.4f: %,d of %,d labelled sequences predicted right%n", t.accuracy(), t.correct(), t.labelled());
        List<String> classes = t.classNames();
        if (classes.size() > MAX_CONFUSION_TABLE) {
            return;
        }
        int width = Math.max(9, classes.stream().mapToInt(String::length).max().orElse(0) + 1);
        String corner = "true \\ predicted";
        int first = Math.max(corner.length(), width);
        StringBuilder header = new StringBuilder(String.format("  %-" + first + "s", corner));
        classes.forEach(c -> header.append(String.format(" %" + width + "s", c)));
        out.println(header);
        for (int a = 0; a < classes.size(); a++) {
            StringBuilder row = new StringBuilder(String.format("  %-" + first + "s", classes.get(a)));
            for (int p = 0; p < classes.size(); p++) {
                row.append(String.format(Locale.ROOT, " %," + width + "d", t.confusion(a, p)));
            }
            out.println(row);
        }
    }

    private void printErrors(PrintWriter out) {
        List<ReviewSummary> errors = tally.confidentErrors();
        if (tally.labelled() == 0) {
            return;
        }
        out.println();
        if (errors.isEmpty()) {
            out.println("no errors: every labelled sequence was predicted right");
            return;
        }
        out.printf("most confident errors (highest probability of the wrong predicted class), with each head's %d most attended tokens%n",
                ERROR_KEYS);
        List<String> classes = tally.classNames();
        for (ReviewSummary s : errors) {
            out.printf(Locale.ROOT, "  %-14s true %s, predicted %s %.4f%n", s.origin(), classes.get(s.label().getAsInt()),
                    classes.get(s.predicted()), s.probabilities()[s.predicted()]);
            for (ReviewSummary.HeadSummary h : s.heads()) {
                out.printf(Locale.ROOT, "    block %d head %d: %s%n", h.head().block(), h.head().head(), h.top().stream().limit(ERROR_KEYS)
                        .map(k -> String.format(Locale.ROOT, "%s·%d %.4f", k.word(), k.position(), k.weight()))
                        .collect(Collectors.joining("   ")));
            }
        }
    }

    /** The report as JSON. */
    public ObjectNode json() {
        CorpusTally t = tally;
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("model", JsonReport.model(modelFile, model, t.classNames()));
        ObjectNode c = root.putObject("corpus");
        c.put("description", corpus);
        c.put("sequences", t.sequences());
        c.put("seconds", run.seconds());
        c.put("sequences_per_second", run.sequencesPerSecond(t.sequences()));
        c.put("cpu_seconds", run.cpuSeconds());
        c.put("peak_resident_bytes", run.peakBytes());
        c.put("load_average", run.load());
        c.put("threads", run.threads());
        c.put("batch", run.batch());
        c.put("top", run.top());
        c.put("summary_file", run.summaryFile() == null ? null : run.summaryFile().toString());
        c.put("labelled", t.labelled());
        if (t.labelled() > 0) {
            c.put("correct", t.correct());
            c.put("accuracy", t.accuracy());
        } else {
            c.putNull("correct");
            c.putNull("accuracy");
        }
        ArrayNode confusion = root.putArray("confusion");
        for (int a = 0; a < t.classNames().size(); a++) {
            for (int p = 0; p < t.classNames().size(); p++) {
                if (t.confusion(a, p) > 0) {
                    confusion.addObject().put("true", t.classNames().get(a)).put("predicted", t.classNames().get(p))
                            .put("count", t.confusion(a, p));
                }
            }
        }
        ArrayNode heads = root.putArray("heads");
        for (int h = 0; h < t.heads().size(); h++) {
            ObjectNode o = heads.addObject();
            o.put("block", t.heads().get(h).block());
            o.put("head", t.heads().get(h).head());
            finite(o, "mean_entropy", t.meanEntropy(h));
            finite(o, "mean_entropy_vs_uniform", t.meanEntropy(h) / Math.log(t.length()));
            o.put("min_occurrences", CorpusTally.MIN_OCCURRENCES);
            ArrayNode words = o.putArray("most_attended_words");
            for (WordAttention w : t.mostAttendedWords(h, WORDS)) {
                words.addObject().put("word", w.word()).put("token_id", w.tokenId()).put("occurrences", w.occurrences())
                        .put("mean_weight", w.meanWeight()).put("vs_uniform", w.vsUniform()).put("share", w.share());
            }
        }
        ArrayNode errors = root.putArray("confident_errors");
        for (ReviewSummary s : t.confidentErrors()) {
            ObjectNode e = errors.addObject();
            e.put("id", s.id());
            e.put("origin", s.origin());
            e.put("label", t.classNames().get(s.label().getAsInt()));
            e.put("predicted", t.classNames().get(s.predicted()));
            e.put("probability", s.probabilities()[s.predicted()]);
            ArrayNode eh = e.putArray("heads");
            for (ReviewSummary.HeadSummary h : s.heads()) {
                ObjectNode ho = eh.addObject().put("block", h.head().block()).put("head", h.head().head());
                ArrayNode top = ho.putArray("top");
                for (KeyWeight k : h.top()) {
                    top.addObject().put("word", k.word()).put("position", k.position()).put("weight", k.weight());
                }
            }
        }
        return root;
    }

    private static void finite(ObjectNode o, String name, double v) {
        if (Double.isFinite(v)) {
            o.put(name, v);
        } else {
            o.putNull(name);
        }
    }
}

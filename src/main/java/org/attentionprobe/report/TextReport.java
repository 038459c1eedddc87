package org.attentionprobe.report;

import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.HeadReading.QueryFocus;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.probe.TokenSequence;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The report people read: the prediction, the sequence as the model saw it, and what each head attends to. */
public final class TextReport {
    /** Width the sequence listing wraps at. */
    static final int WIDTH = 100;
    /** Words longer than this are cut in tables. */
    static final int MAX_WORD = 16;
    /** Other classes listed beside the predicted one. */
    static final int OTHER_CLASSES = 4;

    private TextReport() {
    }

    public static void print(ProbeReport report, PrintWriter out) {
        print(report, List.of(), out);
    }

    /** The report with a further section (e.g. {@link ExplanationText}) before the closing hints. */
    public static void print(ProbeReport report, List<String> section, PrintWriter out) {
        out.println(ProbeReport.modelLine(report.modelFile(), report.model()));
        out.println();
        printPrediction(report.result(), out);
        out.println();
        printSequence(report.result().sequence(), report.model().vocabSize(), out);
        out.println();
        printHowToRead(report, out);
        for (ProbeReport.HeadSection head : report.heads()) {
            out.println();
            printHead(report, head, out);
        }
        if (!section.isEmpty()) {
            out.println();
            section.forEach(out::println);
        }
        out.println();
        out.println("more: --heatmap FILE.png draws each head; --export DIR writes every weight (.npy, bertviz attention.json);");
        out.println("      --explain adds attributions, --report FILE.html an interactive page; --json prints this report as JSON");
        out.flush();
    }

    private static void printPrediction(ProbeResult r, PrintWriter out) {
        out.println(r.sequence().origin());
        float[] p = r.probabilities();
        int best = r.predictedClass();
        List<Integer> others = IntStream.range(0, p.length).filter(c -> c != best).boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> p[c]).reversed()).toList();
        String rest = others.stream().limit(OTHER_CLASSES)
                .map(c -> String.format(Locale.ROOT, "%s %.4f", r.classNames().get(c), p[c])).collect(Collectors.joining(", "));
        if (others.size() > OTHER_CLASSES) {
            rest += ", … " + (others.size() - OTHER_CLASSES) + " more";
        }
        out.printf(Locale.ROOT, "  predicted   %-10s %.4f%s%n", r.predictedClassName(), p[best], rest.isEmpty() ? "" : "   (" + rest + ")");
        r.trueClassName().ifPresent(t -> out.printf(Locale.ROOT, "  true label  %-10s %s%n", t,
                r.label().getAsInt() == best ? "correct" : "the model is wrong on this one"));
    }

    private static void printSequence(TokenSequence s, long vocabSize, PrintWriter out) {
        int start = s.length() - s.realCount();
        out.printf(Locale.ROOT, "what the model read: %d positions (0..%d)%n", s.length(), s.length() - 1);
        if (s.paddingCount() > 0) {
            out.printf(Locale.ROOT, "  <pad>×%d, then %d tokens%s%n", s.paddingCount(), s.realCount(),
                    s.realCount() > 0 && s.words()[start].equals("<start>") ? " (<start> and " + (s.realCount() - 1) + " words)" : "");
        } else {
            out.printf(Locale.ROOT, "  %d tokens, no padding%n", s.realCount());
        }
        List<String> notes = new ArrayList<>();
        notes.add(s.cut() == 0 ? "nothing cut"
                : String.format(Locale.ROOT, "cut: the first %d of %d tokens (Keras keeps the last %d: truncating='pre')",
                s.cut(), s.originalLength(), s.length()));
        if (!s.unknownWords().isEmpty()) {
            notes.add(s.unknownWords().size() + (s.unknownWords().size() == 1 ? " word" : " words") + " outside the " + vocabSize
                    + "-word vocabulary became <oov>: " + abbreviateList(s.unknownWords(), 12));
        } else if (s.oovCount() > 0) {
            notes.add(s.oovCount() + (s.oovCount() == 1 ? " position holds" : " positions hold") + " <oov> (a word outside the "
                    + vocabSize + "-word vocabulary)");
        }
        out.println("  " + String.join("; ", notes));
        out.println();
        for (String line : listing(s)) {
            out.println(line);
        }
    }

    /** The sequence wrapped to {@link #WIDTH}, each line led by the position of its first token; padding runs as {@code <pad>×N}. */
    static List<String> listing(TokenSequence s) {
        List<String> lines = new ArrayList<>();
        String[] words = s.words();
        StringBuilder line = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            if (!s.real()[i]) {
                int run = i;
                while (run < s.length() && !s.real()[run]) {
                    run++;
                }
                flush(lines, line);
                lines.add(String.format(Locale.ROOT, "  %4d  %s", i, run - i == 1 ? words[i] : words[i] + "×" + (run - i)));
                i = run;
                continue;
            }
            if (line.length() > 0 && line.length() + 1 + words[i].length() > WIDTH) {
                flush(lines, line);
            }
            if (line.length() == 0) {
                line.append(String.format(Locale.ROOT, "  %4d  %s", i, words[i]));
            } else {
                line.append(' ').append(words[i]);
            }
            i++;
        }
        flush(lines, line);
        return lines;
    }

    private static void flush(List<String> lines, StringBuilder line) {
        if (line.length() > 0) {
            lines.add(line.toString());
            line.setLength(0);
        }
    }

    private static void printHowToRead(ProbeReport report, PrintWriter out) {
        TokenSequence s = report.result().sequence();
        int l = s.length();
        out.println("how to read this");
        if (report.model().blocks().isEmpty()) {
            out.println("  The model has no attention layer, so there is no attention to show: --explain attributes the");
            out.println("  prediction to the tokens with integrated gradients.");
            return;
        }
        out.printf(Locale.ROOT, "  Each head weighs every pair of positions: a %d × %d matrix. A row is a query token; its columns are%n", l, l);
        out.printf(Locale.ROOT, "  the keys it attends to, and the row sums to 1. Uniform attention would give each key 1/%d = %.4f,%n", l, 1.0 / l);
        out.println("  so ×1.5 means 1.5 times uniform. \"Receive the most attention\" averages each key's column over the");
        out.println("  query tokens; \"strongest queries\" are the rows with the largest single weight, and what they attend to.");
        out.println("  Attention shows how the tokens' information mixes inside the model, not by itself why the class was");
        out.println("  chosen: the mixed values, the feed-forward layers and the classifier after them decide that.");
        boolean masked = report.model().blocks().stream().anyMatch(org.attentionprobe.layers.BlockInfo::masked);
        if (s.paddingCount() > 0 && masked) {
            out.printf(Locale.ROOT, "  The model masks its %d <pad> positions: no token attends to them (weight 0), and as queries they%n",
                    s.paddingCount());
            out.println("  attend to nothing (their rows are 0). The lists below count the " + s.realCount() + " real tokens.");
        } else if (s.paddingCount() > 0) {
            out.printf(Locale.ROOT, "  The model has no padding mask, so tokens also attend to the %d <pad> positions. %s%n", s.paddingCount(),
                    report.keepPadding() ? "The lists below include" : "The lists below");
            out.println(report.keepPadding()
                    ? "  padding as queries and keys (--keep-padding); --export writes every weight."
                    : "  count the " + s.realCount() + " real tokens only (--keep-padding includes padding; --export writes every weight).");
        }
    }

    private static void printHead(ProbeReport report, ProbeReport.HeadSection section, PrintWriter out) {
        TokenSequence s = report.result().sequence();
        var blocks = report.model().blocks();
        int b = section.head().block();
        String title = b < blocks.size() ? "block " + b + " (" + blocks.get(b).layerName() + "), head " + section.head().head()
                : section.head().toString();
        if (s.paddingCount() > 0) {
            title += String.format(Locale.ROOT, " — real tokens give %.1f%% of their attention to padding (uniform: %.1f%%)",
                    100 * section.paddingShare(), 100.0 * s.paddingCount() / s.length());
        }
        out.println(title);
        int queries = report.keepPadding() ? s.length() : s.realCount();
        out.printf(Locale.ROOT, "  receive the most attention (mean over the %d query %s)%n", queries, report.keepPadding() ? "positions" : "tokens");
        out.printf(Locale.ROOT, "     pos  %-" + MAX_WORD + "s  weight  vs uniform%n", "token");
        for (KeyWeight k : section.mostAttended()) {
            out.printf(Locale.ROOT, "    %4d  %-" + MAX_WORD + "s  %.4f  ×%.2f%n", k.position(), cut(k.word()), k.weight(), k.vsUniform());
        }
        out.println("  strongest queries → the keys they attend to most (weight, vs uniform)");
        out.printf(Locale.ROOT, "     pos  %-" + MAX_WORD + "s  keys%n", "query");
        for (QueryFocus q : section.strongestQueries()) {
            String keys = q.keys().stream()
                    .map(k -> String.format(Locale.ROOT, "%s·%d %.4f ×%.2f", cut(k.word()), k.position(), k.weight(), k.vsUniform()))
                    .collect(Collectors.joining("   "));
            out.printf(Locale.ROOT, "    %4d  %-" + MAX_WORD + "s  %s%n", q.position(), cut(q.word()), keys);
        }
    }

    private static String cut(String word) {
        return word.length() <= MAX_WORD ? word : word.substring(0, MAX_WORD - 1) + "…";
    }

    private static String abbreviateList(List<String> words, int max) {
        String shown = words.stream().limit(max).collect(Collectors.joining(", "));
        return words.size() > max ? shown + ", … " + (words.size() - max) + " more" : shown;
    }
}

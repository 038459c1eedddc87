package org.attentionprobe.probe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.IntFunction;

/**
 * What a whole corpus run adds up to, from its {@link ReviewSummary}s one by one, in memory that does not grow
 * with the corpus:
 * <ul>
 *   <li>accuracy and the confusion counts, over the sequences with a true label;</li>
 *   <li>per head, the words that receive the most attention: for each token id, over its occurrences as a shown
 *       key (the real tokens), the weight it receives averaged over the real-token queries
 *       ({@link HeadReading#received}), summed; a word's <b>mean weight</b> is that sum over its occurrences, its
 *       <b>share</b> that sum over the sum for all words;</li>
 *   <li>per head, the mean attention entropy over the sequences;</li>
 *   <li>the most confident errors: the labelled sequences predicted wrongly with the highest probability of the
 *       predicted (wrong) class.</li>
 * </ul>
 * Add summaries from one thread, in corpus order: the sums are then the same for any number of workers.
 */
public final class CorpusTally {
    /** Words listed per head need at least this many occurrences: a word seen twice says little. */
    public static final int MIN_OCCURRENCES = 10;
    /** Confident errors kept. */
    public static final int ERRORS = 5;

    /**
     * One word's attention over the corpus, for one head.
     *
     * @param tokenId     its id
     * @param word        its word
     * @param occurrences how often it was a shown key
     * @param meanWeight  mean over its occurrences of the weight it receives (mean over the real-token queries)
     * @param vsUniform   {@code meanWeight × L}: 1 is what every key gets from uniform attention
     * @param share       its part of all the attention the shown keys receive in the corpus
     */
    public record WordAttention(int tokenId, String word, long occurrences, double meanWeight, double vsUniform, double share) {
    }

    /** Least confident first (ties: the later sequence first), so the queue's head is the one to drop. */
    private static final Comparator<ReviewSummary> CONFIDENCE = Comparator
            .comparingDouble((ReviewSummary s) -> s.probabilities()[s.predicted()])
            .thenComparing(Comparator.comparingInt(ReviewSummary::id).reversed());

    private final List<String> classNames;   // [C]
    private final List<HeadRef> heads;       // [heads]
    private final int length;                // L
    private final IntFunction<String> words;
    private final long[][] confusion;        // [true C][predicted C]
    private final long[][] occurrences;      // [heads][vocab]
    private final double[][] received;       // [heads][vocab] summed weight received
    private final double[] entropySum;       // [heads]
    private final long[] entropyCount;       // [heads]
    private final PriorityQueue<ReviewSummary> errors = new PriorityQueue<>(ERRORS + 1, CONFIDENCE);
    private long sequences;

    /**
     * @param classNames the class names {@code [C]}
     * @param heads      the heads the summaries hold, in their order
     * @param length     the model's sequence length L
     * @param vocabSize  token ids are in {@code [0, vocabSize)}
     * @param words      the word of a token id
     */
    public CorpusTally(List<String> classNames, List<HeadRef> heads, int length, int vocabSize, IntFunction<String> words) {
        this.classNames = List.copyOf(classNames);
        this.heads = List.copyOf(heads);
        this.length = length;
        this.words = words;
        int c = classNames.size();
        this.confusion = new long[c][c];
        this.occurrences = new long[heads.size()][vocabSize];
        this.received = new double[heads.size()][vocabSize];
        this.entropySum = new double[heads.size()];
        this.entropyCount = new long[heads.size()];
    }

    /** A tally for the summaries of a probe's model: its classes, length, vocabulary and words. */
    public static CorpusTally of(AttentionProbe probe, List<HeadRef> heads) {
        return new CorpusTally(probe.classNames(), heads, probe.summary().sequenceLength(),
                Math.toIntExact(probe.summary().vocabSize()), probe::word);
    }

    /** Adds the next summary. */
    public void add(ReviewSummary s) {
        sequences++;
        if (s.label().isPresent()) {
            confusion[s.label().getAsInt()][s.predicted()]++;
            if (!s.correct().orElseThrow()) {
                errors.add(s);
                if (errors.size() > ERRORS) {
                    errors.poll();
                }
            }
        }
        for (int h = 0; h < heads.size(); h++) {
            ReviewSummary.HeadSummary head = s.heads().get(h);
            int[] ids = head.keyIds();
            double[] weights = head.received();
            for (int i = 0; i < ids.length; i++) {
                occurrences[h][ids[i]]++;
                received[h][ids[i]] += weights[i];
            }
            if (!Double.isNaN(head.entropy())) {
                entropySum[h] += head.entropy();
                entropyCount[h]++;
            }
        }
    }

    /**
     * Adds totals computed elsewhere (a Spark aggregation): {@code n} sequences of true class {@code t} predicted as
     * {@code p}. With {@link #addWordTotals}, {@link #addEntropyTotals}, {@link #addError} and {@link #addSequences} the
     * tally holds what {@link #add} would have summed, up to the order of float additions.
     */
    public void addConfusion(int t, int p, long n) {
        confusion[t][p] += n;
    }

    /** Token {@code id} was a shown key of head {@code h} (index into {@link #heads()}) {@code n} times, receiving {@code sum}. */
    public void addWordTotals(int h, int id, long n, double sum) {
        occurrences[h][id] += n;
        received[h][id] += sum;
    }

    /** {@code count} finite entropies of head {@code h}, summing to {@code sum}. */
    public void addEntropyTotals(int h, double sum, long count) {
        entropySum[h] += sum;
        entropyCount[h] += count;
    }

    /** A wrongly predicted labelled sequence, a candidate for {@link #confidentErrors()}. */
    public void addError(ReviewSummary s) {
        errors.add(s);
        if (errors.size() > ERRORS) {
            errors.poll();
        }
    }

    public void addSequences(long n) {
        sequences += n;
    }

    public List<String> classNames() {
        return classNames;
    }

    public List<HeadRef> heads() {
        return heads;
    }

    /** L, the positions every sequence has. */
    public int length() {
        return length;
    }

    /** Sequences added. */
    public long sequences() {
        return sequences;
    }

    /** Sequences with a true label. */
    public long labelled() {
        long n = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }

    /** Labelled sequences predicted right. */
    public long correct() {
        long n = 0;
        for (int c = 0; c < confusion.length; c++) {
            n += confusion[c][c];
        }
        return n;
    }

    /** {@code correct / labelled}; NaN without labels. */
    public double accuracy() {
        long labelled = labelled();
        return labelled == 0 ? Double.NaN : (double) correct() / labelled;
    }

    /** Sequences of true class {@code t} predicted as {@code p}. */
    public long confusion(int t, int p) {
        return confusion[t][p];
    }

    /** The mean over the sequences of head {@code h}'s entropy (index into {@link #heads()}); NaN if none had real tokens. */
    public double meanEntropy(int h) {
        return entropyCount[h] == 0 ? Double.NaN : entropySum[h] / entropyCount[h];
    }

    /** The {@code n} words with the largest mean weight received from head {@code h} among those seen {@value #MIN_OCCURRENCES} times or more. */
    public List<WordAttention> mostAttendedWords(int h, int n) {
        double total = 0;
        for (double v : received[h]) {
            total += v;
        }
        List<WordAttention> out = new ArrayList<>();
        for (int id = 0; id < received[h].length; id++) {
            long seen = occurrences[h][id];
            if (seen >= MIN_OCCURRENCES) {
                double mean = received[h][id] / seen;
                out.add(new WordAttention(id, words.apply(id), seen, mean, mean * length, received[h][id] / total));
            }
        }
        out.sort(Comparator.comparingDouble(WordAttention::meanWeight).reversed().thenComparingInt(WordAttention::tokenId));
        return List.copyOf(out.subList(0, Math.min(n, out.size())));
    }

    /** Up to {@value #ERRORS} wrongly predicted sequences, the most confident first (ties: the earlier first). */
    public List<ReviewSummary> confidentErrors() {
        List<ReviewSummary> out = new ArrayList<>(errors);
        out.sort(CONFIDENCE.reversed());
        return out;
    }
}

package org.attentionprobe.probe;

import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.probe.CorpusTally.WordAttention;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Corpus totals: by hand on made-up summaries, and on 100 demo reviews against sums over the single-review path. */
class CorpusTallyTest {
    private static final List<String> CLASSES = List.of("neg", "pos");
    private static final HeadRef HEAD = new HeadRef(0, 0);

    /** A summary whose one head received {@code weights} on the token ids {@code ids}. */
    private static ReviewSummary summary(int id, Integer label, float pPos, double entropy, int[] ids, double[] weights) {
        return new ReviewSummary(id, "review " + id, label == null ? OptionalInt.empty() : OptionalInt.of(label),
                new float[]{1 - pPos, pPos}, ids.length,
                List.of(new ReviewSummary.HeadSummary(HEAD, List.of(), entropy, ids, weights)));
    }

    private static CorpusTally tally() {
        return new CorpusTally(CLASSES, List.of(HEAD), 4, 6, id -> "w" + id);
    }

    @Test
    void accuracyConfusionAndTheMostConfidentErrorsFirst() {
        CorpusTally t = tally();
        int[] ids = {1};
        double[] w = {0.25};
        t.add(summary(0, 0, 0.10f, 1.0, ids, w));   // right
        t.add(summary(1, 0, 0.90f, 1.0, ids, w));   // wrong, p(pos) 0.9
        t.add(summary(2, 1, 0.30f, 1.0, ids, w));   // wrong, p(neg) 0.7
        t.add(summary(3, 1, 0.80f, 1.0, ids, w));   // right
        t.add(summary(4, 0, 0.90f, 1.0, ids, w));   // wrong, p(pos) 0.9: a tie with review 1, which came first
        t.add(summary(5, null, 0.90f, 1.0, ids, w)); // no label: not counted
        assertEquals(6, t.sequences());
        assertEquals(5, t.labelled());
        assertEquals(2, t.correct());
        assertEquals(0.4, t.accuracy(), 1e-12);
        assertEquals(1, t.confusion(0, 0));
        assertEquals(2, t.confusion(0, 1));
        assertEquals(1, t.confusion(1, 0));
        assertEquals(List.of(1, 4, 2), t.confidentErrors().stream().map(ReviewSummary::id).toList());
        CorpusTally unlabelled = tally();
        unlabelled.add(summary(0, null, 0.5f, 1.0, ids, w));
        assertTrue(Double.isNaN(unlabelled.accuracy()));
        assertEquals(List.of(), unlabelled.confidentErrors());
    }

    @Test
    void onlyTheFiveMostConfidentErrorsAreKept() {
        CorpusTally t = tally();
        for (int i = 0; i < 20; i++) {
            t.add(summary(i, 0, 0.5f + i / 100f, 1.0, new int[]{1}, new double[]{0.25}));
        }
        assertEquals(List.of(19, 18, 17, 16, 15), t.confidentErrors().stream().map(ReviewSummary::id).toList());
    }

    @Test
    void wordsAreRankedByTheirMeanWeightAmongThoseSeenOftenEnough() {
        CorpusTally t = tally();
        for (int i = 0; i < 10; i++) {
            // word 1 gets 0.2 every time; word 2 gets 0.1 and 0.5 in turn (mean 0.3); word 3 gets 0.9 but only on review 0
            t.add(summary(i, null, 0.5f, i, i == 0 ? new int[]{1, 2, 3} : new int[]{1, 2},
                    i == 0 ? new double[]{0.2, 0.1, 0.9} : new double[]{0.2, i % 2 == 0 ? 0.1 : 0.5}));
        }
        List<WordAttention> words = t.mostAttendedWords(0, 5);
        assertEquals(List.of(2, 1), words.stream().map(WordAttention::tokenId).toList(), "word 3 was seen once, below " + CorpusTally.MIN_OCCURRENCES);
        assertEquals("w2", words.get(0).word());
        assertEquals(10, words.get(0).occurrences());
        assertEquals(0.3, words.get(0).meanWeight(), 1e-12);
        assertEquals(0.3 * 4, words.get(0).vsUniform(), 1e-12, "mean × L");
        double total = 10 * 0.2 + 5 * 0.1 + 5 * 0.5 + 0.9;
        assertEquals(3.0 / total, words.get(0).share(), 1e-12);
        assertEquals(4.5, t.meanEntropy(0), 1e-12, "mean of 0..9");
    }

    @Test
    void aSequenceWithoutRealTokensLeavesTheMeanEntropyAlone() {
        CorpusTally t = tally();
        t.add(summary(0, null, 0.5f, 2.0, new int[]{1}, new double[]{0.5}));
        t.add(summary(1, null, 0.5f, Double.NaN, new int[0], new double[0]));
        assertEquals(2.0, t.meanEntropy(0), 1e-12);
    }

    /**
     * On demo reviews 0..99, the tally of the corpus run equals sums computed here from each review's attention on the
     * single-review path: per word, the column means over the real query rows, and the errors sorted by hand.
     */
    @Test
    void onDemoReviewsTheTallyEqualsSumsOverTheSingleReviewPath() {
        int n = 100;
        try (TransformerModel model = TransformerModel.open(Imdb.MODEL)) {
            AttentionProbe probe = AttentionProbe.of(model, ReviewFolder.open(Imdb.DIR));
            List<HeadRef> heads = HeadRef.select(model.summary(), null, null);
            CorpusTally tally = new CorpusTally(probe.classNames(), heads, 200, 500, probe::word);
            CorpusRun.run(model, probe, Corpus.reviews(probe.data().orElseThrow().reviews(), 0, n - 1),
                    CorpusRun.Options.defaults(heads).withThreads(2), tally::add, done -> { });

            List<ProbeResult> single = probe.run(IntStream.range(0, n).mapToObj(probe::reviewInput).toList());
            long correct = single.stream().filter(r -> r.label().getAsInt() == r.predictedClass()).count();
            assertEquals(n, tally.labelled());
            assertEquals(correct, tally.correct());
            List<Integer> errors = single.stream().filter(r -> r.label().getAsInt() != r.predictedClass())
                    .sorted(Comparator.comparingDouble((ProbeResult r) -> -r.probabilities()[r.predictedClass()]))
                    .limit(5).map(r -> Integer.parseInt(r.sequence().origin().substring("review ".length()))).toList();
            assertEquals(errors, tally.confidentErrors().stream().map(ReviewSummary::id).toList());

            for (int h = 0; h < heads.size(); h++) {
                double[] sum = new double[500];
                long[] seen = new long[500];
                for (ProbeResult r : single) {
                    float[] w = r.head(heads.get(h).block(), heads.get(h).head());   // [L * L]
                    boolean[] real = r.sequence().real();
                    int realCount = r.sequence().realCount();
                    for (int k = 0; k < 200; k++) {
                        if (!real[k]) {
                            continue;
                        }
                        double column = 0;
                        for (int q = 0; q < 200; q++) {
                            column += real[q] ? w[q * 200 + k] : 0;
                        }
                        sum[r.sequence().ids()[k]] += column / realCount;
                        seen[r.sequence().ids()[k]]++;
                    }
                }
                List<Integer> expected = IntStream.range(0, 500).filter(id -> seen[id] >= CorpusTally.MIN_OCCURRENCES).boxed()
                        .sorted(Comparator.comparingDouble((Integer id) -> -sum[id] / seen[id])).limit(10).toList();
                List<WordAttention> words = tally.mostAttendedWords(h, 10);
                assertEquals(expected, words.stream().map(WordAttention::tokenId).toList(), heads.get(h) + ": the top words");
                for (WordAttention w : words) {
                    assertEquals(seen[w.tokenId()], w.occurrences(), w.word());
                    assertEquals(sum[w.tokenId()] / seen[w.tokenId()], w.meanWeight(), 1e-7, w.word());
                    assertEquals(Imdb.vocab().get(w.tokenId()), w.word());
                }
            }
        }
    }
}

package org.attentionprobe.probe;

import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.NativeBackend;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming corpus path against the single-review path: the same reviews give the same summaries, in corpus
 * order, whatever the batch and the number of workers.
 */
class CorpusRunTest {
    private static final double ATOL = 1e-6;
    private static TransformerModel model;
    private static AttentionProbe probe;
    private static List<HeadRef> heads;

    @BeforeAll
    static void open() {
        model = TransformerModel.open(Imdb.MODEL);
        probe = AttentionProbe.of(model, ReviewFolder.open(Imdb.DIR));
        heads = HeadRef.select(model.summary(), null, null);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<ReviewSummary> run(Corpus corpus, CorpusRun.Options options) {
        List<ReviewSummary> out = new ArrayList<>();
        CorpusRun.run(model, probe, corpus, options, out::add, n -> { });
        return out;
    }

    /** −Σ a ln a over all L keys, averaged over the real query rows, with Math.log on the single-review attention. */
    private static double entropy(ProbeResult r, HeadRef h) {
        INDArray a = r.attention(h.block());   // [H, L, L]
        int length = r.sequence().length();
        double total = 0;
        int rows = 0;
        for (int q = 0; q < length; q++) {
            if (!r.sequence().real()[q]) {
                continue;
            }
            double row = 0;
            for (int k = 0; k < length; k++) {
                double w = a.getDouble(h.head(), q, k);
                row -= w > 0 ? w * Math.log(w) : 0;
            }
            total += row;
            rows++;
        }
        return total / rows;
    }

    @Test
    void summariesOfReviews0To20EqualTheSingleReviewPath() {
        int k = 7;
        Corpus corpus = Corpus.reviews(probe.data().orElseThrow().reviews(), 0, 20);
        List<ReviewSummary> summaries = run(corpus, CorpusRun.Options.defaults(heads).withBatch(8).withThreads(2).withTop(k));
        assertEquals(21, summaries.size());
        for (int i = 0; i <= 20; i++) {
            ReviewSummary s = summaries.get(i);
            ProbeResult single = probe.review(i);
            assertEquals(i, s.id(), "in corpus order");
            assertEquals("review " + i, s.origin());
            assertEquals(single.label(), s.label());
            assertEquals(single.sequence().realCount(), s.realTokens());
            assertEquals(2, s.probabilities().length, "[C]");
            for (int c = 0; c < 2; c++) {
                assertEquals(single.probabilities()[c], s.probabilities()[c], ATOL, "review " + i + " p[" + c + "]");
            }
            assertEquals(single.predictedClass(), s.predicted());
            assertEquals(heads.size(), s.heads().size());
            for (int h = 0; h < heads.size(); h++) {
                ReviewSummary.HeadSummary head = s.heads().get(h);
                List<HeadReading.KeyWeight> expected = HeadReading.of(single, heads.get(h), false).mostAttended(k);
                String what = "review " + i + ", " + heads.get(h);
                assertEquals(heads.get(h), head.head());
                assertEquals(expected.stream().map(HeadReading.KeyWeight::position).toList(),
                        head.top().stream().map(HeadReading.KeyWeight::position).toList(), what + ": top keys");
                assertEquals(expected.stream().map(HeadReading.KeyWeight::word).toList(),
                        head.top().stream().map(HeadReading.KeyWeight::word).toList(), what + ": their words");
                for (int j = 0; j < k; j++) {
                    assertEquals(expected.get(j).weight(), head.top().get(j).weight(), ATOL, what + ": weight " + j);
                }
                assertEquals(entropy(single, heads.get(h)), head.entropy(), ATOL, what + ": entropy");
                assertEquals(single.sequence().realCount(), head.keyIds().length, "one received weight per real token");
            }
        }
    }

    @Test
    void aCorpusLargerThanTheBatchGivesTheSameRowsInTheSameOrderOnOneOrTwoWorkers() {
        Corpus corpus = Corpus.reviews(probe.data().orElseThrow().reviews(), 100, 136);   // 37 reviews: 4 batches of 8 and one of 5
        List<Integer> progress = new ArrayList<>();
        List<ReviewSummary> one = new ArrayList<>();
        CorpusRun.run(model, probe, corpus, CorpusRun.Options.defaults(heads).withBatch(8).withThreads(1), one::add, progress::add);
        List<ReviewSummary> two = run(corpus, CorpusRun.Options.defaults(heads).withBatch(8).withThreads(2));
        assertEquals(List.of(8, 8, 8, 8, 5), progress, "progress after each batch");
        assertEquals(37, one.size());
        assertEquals(37, two.size());
        for (int i = 0; i < 37; i++) {
            ReviewSummary a = one.get(i);
            ReviewSummary b = two.get(i);
            assertEquals(100 + i, a.id());
            assertEquals(100 + i, b.id());
            assertArrayEquals(a.probabilities(), b.probabilities(), "review " + a.id());
            for (int h = 0; h < heads.size(); h++) {
                assertEquals(a.heads().get(h).top(), b.heads().get(h).top(), "review " + a.id() + " " + heads.get(h));
                assertEquals(a.heads().get(h).entropy(), b.heads().get(h).entropy(), 0.0);
                assertArrayEquals(a.heads().get(h).received(), b.heads().get(h).received());
            }
        }
    }

    @Test
    void aRunPutsBackTheProcessWideOpThreadsItsWorkersChanged() {
        NativeBackend.OpThreads original = NativeBackend.OpThreads.current();
        try {
            NativeBackend.setOpThreads(2);
            NativeBackend.OpThreads before = NativeBackend.OpThreads.current();
            assertEquals(2, before.blasThreads(), "OpenBLAS takes 2 threads (libnd4j's own limit only falls below OMP_NUM_THREADS)");
            run(Corpus.reviews(probe.data().orElseThrow().reviews(), 0, 9), CorpusRun.Options.defaults(heads).withBatch(4).withThreads(2));
            assertEquals(before, NativeBackend.OpThreads.current(), "the workers' setting of 1 op thread stays with them");
        } finally {
            original.restore();
        }
    }

    @Test
    void keysIncludePaddingOnlyWhenKeptAndOneHeadCanBeChosen() {
        Corpus corpus = Corpus.reviews(probe.data().orElseThrow().reviews(), 0, 0);   // review 0: 132 padding positions
        List<HeadRef> head1 = HeadRef.select(model.summary(), null, 1);
        ReviewSummary kept = run(corpus, CorpusRun.Options.defaults(head1).withKeepPadding(true).withTop(200)).get(0);
        assertEquals(1, kept.heads().size());
        assertEquals(new HeadRef(0, 1), kept.heads().get(0).head());
        assertEquals(200, kept.heads().get(0).top().size(), "every position is a key");
        assertEquals(200, kept.heads().get(0).keyIds().length);
        List<HeadReading.KeyWeight> expected = HeadReading.of(probe.review(0), new HeadRef(0, 1), true).mostAttended(200);
        assertEquals(expected.stream().map(HeadReading.KeyWeight::position).toList(),
                kept.heads().get(0).top().stream().map(HeadReading.KeyWeight::position).toList());
    }

    @Test
    void aWorkersErrorStopsTheRunAndReachesTheCaller() {
        int[][] rows = new int[40][200];
        rows[30][199] = 500;   // not below the vocabulary size: fails in a worker, after batches were delivered
        Corpus corpus = Corpus.rows("bad.npy", rows, rows, 0);
        List<ReviewSummary> delivered = new ArrayList<>();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> CorpusRun.run(model, probe, corpus,
                CorpusRun.Options.defaults(heads).withBatch(8).withThreads(2), delivered::add, n -> { }));
        assertTrue(e.getMessage().contains("token id 500 (item 200 of row 30 of bad.npy)"), e.getMessage());
        assertTrue(delivered.size() <= 24, "nothing from the failed batch or after it: " + delivered.size());
        for (int i = 0; i < delivered.size(); i++) {
            assertEquals(i, delivered.get(i).id());
        }
    }
}

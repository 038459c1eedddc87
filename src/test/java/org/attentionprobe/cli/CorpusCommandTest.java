package org.attentionprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.BatchRunner;
import org.attentionprobe.io.Npy;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.Corpus;
import org.attentionprobe.probe.CorpusRun;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.Imdb;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code probe MODEL --reviews A..B | --all | --tokens-file X --summary FILE}: the corpus report, the summary file, the errors. */
class CorpusCommandTest {
    private static final String MODEL = Imdb.MODEL.toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** MODEL.md: Keras's test accuracy on the 1,000 demo reviews is 0.808; the labels split 526 negative, 474 positive. */
    @Test
    void allDemoReviewsGiveKerasTestAccuracy() throws IOException {
        Cli.Result r = Cli.run(MODEL, "--all", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err(), "no summary file, and no progress bar without a terminal");
        JsonNode d = JSON.readTree(r.out());
        assertEquals(1000, d.at("/corpus/sequences").asInt());
        assertEquals(1000, d.at("/corpus/labelled").asInt());
        assertEquals(808, d.at("/corpus/correct").asInt());
        assertEquals(0.808, d.at("/corpus/accuracy").asDouble(), 0.0);
        int[] labels = Npy.read(Imdb.DIR.resolve("labels.npy")).toIntVector();
        long[] perClass = new long[2];
        for (JsonNode cell : d.get("confusion")) {
            perClass[Imdb.CLASSES.indexOf(cell.get("true").asText())] += cell.get("count").asLong();
        }
        assertArrayEquals(new long[]{Arrays.stream(labels).filter(l -> l == 0).count(), Arrays.stream(labels).filter(l -> l == 1).count()},
                perClass, "confusion rows add up to the labels");
        assertEquals(2, d.get("heads").size());
        assertEquals(5, d.get("confident_errors").size());
        double worst = d.at("/confident_errors/0/probability").asDouble();
        assertTrue(worst > 0.5 && worst >= d.at("/confident_errors/4/probability").asDouble(), "most confident first");
    }

    @Test
    void theTextReportNamesTheRunAccuracyHeadsAndErrors() {
        Cli.Result r = Cli.run(MODEL, "--reviews", "0..49", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("model.h5 — legacy HDF5"), r.out());
        assertTrue(r.out().contains("corpus   reviews 0..49 of " + Imdb.DIR + ": 50 sequences in "), r.out());
        assertTrue(r.out().contains("(1 thread, batch " + BatchRunner.DEFAULT_BATCH + ")"), r.out());
        assertTrue(r.out().contains("accuracy 0."), r.out());
        assertTrue(r.out().contains("block 0, head 1 — mean attention entropy"), r.out());
        assertTrue(r.out().contains("most confident errors"), r.out());
    }

    /**
     * A summary row equals the single-review report of the same review ({@code --review N --json}), and the file is
     * the same byte for byte on one or two workers, for a corpus of 37 reviews in batches of 8.
     */
    @Test
    void summaryRowsEqualTheSingleReviewReportOnOneOrTwoThreads() throws IOException {
        Path one = tmp.resolve("one.jsonl");
        Path two = tmp.resolve("two.jsonl");
        Cli.Result r1 = Cli.run(MODEL, "--reviews", "3..39", "--batch", "8", "--threads", "1", "--summary", one.toString());
        Cli.Result r2 = Cli.run(MODEL, "--reviews", "3..39", "--batch", "8", "--threads", "2", "--summary", two.toString());
        assertEquals(0, r1.exitCode(), r1.err());
        assertEquals(0, r2.exitCode(), r2.err());
        assertEquals("wrote " + two + ": 37 rows (JSON Lines)", r2.err().strip(), "one line on stderr");
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(two));
        List<String> rows = Files.readAllLines(two);
        assertEquals(37, rows.size());
        for (int i = 0; i < 37; i++) {
            assertEquals(3 + i, JSON.readTree(rows.get(i)).get("id").asInt(), "corpus order");
        }
        for (int review : new int[]{3, 20, 39}) {
            JsonNode row = JSON.readTree(rows.get(review - 3));
            JsonNode single = JSON.readTree(Cli.run(MODEL, "--review", Integer.toString(review), "--json").out());
            assertEquals(single.at("/prediction/class").asText(), row.get("predicted").asText());
            assertEquals(single.at("/prediction/true_class").asText(), row.get("label").asText());
            assertEquals(single.at("/prediction/probabilities/1").asDouble(), row.at("/probabilities/positive").asDouble(), 1e-6);
            for (int h = 0; h < 2; h++) {
                JsonNode expected = single.at("/attention/heads/" + h + "/most_attended");
                JsonNode top = row.at("/heads/" + h + "/top");
                assertEquals(expected.size(), top.size(), "--top 5, the report's five");
                for (int k = 0; k < top.size(); k++) {
                    assertEquals(expected.get(k).get("position").asInt(), top.get(k).get("position").asInt(), "review " + review);
                    assertEquals(expected.get(k).get("token").asText(), top.get(k).get("word").asText());
                    assertEquals(expected.get(k).get("weight").asDouble(), top.get(k).get("weight").asDouble(), 1e-6);
                }
            }
        }
    }

    /**
     * A token file of 50 rows for a model without review files (tf.keras 2.13, L = 20, 502 classes) as CSV: every
     * row's probabilities and most attended key equal what Keras computed for it.
     */
    @Test
    void aTokenFileWritesACsvSummaryThatMatchesKeras() throws IOException {
        TestData.Fixture tf = TestData.fixture("tf-keras-2.13");
        Map<String, INDArray> ref = tf.reference();
        int[][] five = ref.get("x").toIntMatrix();
        int[][] rows = new int[50][];
        for (int i = 0; i < 50; i++) {
            rows[i] = five[i % 5];
        }
        Path x = tmp.resolve("x.npy");
        Npy.write(Nd4j.createFromArray(rows), x);
        Path csv = tmp.resolve("s.csv");
        Cli.Result r = Cli.run(tf.h5().toString(), "--tokens-file", x.toString(), "--summary", csv.toString(), "--batch", "8", "--top", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("accuracy no true labels"), r.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(51, lines.size());
        List<String> header = List.of(lines.get(0).split(","));
        assertEquals(5 + 502 + 1 + 2 * 4, header.size(), "id, origin, label, predicted, correct, 502 p_, real_tokens, 2 heads × 4");
        assertEquals("p_class 0", header.get(5));
        INDArray attention = ref.get("block0_attention_weights");   // [5, 2, 20, 20]
        for (int i = 0; i < 50; i++) {
            String[] cells = lines.get(i + 1).split(",", -1);
            assertEquals(Integer.toString(i), cells[0]);
            assertEquals("row " + i + " of x.npy", cells[1]);
            assertEquals("", cells[2], "no label");
            for (int c = 0; c < 502; c++) {
                assertEquals(ref.get("probs").getDouble(i % 5, c), Double.parseDouble(cells[5 + c]), 1e-5, "row " + i + " p[" + c + "]");
            }
            for (int h = 0; h < 2; h++) {
                int column = header.indexOf("b0h" + h + "_top1_position");
                int[] ids = five[i % 5];
                int best = -1;
                double bestWeight = -1;
                int real = (int) Arrays.stream(ids).filter(id -> id != 0).count();
                for (int k = 0; k < 20; k++) {
                    double sum = 0;
                    for (int q = 0; q < 20; q++) {
                        sum += ids[q] != 0 ? attention.getDouble(i % 5, h, q, k) : 0;
                    }
                    if (ids[k] != 0 && sum / real > bestWeight) {
                        best = k;
                        bestWeight = sum / real;
                    }
                }
                assertEquals(best, Integer.parseInt(cells[column]), "row " + i + " head " + h + ": the key receiving most");
                assertEquals(bestWeight, Double.parseDouble(cells[column + 1]), 1e-5);
            }
        }
    }

    @Test
    void aRunThatFailsHalfWayLeavesNoSummaryFile() throws IOException {
        Path summary = tmp.resolve("s.jsonl");
        int[][] rows = new int[40][200];
        rows[33][5] = 500;   // not below the vocabulary size; the command line checks token files first, the API does not
        try (TransformerModel m = TransformerModel.open(Imdb.MODEL)) {
            AttentionProbe probe = AttentionProbe.of(m);
            Corpus corpus = Corpus.rows("bad.npy", rows, rows, 0);
            CorpusRun.Options options = CorpusRun.Options.defaults(HeadRef.select(m.summary(), null, null)).withBatch(8);
            StringWriter out = new StringWriter();
            assertThrows(InvalidInputException.class, () -> CorpusMode.run(Imdb.MODEL, m, probe, corpus, options, summary, false,
                    new PrintWriter(out), new PrintWriter(new StringWriter())));
            assertEquals("", out.toString(), "no report");
        }
        assertFalse(Files.exists(summary));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(0, files.count(), "no temporary file left");
        }
    }

    @Test
    void mistakesEndWithOneLineAndExitCode2() {
        String summary = tmp.resolve("s.jsonl").toString();
        String tf = TestData.fixture("tf-keras-2.13").h5().toString();
        String[][] cases = {
                {MODEL, "--reviews", "5..2"},
                {MODEL, "--reviews", "0..1000"},
                {MODEL, "--reviews", "first..last"},
                {MODEL, "--all", "--summary", tmp.resolve("s.json").toString()},
                {MODEL, "--review", "3", "--summary", summary},
                {MODEL, "--all", "--heatmap", tmp.resolve("h.png").toString()},
                {MODEL, "--all", "--export", tmp.resolve("e").toString()},
                {MODEL, "--all", "--review", "1"},
                {MODEL, "--all", "--threads", "0"},
                {MODEL, "--all", "--top", "0"},
                {tf, "--all"},
        };
        String[] expected = {
                "reviews 5..2 is an empty range; expected A..B with A <= B (both included) (--reviews A..B)",
                "review 1000 does not exist: the data in " + Imdb.DIR + " has 1000 reviews (0..999)",
                "--reviews first..last is not a range; expected A..B",
                "expected a file name ending in .jsonl (JSON Lines) or .csv",
                "--summary writes a line per sequence of a corpus; use it with --reviews A..B, --all or --tokens-file X.npy",
                "--heatmap show(s) one sequence, not a corpus run",
                "to stream full attention, use --tokens-file X.npy --export DIR without --summary",
                "give one input, not 2: --review and --all",
                "--threads must be at least 1, got 0",
                "--top must be at least 1, got 0",
                "--all needs the review files python-export/export_reviews.py writes",
        };
        Cli.assertEachIsOneLineError(cases, expected);
        assertFalse(Files.exists(Path.of(summary)));
    }
}

package org.attentionprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.io.Npy;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.report.HeatmapLayout;
import org.attentionprobe.report.HeatmapPng;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.Imdb;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.attentionprobe.testing.Imdb.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code probe MODEL --review N | --text T | --tokens IDS | --tokens-file F}: the report, its files and its errors. */
class ProbeCommandTest {
    static final double ATOL = 1e-5;
    static final String MODEL = Imdb.MODEL.toString();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void reviewZeroAsJsonEqualsKerasReference() throws IOException {
        Cli.Result r = Cli.run(MODEL, "--review", "0", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err(), "nothing on stderr");
        JsonNode d = JSON.readTree(r.out());
        INDArray probs = Nd4j.createFromArray(JSON.convertValue(d.at("/prediction/probabilities"), float[].class));
        assertClose(Imdb.reference().get("probs").getRow(0), probs, ATOL, "probabilities of review 0");
        int kerasClass = Imdb.reference().get("probs").getRow(0).argMax().getInt(0);
        assertEquals(Imdb.CLASSES.get(kerasClass), d.at("/prediction/class").asText());
        assertEquals(Imdb.CLASSES.get(Imdb.reference().get("y").getInt(0)), d.at("/prediction/true_class").asText());
        assertArrayEquals(Imdb.x(0), JSON.convertValue(d.at("/input/token_ids"), int[].class));
        assertEquals("review 0", d.at("/input/origin").asText());
    }

    @Test
    void reviewZeroAsTextStartsWithTheModelLineAndShowsEveryHead() {
        Cli.Result r = Cli.run(MODEL, "--review", "0");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().startsWith("model.h5 — legacy HDF5 (model.save), Keras 3.15.1; 1 block × 2 heads; vocab 500; maxlen 200"), r.out());
        assertTrue(r.out().contains("  predicted   negative "), r.out());
        assertTrue(r.out().contains("block 0 (transformer_block), head 0 —") && r.out().contains("block 0 (transformer_block), head 1 —"), r.out());
        assertTrue(r.out().contains("how to read this"), r.out());
    }

    @Test
    void heatmapAndExportEqualWhatTheApiComputes() throws IOException {
        Path png = tmp.resolve("review0.png");
        Path out = tmp.resolve("export");
        Cli.Result r = Cli.run(MODEL, "--review", "0", "--heatmap", png.toString(), "--export", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("wrote " + png + ": 2 heatmap panel(s)"), r.err());
        ProbeResult api;
        try (TransformerModel m = TransformerModel.open(Imdb.MODEL)) {
            api = AttentionProbe.of(m, ReviewFolder.open(Imdb.DIR)).review(0);
        }
        HeatmapLayout layout = HeatmapPng.layout(api, List.of(new HeadRef(0, 0), new HeadRef(0, 1)), false);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertEquals(layout.width(), image.getWidth());
        assertEquals(layout.height(), image.getHeight());

        INDArray probs = Npy.read(out.resolve("probabilities.npy"));
        assertClose(Nd4j.createFromArray(new float[][]{api.probabilities()}), probs, 0, "probabilities.npy");
        INDArray tokens = Npy.read(out.resolve("tokens.npy"));
        assertEquals(DataType.INT, tokens.dataType());
        assertArrayEquals(new int[][]{api.sequence().ids()}, tokens.toIntMatrix());
        INDArray attention = Npy.read(out.resolve("attention_block0.npy"));
        assertArrayEquals(new long[]{1, 2, 200, 200}, attention.shape());
        assertClose(api.attention(0).reshape(1, 2, 200, 200), attention, 0, "attention_block0.npy");
        JsonNode bertviz = JSON.readTree(out.resolve("attention.json").toFile());
        int real = api.sequence().realCount();
        assertEquals(real, bertviz.get("tokens").size());
        assertEquals(1, bertviz.get("attention").size());
        assertEquals(2, bertviz.at("/attention/0").size());
        assertEquals(real, bertviz.at("/attention/0/1").size());
        assertEquals(real, bertviz.at("/attention/0/1/0").size());
        int first = 200 - real;
        assertEquals(api.attention(0).getFloat(1, first, first + 2), bertviz.at("/attention/0/1/0/2").floatValue(), 0);
    }

    @Test
    void textIsTokenizedLikeKerasAndUnknownWordsAreReported() throws IOException {
        Cli.Result r = Cli.run(MODEL, "--text", "This movie was GREAT... zorglub!", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode d = JSON.readTree(r.out());
        int[] expected = new int[200];
        int[] words = {1, id("this"), id("movie"), id("was"), id("great"), 2};
        System.arraycopy(words, 0, expected, 200 - words.length, words.length);
        assertArrayEquals(expected, JSON.convertValue(d.at("/input/token_ids"), int[].class));
        assertEquals("zorglub", d.at("/input/unknown_words/0").asText());
        assertTrue(d.at("/prediction/true_class").isNull());
    }

    @Test
    void aRowOfATokenFileAndAllRowsAsJsonEqualKeras() throws IOException {
        Path x = tmp.resolve("x.npy");
        Npy.write(Imdb.reference().get("x"), x);
        Cli.Result one = Cli.run(MODEL, "--tokens-file", x.toString(), "--row", "3", "--json");
        assertEquals(0, one.exitCode(), one.err());
        JsonNode d = JSON.readTree(one.out());
        assertEquals("row 3 of x.npy", d.at("/input/origin").asText());
        assertClose(Imdb.reference().get("probs").getRow(3),
                Nd4j.createFromArray(JSON.convertValue(d.at("/prediction/probabilities"), float[].class)), ATOL, "row 3");

        Cli.Result all = Cli.run(MODEL, "--tokens-file", x.toString(), "--json", "--batch", "3");
        assertEquals(0, all.exitCode(), all.err());
        JsonNode rows = JSON.readTree(all.out()).get("rows");
        assertEquals(8, rows.size());
        for (int i = 0; i < 8; i++) {
            assertEquals(i, rows.get(i).get("row").asInt());
            assertClose(Imdb.reference().get("probs").getRow(i),
                    Nd4j.createFromArray(JSON.convertValue(rows.get(i).get("probabilities"), float[].class)), ATOL, "row " + i);
        }
    }

    @Test
    void userMistakesEndWithOneLineAndExitCode2() throws IOException {
        Path notAFolder = Files.writeString(tmp.resolve("file.txt"), "x");
        Path shortRows = tmp.resolve("short.npy");   // [3, 5]: fitting them would print a padding note
        Npy.write(Nd4j.createFromArray(new int[][]{{1, 14, 22, 16, 43}, {1, 2, 3, 4, 5}, {1, 9, 8, 7, 6}}), shortRows);
        Path png = tmp.resolve("h.png");
        String[][] cases = {
                {MODEL, "--review", "5000"},
                {MODEL, "--review", "-1"},
                {MODEL, "--text", ""},
                {MODEL, "--text", "?!..."},
                {MODEL, "--review", "0", "--data", tmp.resolve("missing").toString()},
                {MODEL, "--review", "0", "--data", notAFolder.toString()},
                {MODEL, "--review", "0", "--data", tmp.toString()},
                {MODEL, "--review", "0", "--text", "a film"},
                {MODEL},
                {MODEL, "--tokens", "1,14,x"},
                {MODEL, "--tokens", "1,14,500"},
                {MODEL, "--review", "0", "--head", "2"},
                {MODEL, "--review", "0", "--row", "1"},
                {TestData.fixtures().get(0).h5().toString(), "--review", "0"},
                {MODEL, "--review", "zero"},
                {MODEL, "--review", "0", "--heatmap", tmp.toString()},
                {MODEL, "--tokens-file", shortRows.toString(), "--row", "9"},
                {MODEL, "--tokens-file", shortRows.toString(), "--heatmap", png.toString()},
                {MODEL, "--tokens-file", shortRows.toString(), "--explain", "--heatmap", png.toString()},
                {MODEL, "--tokens-file", shortRows.toString(), "--explain", "--export", tmp.resolve("e").toString()},
                {MODEL, "--review", "0,1", "--explain", "--heatmap", png.toString()},
                {MODEL, "--review", "0,1", "--report", tmp.resolve("r.html").toString(), "--export", tmp.resolve("e").toString()},
        };
        String[] expected = {
                "error: review 5000 does not exist: the data in " + Imdb.DIR + " has 1000 reviews (0..999)",
                "error: review -1 does not exist",
                "error: --text is empty; expected a review in words",
                "error: the text \"?!...\" has no words once lower-cased and stripped of punctuation",
                "error: data folder not found: " + tmp.resolve("missing"),
                "error: data folder " + notAFolder + " is a file; expected a folder holding meta.json",
                "error: data folder " + tmp + " has no meta.json",
                "error: give one input, not 2: --review and --text",
                "error: no input given: pass one of --review N, --text",
                "error: token item 3 \"x\" is not a token id; expected integers like 1,14,22 (--tokens IDS)",
                "error: token id 500 (item 3 of tokens) is not below the model's vocabulary size 500",
                "error: head 2 does not exist: block 0 has 2 heads (0..1) (--head H)",
                "error: --row picks a row of --tokens-file",
                "error: --review needs the review files python-export/export_reviews.py writes",
                "error: Invalid value for option '--review' (N[,N...]): 'zero' is not an int",
                "error: --heatmap " + tmp + " is a folder; expected a file name such as heads.png",
                "error: --row 9 does not exist: short.npy has 3 rows (0..2)",
                "error: --heatmap draws one sequence, but short.npy holds 3; pick one with --row N",
                "error: --heatmap draws one sequence, but short.npy holds 3; pick one with --row N",
                "error: --export with several sequences streams them without --explain or --report, but short.npy holds 3",
                "error: --heatmap draws one sequence, but --review 0,1 names 2; give a single --review N",
                "error: --export with several sequences streams them without --explain or --report, but --review 0,1 names 2",
        };
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < cases.length; i++) {
            Cli.Result r = Cli.run(cases[i]);
            String args = String.join(" ", cases[i]);
            if (r.exitCode() != 2 || !r.errIsOneLine() || !r.err().startsWith(expected[i]) || !r.out().isEmpty()) {
                failures.add(args + " -> exit " + r.exitCode() + ", stderr: " + r.err() + ", stdout: " + r.out().length() + " chars");
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(Files.notExists(png) && Files.notExists(tmp.resolve("e")) && Files.notExists(tmp.resolve("r.html")), "nothing written");
    }

    @Test
    void helpAndVersion() {
        Cli.Result help = Cli.run("--help");
        assertEquals(0, help.exitCode());
        for (String option : List.of("--review", "--text", "--tokens", "--tokens-file", "--data", "--block", "--head", "--keep-padding",
                "--heatmap", "--export", "--json", "Exit codes: 0 ok, 1 internal error (a bug), 2 bad input")) {
            assertTrue(help.out().contains(option), option + " in --help");
        }
        Cli.Result version = Cli.run("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().startsWith("attention-probe "), version.out());
    }

    /** In a separate JVM, as a user runs it: stdout is the report and nothing else (no native or logging noise). */
    @Test
    void standaloneRunPrintsOnlyTheReportOnStdout() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), MODEL, "--review", "0", "--json")
                .redirectError(tmp.resolve("stderr.txt").toFile()).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the run ends");
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("stderr.txt")));
        assertEquals("", Files.readString(tmp.resolve("stderr.txt")));
        JsonNode d = JSON.readTree(stdout);   // all of stdout is one JSON document
        assertEquals("negative", d.at("/prediction/class").asText());
    }
}

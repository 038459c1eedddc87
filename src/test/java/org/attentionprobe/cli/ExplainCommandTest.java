package org.attentionprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code probe MODEL --review N --explain [--class C] [--steps N] [--baseline B] [--report FILE.html]} on the demo model. */
class ExplainCommandTest {
    static final String MODEL = Imdb.MODEL.toString();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Runs the command line and also captures what anything printed to the process's own standard output. */
    static Cli.Result runCapturingSystemOut(ByteArrayOutputStream systemOut, String... args) {
        PrintStream original = System.out;
        System.setOut(new PrintStream(systemOut, true, StandardCharsets.UTF_8));
        try {
            return Cli.run(args);
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void explainPrintsTheTopTokensOfEveryMethodAndKeepsStandardOutputClean() {
        ByteArrayOutputStream systemOut = new ByteArrayOutputStream();
        Cli.Result r = runCapturingSystemOut(systemOut, MODEL, "--review", "0", "--explain");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        assertEquals("", systemOut.toString(StandardCharsets.UTF_8), "nothing (e.g. SameDiff's 'Added differentiated op') on stdout");
        List<String> lines = r.out().lines().toList();
        int why = lines.indexOf("why \"negative\"? attributions of F = the model's probability of \"negative\" = 0.8070 (the predicted class)");
        assertTrue(why > 0, r.out());
        assertEquals("        attention (last block)    rollout                   grad × attention          integrated gradients",
                lines.get(why + 2));
        // MODEL.md: both heads attend most to "terrible" (position 150) in review 0; every method ranks it first
        assertEquals(4, lines.get(why + 3).split("terrible·150", -1).length - 1, lines.get(why + 3));
        String completeness = lines.stream().filter(l -> l.contains("completeness gap")).findFirst().orElseThrow();
        double percent = Double.parseDouble(completeness.replaceAll(".*\\(([0-9.]+)%\\)$", "$1"));
        assertTrue(percent < 1, completeness);
        assertTrue(r.out().contains("[+terrible]"), "the review is marked");
    }

    /** JSON: every method at all 200 positions; rollout recomputed from Keras's attention of review 0. */
    @Test
    void explainAsJsonGivesEveryScoreAtEveryPositionForTheChosenClass() throws Exception {
        Cli.Result r = Cli.run(MODEL, "--review", "0", "--explain", "--json", "--class", "positive", "--steps", "8");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode e = JSON.readTree(r.out()).get("explanation");
        assertEquals("positive", e.get("class").asText());
        assertEquals(1, e.get("class_index").asInt());
        assertEquals(0, e.get("predicted_class_index").asInt());
        assertEquals(Imdb.reference().get("probs").getDouble(0, 1), e.get("probability").asDouble(), 1e-5);
        assertArrayEquals(IntStream.range(132, 200).toArray(), JSON.convertValue(e.get("real_positions"), int[].class), "68 real tokens");
        for (String method : List.of("attention", "rollout", "grad_attention", "integrated_gradients")) {
            assertEquals(200, e.get("scores").get(method).size(), method);
        }
        INDArray a = Imdb.reference().get("block0_attention_weights").get(NDArrayIndex.point(0)).castTo(DataType.DOUBLE); // [H, L, L]
        INDArray rollout = a.mean(0).add(Nd4j.eye(200).castTo(DataType.DOUBLE)).div(2.0).mean(0);     // one block: (Ā + I)/2, column means
        assertClose(rollout, Nd4j.createFromArray(JSON.convertValue(e.get("scores").get("rollout"), double[].class)), 1e-6, "rollout");
        JsonNode ig = e.get("integrated_gradients");
        assertEquals(8, ig.get("steps").asInt());
        assertEquals("pad", ig.get("baseline").asText());
        double sum = 0;
        for (JsonNode v : e.get("scores").get("integrated_gradients")) {
            sum += v.asDouble();
        }
        assertEquals(ig.get("sum").asDouble(), sum, 1e-9);
        assertEquals(sum - (ig.get("f_input").asDouble() - ig.get("f_baseline").asDouble()), ig.get("completeness_gap").asDouble(), 1e-9);
    }

    @Test
    void severalReviewsGoIntoOneReport() throws Exception {
        Path html = tmp.resolve("reviews.html");
        Cli.Result r = Cli.run(MODEL, "--review", "0,6", "--report", html.toString(), "--steps", "4", "--baseline", "zeros");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("wrote " + html + ": 2 sequences"), r.err());
        assertTrue(r.out().contains("review 0: predicted negative 0.8070; true label negative"), r.out());
        assertTrue(r.out().contains("review 6: predicted negative"), "review 6 is misclassified (MODEL.md): " + r.out());
        String page = Files.readString(html);
        assertTrue(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
        assertFalse(page.contains("http://") || page.contains("https://"));
        String data = page.substring(page.indexOf("id=\"report-data\">") + 17, page.indexOf("</script>", page.indexOf("id=\"report-data\">")));
        JsonNode reviews = JSON.readTree(data).get("reviews");
        assertEquals(2, reviews.size());
        assertEquals("review 6", reviews.get(1).get("title").asText());
        assertEquals(1, reviews.get(1).get("label").asInt(), "review 6 is positive");
        assertTrue(reviews.get(0).get("notes").get(0).asText().contains("4 steps from the zeros baseline"));
    }

    @Test
    void badExplainOptionsAreOneLineErrors() {
        for (List<String> args : List.of(
                List.of("--review", "0", "--explain", "--class", "neutral"),
                List.of("--review", "0", "--explain", "--steps", "0"),
                List.of("--review", "0", "--explain", "--baseline", "mean"),
                List.of("--review", "0", "--steps", "5"),
                List.of("--review", "0,1"),
                List.of("--review", "0", "--report", tmp.toString()))) {
            String[] full = java.util.stream.Stream.concat(java.util.stream.Stream.of(MODEL), args.stream()).toArray(String[]::new);
            Cli.Result r = Cli.run(full);
            assertEquals(2, r.exitCode(), args + ": " + r.err());
            assertTrue(r.errIsOneLine(), args + ": " + r.err());
            assertEquals("", r.out(), args + " printed a report");
        }
        Cli.Result r = Cli.run(MODEL, "--review", "0", "--explain", "--class", "neutral");
        assertEquals("error: --class neutral is not a class of this model; expected an index 0..1 or one of negative, positive", r.err().strip());
    }
}

package org.attentionprobe.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The text and JSON reports of Keras's own results for test reviews 0 and 1. */
class TextReportTest {
    static final List<HeadRef> HEADS = List.of(new HeadRef(0, 0), new HeadRef(0, 1));

    private static String text(ProbeResult r) {
        StringWriter s = new StringWriter();
        TextReport.print(ProbeReport.of(Imdb.MODEL, AttentionExportTest.DEMO, r, HEADS, false), new PrintWriter(s));
        return s.toString();
    }

    @Test
    void reviewZeroShowsPredictionPaddingRunAndHowToRead() {
        String report = text(Imdb.kerasResult(0));
        float[] p = Imdb.reference().get("probs").getRow(0).toFloatVector();
        int real = (int) IntStream.of(Imdb.x(0)).filter(id -> id != 0).count();
        assertTrue(report.startsWith("model.h5 — legacy HDF5 (model.save), Keras 3.15.1; 1 block × 2 heads; vocab 500; maxlen 200"), report);
        assertTrue(report.contains(String.format(Locale.ROOT, "  predicted   negative   %.4f   (positive %.4f)%n", p[0], p[1])), report);
        assertTrue(report.contains("  true label  negative   correct"), report);
        assertTrue(report.contains(String.format("     0  <pad>×%d%n   %d  <start> ", 200 - real, 200 - real)), report);
        assertTrue(report.contains("A row is a query token; its columns are"), report);
        assertTrue(report.contains("the row sums to 1"), report);
        assertTrue(report.contains("not by itself why the class was"), report);
        assertTrue(report.contains("count the " + real + " real tokens only"), report);
        assertTrue(TextReport.listing(Imdb.kerasResult(0).sequence()).stream().allMatch(l -> l.length() <= TextReport.WIDTH),
                "the sequence wraps at " + TextReport.WIDTH);
    }

    /** Keras's review 0: both heads give the most attention to "terrible" (MODEL.md), here recomputed from the weights. */
    @Test
    void eachHeadListsTheTokenWithTheLargestMeanColumnFirst() {
        ProbeResult r = Imdb.kerasResult(0);
        String report = text(r);
        int[] real = IntStream.range(0, 200).filter(p -> Imdb.x(0)[p] != 0).toArray();
        for (int h = 0; h < 2; h++) {
            float[] w = r.head(0, h);
            int best = -1;
            double bestMean = -1;
            for (int k : real) {
                double sum = 0;
                for (int q : real) {
                    sum += w[q * 200 + k];
                }
                if (sum / real.length > bestMean) {
                    bestMean = sum / real.length;
                    best = k;
                }
            }
            assertEquals("terrible", Imdb.vocab().get(Imdb.x(0)[best]));
            String section = report.substring(report.indexOf("block 0 (transformer_block), head " + h + " —"));
            String firstRow = section.lines().skip(3).findFirst().orElseThrow();
            assertEquals(String.format(Locale.ROOT, "    %4d  %-16s  %.4f  ×%.2f", best, "terrible", bestMean, bestMean * 200), firstRow);
        }
    }

    @Test
    void aTruncatedReviewSaysHowManyTokensWereCut() {
        int raw = Imdb.reference().get("raw_lengths").getInt(1);
        String report = text(Imdb.kerasResult(1));
        assertTrue(raw > 200);
        assertTrue(report.contains("cut: the first " + (raw - 200) + " of " + raw + " tokens (Keras keeps the last 200: truncating='pre')"), report);
        assertTrue(report.contains("  200 tokens, no padding"), report);
    }

    @Test
    void jsonReportCarriesTheSameNumbers() throws Exception {
        ProbeResult r = Imdb.kerasResult(6);
        JsonNode d = new ObjectMapper().readTree(JsonReport.render(ProbeReport.of(Path.of("model.h5"), AttentionExportTest.DEMO, r, HEADS, false)));
        float[] p = Imdb.reference().get("probs").getRow(6).toFloatVector();
        int kerasClass = p[1] > p[0] ? 1 : 0;
        int label = Imdb.reference().get("y").getInt(6);
        assertEquals(Imdb.CLASSES.get(kerasClass), d.at("/prediction/class").asText());
        assertEquals(p[0], d.at("/prediction/probabilities/0").floatValue(), 0);
        assertEquals(Imdb.CLASSES.get(label), d.at("/prediction/true_class").asText());
        assertEquals(kerasClass == label, d.at("/prediction/correct").asBoolean());
        assertEquals(200, d.at("/input/tokens").size());
        assertEquals(2, d.at("/attention/heads").size());
        assertEquals(ProbeReport.TOP_KEYS, d.at("/attention/heads/1/most_attended").size());
        assertEquals(ProbeReport.KEYS_PER_QUERY, d.at("/attention/heads/0/strongest_queries/0/keys").size());
        assertEquals(0.005, d.at("/attention/uniform").asDouble(), 1e-12);
    }
}

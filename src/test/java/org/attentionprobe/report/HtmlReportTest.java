package org.attentionprobe.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTML report as a file: self-contained, offline, its data complete and safe. (In a browser: HtmlReportBrowserTest.) */
class HtmlReportTest {
    /**
     * Four positions, the first one padding. One block, one head:
     * <pre>
     * A = [[.4 .3 .2 .1] [.1 .2 .3 .4] [.25 .25 .25 .25] [.7 .1 .1 .1]]
     * shown = positions 1, 2, 3; weights among them row by row; each query's weight on padding: .1, .25, .1
     * </pre>
     */
    static HtmlReview small(String secondWord) {
        INDArray a = Nd4j.createFromArray(new double[][][]{{{.4, .3, .2, .1}, {.1, .2, .3, .4}, {.25, .25, .25, .25}, {.7, .1, .1, .1}}});
        return new HtmlReview("review 7", List.of("<pad>", "a", secondWord, "film"), new boolean[]{false, true, true, true},
                List.of("negative", "positive"), new double[]{0.25, 0.75}, 1, OptionalInt.of(1), OptionalInt.of(0),
                List.of(new TokenScores("integrated gradients", "IG", true, new double[]{0, 0.123456, -0.5, 1e-7})),
                List.of(a), List.of("a note"));
    }

    static JsonNode data(String html) throws Exception {
        String open = "<script type=\"application/json\" id=\"report-data\">";
        int start = html.indexOf(open) + open.length();
        return new ObjectMapper().readTree(html.substring(start, html.indexOf("</script>", start)));
    }

    @Test
    void noAddressOfAnyServerAppearsAndAPolicyForbidsRequests() {
        String template = HtmlReport.resource("report.js") + HtmlReport.resource("report.css");
        for (String forbidden : List.of("http:", "https:", "//cdn", "url(", "@import", "fetch(", "xmlhttprequest", "websocket", ".src")) {
            assertFalse(template.toLowerCase(Locale.ROOT).contains(forbidden), "the page's script and style contain " + forbidden);
        }
        String html = HtmlReport.render("report", List.of("about"), List.of(small("great")));
        assertFalse(html.contains("http://") || html.contains("https://"), "the report names no server");
        assertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "), "a policy forbids requests");
        assertEquals(2, html.split("<script", -1).length - 1, "two inline scripts (data and code), nothing loaded");
        assertFalse(html.contains("<link") || html.contains("<img") || html.contains("<iframe"), "nothing to load");
    }

    @Test
    void onlyRealTokensAreEmbeddedWithTheirShareOnPadding() throws Exception {
        JsonNode r = data(HtmlReport.render("report", List.of(), List.of(small("great")))).get("reviews").get(0);
        assertEquals("[\"a\",\"great\",\"film\"]", r.get("words").toString());
        assertEquals("[1,2,3]", r.get("positions").toString());
        assertEquals(4, r.get("length").asInt());
        assertEquals(1, r.get("predicted").asInt());
        assertEquals(1, r.get("explained").asInt());
        assertEquals(0, r.get("label").asInt());
        assertEquals("[0.1235,-0.5,1.0E-7]", r.get("methods").get(0).get("values").toString(), "4 significant digits");
        JsonNode block = r.get("blocks").get(0);
        assertEquals(1, block.get("heads").asInt());
        assertEquals("[0.2,0.3,0.4,0.25,0.25,0.25,0.1,0.1,0.1]", block.get("weights").get(0).toString());
        assertEquals("[0.1,0.25,0.7]", block.get("hidden").get(0).toString());
    }

    @Test
    void markupInAWordStaysText() throws Exception {
        String word = "</script><script>alert(1)</script>&amp;";
        String html = HtmlReport.render("<b>title</b>", List.of(), List.of(small(word)));
        assertFalse(html.contains("<script>alert"), "the word cannot end the data script");
        assertTrue(html.contains("<title>&lt;b&gt;title&lt;/b&gt;</title>"));
        assertEquals(word, data(html).get("reviews").get(0).get("words").get(1).asText(), "the word survives as data");
    }

    /** 200 real tokens, 2 heads, 2 blocks: the embedded weights are rounded and the file stays small. */
    @Test
    void aFullLengthReviewStaysUnderTwoMegabytes() {
        int length = 200;
        Random random = new Random(1);
        List<INDArray> blocks = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            INDArray a = Nd4j.rand(new long[]{2, length, length});
            blocks.add(a.divi(a.sum(true, 2)));
        }
        List<String> words = new ArrayList<>();
        double[] scores = new double[length];
        for (int i = 0; i < length; i++) {
            words.add("word" + i);
            scores[i] = random.nextGaussian();
        }
        boolean[] real = new boolean[length];
        java.util.Arrays.fill(real, true);
        HtmlReview r = new HtmlReview("review", words, real, List.of("n", "p"), new double[]{.5, .5}, 0, OptionalInt.of(0),
                OptionalInt.empty(), List.of(new TokenScores("x", "x", true, scores)), blocks, List.of());
        int size = HtmlReport.render("report", List.of(), List.of(r)).length();
        assertTrue(size < 2_000_000, "report of " + size + " characters");
        assertTrue(size > 160_000 * 4, "every weight is embedded (" + size + " characters)");
    }

    @Test
    void dataThatDoesNotFitIsRefused() {
        INDArray a = Nd4j.zeros(1, 3, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HtmlReview("r", List.of("a", "b"),
                new boolean[]{true, true}, List.of("n", "p"), new double[]{.5, .5}, 0, OptionalInt.empty(), OptionalInt.empty(),
                List.of(), List.of(a), List.of()));
        assertEquals("report data: attention of shape [1, 3, 3], expected [H, 2, 2]", e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> HtmlReport.render("r", List.of(), List.of()));
        assertEquals("report data: expected at least one sequence to report, got none", none.getMessage());
    }
}

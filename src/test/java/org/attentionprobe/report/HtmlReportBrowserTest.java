package org.attentionprobe.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.explain.Attributions;
import org.attentionprobe.explain.ExplainOptions;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.testing.HeadlessChromium;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The report of two explained demo reviews in Debian's headless Chromium: it loads with no console message, no
 * log entry, no exception and no network request (besides the file itself), draws itself ({@code data-status="ok"})
 * and shows the predicted class and the review's words. The screenshot is kept as a build artefact:
 * {@code target/report-screenshot.png}. Skipped where Chromium is not installed ({@code .ci/run} installs it).
 */
@org.junit.jupiter.api.Tag("slow")
class HtmlReportBrowserTest {
    static final Path SCREENSHOT = Path.of("target", "report-screenshot.png");

    @Test
    void loadsOfflineWithoutErrorsAndShowsThePredictionAndTheTokens(@TempDir Path tmp) throws Exception {
        Path chromium = HeadlessChromium.executable().orElse(null);
        assumeTrue(chromium != null, "Chromium is not installed (apt-get install chromium)");

        List<String> vocab = Arrays.asList(new ObjectMapper().readValue(TestData.IMDB.resolve("vocab.json").toFile(), String[].class));
        int[][] reviews = TestData.fixture("imdb-transformer").reference().get("x").castTo(DataType.INT32).toIntMatrix();
        List<HtmlReview> sections = new ArrayList<>();
        try (TransformerModel model = TransformerModel.open(TestData.IMDB.resolve("model.h5"));
             Attributions attributions = Attributions.of(model)) {
            for (int r = 0; r < 2; r++) {
                Explanation e = attributions.explain(reviews[r], OptionalInt.empty(), ExplainOptions.defaults().withSteps(8));
                List<String> words = Arrays.stream(reviews[r]).mapToObj(vocab::get).toList();
                sections.add(HtmlReview.of("review " + r, e, words, List.of("negative", "positive"), OptionalInt.empty()));
            }
        }
        Path html = tmp.resolve("report.html");
        HtmlReport.write(html, "attention-probe report: imdb-transformer", List.of("model.h5, 1 block, 2 heads"), sections);

        HeadlessChromium.Page page;
        try (HeadlessChromium browser = HeadlessChromium.start(chromium, tmp.resolve("profile"))) {
            page = browser.load(html, SCREENSHOT, 1280, 2000, List.of(
                    // click "terrible" among the queries of review 0's head view: the readout names it
                    "const left = document.querySelector('#review-0 .headview .left');"
                            + "Array.from(left.children).find(d => d.textContent === 'terrible').click();"
                            + "document.querySelector('#review-0 .readout').textContent",
                    // choose review 1: its section shows, review 0's hides
                    "const s = document.querySelector('.review-select'); s.value = '1'; s.dispatchEvent(new Event('change'));"
                            + "[document.getElementById('review-0').hidden, document.getElementById('review-1').hidden].join()",
                    // choose head 1 in review 1: the head view redraws without error
                    "const h = document.querySelector('#review-1 .head-select'); h.value = '1'; h.dispatchEvent(new Event('change'));"
                            + "document.body.getAttribute('data-errors')"));
        }
        String self = html.toAbsolutePath().toUri().toString();
        assertEquals(List.of(), page.requests().stream().filter(u -> !u.equals(self)).toList(), "network requests");
        assertEquals(List.of(), page.exceptions(), "uncaught exceptions");
        assertEquals(List.of(), page.consoleMessages(), "console messages");
        assertEquals(List.of(), page.logEntries(), "log entries");
        assertEquals("ok", page.bodyAttributes().get("data-status"), "the page drew itself: " + page.text());
        assertEquals("0", page.bodyAttributes().get("data-errors"));
        assertEquals("0", page.bodyAttributes().get("data-violations"));
        assertTrue(page.text().contains("Predicted: negative"), "the prediction of review 0 is shown");
        assertTrue(page.text().contains("terrible"), "the words of review 0 are shown");
        assertTrue(page.text().contains("integrated gradients"), "the methods are named");
        assertTrue(Files.size(SCREENSHOT) > 10_000, "a screenshot was saved");
        assertTrue(page.results().get(0).startsWith("\"terrible\" (position"), "clicking a query shows where it attends: " + page.results().get(0));
        assertEquals("true,false", page.results().get(1), "the review selector shows the chosen review only");
        assertEquals("0", page.results().get(2), "switching heads raised no error");
    }
}

package org.attentionprobe.docs;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.explain.Attributions;
import org.attentionprobe.explain.Baseline;
import org.attentionprobe.explain.ExplainOptions;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.report.HtmlReport;
import org.attentionprobe.report.HtmlReview;
import org.attentionprobe.testing.Imdb;
import org.attentionprobe.testing.ReadmeSnippets;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's "Beyond attention" Java snippet is this test's code, verbatim, and it runs. */
class ExplainReadmeExampleTest {
    private static final Path SOURCE = Path.of("src/test/java/org/attentionprobe/docs/ExplainReadmeExampleTest.java");
    private static final String SECTION = "## Beyond attention: --explain and --report";

    static void snippet() {
        // README-begin
        try (TransformerModel model = TransformerModel.open(Path.of("testdata/imdb-transformer/model.h5"));
             Attributions attributions = Attributions.of(model)) {             // builds the gradient graph once
            ProbeResult review = AttentionProbe.of(model, ReviewFolder.open(Path.of("testdata/imdb-transformer"))).review(0);
            Explanation e = attributions.explain(review.sequence().ids());    // [L] ids; predicted class, 50 steps, pad baseline
            System.out.printf("F = p(%s) = %.4f%n", review.classNames().get(e.explainedClass()), e.probability());
            double[] ig = e.integratedGradients();                             // [L]; also rollout(), gradAttention(), attentionReceived()
            int top = IntStream.range(0, ig.length).reduce((a, b) -> ig[a] >= ig[b] ? a : b).orElseThrow();
            System.out.printf("%s %.4f, completeness gap %.4f%n", review.sequence().words()[top], ig[top], e.completenessGap());
            Explanation positive = attributions.explain(review.sequence().ids(), OptionalInt.of(1),
                    ExplainOptions.defaults().withSteps(20).withBaseline(Baseline.ZEROS));
            System.out.printf("p(positive) = %.4f%n", positive.probability());
            HtmlReport.write(Path.of("target/review0.html"), "review 0", List.of(), List.of(HtmlReview.of("review 0", e,
                    List.of(review.sequence().words()), review.classNames(), review.label())));
        }
        // README-end
    }

    @Test
    void theSnippetRunsAndPrintsTheExplanationOfReviewZero() throws IOException {
        Files.deleteIfExists(Path.of("target/review0.html"));
        List<String> lines = ReadmeSnippets.stdoutOf(() -> snippet());
        double p0 = Imdb.reference().get("probs").getDouble(0, 0);
        double p1 = Imdb.reference().get("probs").getDouble(0, 1);
        assertEquals(String.format(Locale.ROOT, "F = p(negative) = %.4f", p0), lines.get(0), "Keras: review 0 is negative");
        assertTrue(lines.get(1).startsWith("terrible "), "integrated gradients put \"terrible\" first: " + lines);
        assertEquals(String.format(Locale.ROOT, "p(positive) = %.4f", p1), lines.get(2));
        assertEquals(3, lines.size(), "nothing else on stdout (SameDiff's gradient messages are kept off it): " + lines);
        assertTrue(Files.size(Path.of("target/review0.html")) > 10_000);
    }

    @Test
    void theReadmeShowsTheSnippetVerbatim() throws IOException {
        ReadmeSnippets.assertDocShows(Path.of("docs/explanations.md"), SOURCE, SECTION);
    }
}

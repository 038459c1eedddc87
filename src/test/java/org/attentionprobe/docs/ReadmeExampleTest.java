package org.attentionprobe.docs;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.HeadReading;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.testing.Imdb;
import org.attentionprobe.testing.ReadmeSnippets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's Java API snippet is this test's code, verbatim, and it runs. */
class ReadmeExampleTest {
    private static final Path SOURCE = Path.of("src/test/java/org/attentionprobe/docs/ReadmeExampleTest.java");

    /** The snippet (from README-begin to README-end), run from the repository root as the README says. */
    static void snippet() {
        // README-begin
        try (TransformerModel model = TransformerModel.open(Path.of("testdata/imdb-transformer/model.h5"))) {
            AttentionProbe probe = AttentionProbe.of(model, ReviewFolder.open(Path.of("testdata/imdb-transformer")));
            ProbeResult review = probe.review(0);             // or probe.text("..."), probe.tokens(1, 14, 22)
            System.out.println(review.predictedClassName() + " " + Arrays.toString(review.probabilities()));
            INDArray attention = review.attention(0);         // block 0: [heads, L, L], rows = query, columns = key
            System.out.println("block 0 attention " + Arrays.toString(attention.shape()));
            HeadReading head = HeadReading.of(review, new HeadRef(0, 1), false);   // real tokens only
            for (HeadReading.KeyWeight key : head.mostAttended(3)) {
                System.out.printf("%s at %d: %.4f (×%.2f uniform)%n", key.word(), key.position(), key.weight(), key.vsUniform());
            }
        }
        // README-end
    }

    @Test
    void theSnippetRunsAndPrintsKerasPrediction() {
        List<String> lines = ReadmeSnippets.stdoutOf(() -> snippet());
        int kerasClass = Imdb.reference().get("probs").getRow(0).argMax().getInt(0);
        assertTrue(lines.get(0).startsWith(Imdb.CLASSES.get(kerasClass) + " ["), lines.get(0));
        assertEquals("block 0 attention [2, 200, 200]", lines.get(1));
        assertTrue(lines.get(2).startsWith("terrible at 150: "), "MODEL.md: both heads attend most to \"terrible\" in review 0: " + lines);
        assertEquals(5, lines.size());
    }

    @Test
    void theReadmeShowsTheSnippetVerbatim() throws IOException {
        ReadmeSnippets.assertReadmeShows(SOURCE, "## Java API");
    }
}

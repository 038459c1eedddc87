package org.attentionprobe.docs;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.Corpus;
import org.attentionprobe.probe.CorpusRun;
import org.attentionprobe.probe.CorpusTally;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.testing.Imdb;
import org.attentionprobe.testing.ReadmeSnippets;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's corpus snippet is this test's code, verbatim, and it prints what the single-review path says. */
class CorpusReadmeExampleTest {
    private static final Path SOURCE = Path.of("src/test/java/org/attentionprobe/docs/CorpusReadmeExampleTest.java");

    static void snippet() {
        // README-begin
        try (TransformerModel model = TransformerModel.open(Path.of("testdata/imdb-transformer/model.h5"))) {
            ReviewFolder data = ReviewFolder.open(Path.of("testdata/imdb-transformer"));
            AttentionProbe probe = AttentionProbe.of(model, data);
            List<HeadRef> heads = HeadRef.select(model.summary(), null, null);            // every head
            CorpusTally tally = CorpusTally.of(probe, heads);
            CorpusRun.Options options = CorpusRun.Options.defaults(heads).withThreads(2);  // batch 8, top 5 keys
            CorpusRun.run(model, probe, Corpus.reviews(data.reviews(), 0, 99), options, summary -> {
                tally.add(summary);                            // in corpus order, on this thread
                if (summary.id() == 0) {
                    System.out.println(summary.heads().get(1).top().get(0).word() + " " + summary.heads().get(1).entropy());
                }
            }, done -> { });
            System.out.printf("accuracy %.2f, most attended by head 1: %s%n", tally.accuracy(),
                    tally.mostAttendedWords(1, 1).get(0).word());
        }
        // README-end
    }

    @Test
    void theSnippetRunsAndAgreesWithTheSingleReviewPath() {
        List<String> lines = ReadmeSnippets.stdoutOf(() -> snippet());
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("terrible", lines.get(0).split(" ")[0], "MODEL.md: both heads attend most to \"terrible\" in review 0");
        double entropy = Double.parseDouble(lines.get(0).split(" ")[1]);
        assertEquals(true, entropy > 0 && entropy <= Math.log(200), "between 0 and ln L: " + entropy);
        long correct;
        try (TransformerModel model = TransformerModel.open(Imdb.MODEL)) {
            AttentionProbe probe = AttentionProbe.of(model, ReviewFolder.open(Imdb.DIR));
            List<ProbeResult> single = probe.run(IntStream.range(0, 100).mapToObj(probe::reviewInput).toList());
            correct = single.stream().filter(r -> r.label().getAsInt() == r.predictedClass()).count();
        }
        assertEquals(String.format(Locale.ROOT, "accuracy %.2f", correct / 100.0), lines.get(1).substring(0, "accuracy 0.00".length()));
    }

    @Test
    void theReadmeShowsTheSnippetVerbatim() throws IOException {
        ReadmeSnippets.assertDocShows(Path.of("docs/corpus.md"), SOURCE, "## The corpus in Java");
    }
}

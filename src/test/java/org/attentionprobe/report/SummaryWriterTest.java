package org.attentionprobe.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ReviewSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summary file's two layouts, field by field, and that it appears only when complete. */
class SummaryWriterTest {
    private static final List<String> CLASSES = List.of("neg", "pos");
    private static final List<HeadRef> HEADS = List.of(new HeadRef(0, 0), new HeadRef(1, 2));

    @TempDir
    Path tmp;

    /** Review 7 (labelled pos, predicted pos) and row 8 (no label, one real token, no entropy on the second head). */
    private static List<ReviewSummary> summaries() {
        ReviewSummary.HeadSummary a = new ReviewSummary.HeadSummary(HEADS.get(0),
                List.of(new KeyWeight(4, "a,\"b", 0.5, 1.5), new KeyWeight(2, "c", 0.25, 0.75)), 1.5, new int[]{9, 8}, new double[]{0.5, 0.25});
        ReviewSummary.HeadSummary b = new ReviewSummary.HeadSummary(HEADS.get(1), List.of(new KeyWeight(1, "d", 0.125, 0.375)),
                0.75, new int[]{9}, new double[]{0.125});
        ReviewSummary.HeadSummary c = new ReviewSummary.HeadSummary(HEADS.get(1), List.of(), Double.NaN, new int[0], new double[0]);
        return List.of(new ReviewSummary(7, "review 7", OptionalInt.of(1), new float[]{0.25f, 0.75f}, 3, List.of(a, b)),
                new ReviewSummary(8, "row 8 of x.npy", OptionalInt.empty(), new float[]{0.625f, 0.375f}, 1, List.of(b, c)));
    }

    private Path write(String name, int top) {
        Path file = tmp.resolve("out").resolve(name);
        try (SummaryWriter w = SummaryWriter.open(file, new SummaryWriter.Columns(CLASSES, HEADS, top))) {
            summaries().forEach(w::write);
            assertEquals(2, w.rows());
            w.commit();
        }
        return file;
    }

    @Test
    void jsonLinesHoldOneObjectPerSequenceWithEveryField() throws IOException {
        List<String> lines = Files.readAllLines(write("s.jsonl", 2));
        assertEquals(2, lines.size());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode r = mapper.readTree(lines.get(0));
        assertEquals(7, r.get("id").asInt());
        assertEquals("review 7", r.get("origin").asText());
        assertEquals("pos", r.get("label").asText());
        assertEquals("pos", r.get("predicted").asText());
        assertTrue(r.get("correct").asBoolean());
        assertEquals(0.25, r.get("probabilities").get("neg").asDouble(), 0);
        assertEquals(0.75, r.get("probabilities").get("pos").asDouble(), 0);
        assertEquals(3, r.get("real_tokens").asInt());
        JsonNode h = r.get("heads");
        assertEquals(2, h.size());
        assertEquals(1, h.get(1).get("block").asInt());
        assertEquals(2, h.get(1).get("head").asInt());
        assertEquals(1.5, h.get(0).get("entropy").asDouble(), 0);
        JsonNode top = h.get(0).get("top");
        assertEquals(2, top.size());
        assertEquals("a,\"b", top.get(0).get("word").asText());
        assertEquals(4, top.get(0).get("position").asInt());
        assertEquals(0.5, top.get(0).get("weight").asDouble(), 0);

        JsonNode row = mapper.readTree(lines.get(1));
        assertTrue(row.get("label").isNull(), "no label");
        assertTrue(row.get("correct").isNull());
        assertEquals("neg", row.get("predicted").asText());
        assertTrue(row.get("heads").get(1).get("entropy").isNull(), "NaN is written as null");
        assertEquals(0, row.get("heads").get(1).get("top").size());
    }

    @Test
    void csvHasOneColumnPerFieldAndEmptyCellsForWhatIsMissing() throws IOException {
        List<String> lines = Files.readAllLines(write("s.csv", 2));
        assertEquals(3, lines.size(), "header and 2 rows");
        assertEquals("id,origin,label,predicted,correct,p_neg,p_pos,real_tokens,"
                + "b0h0_entropy,b0h0_top1_word,b0h0_top1_position,b0h0_top1_weight,b0h0_top2_word,b0h0_top2_position,b0h0_top2_weight,"
                + "b1h2_entropy,b1h2_top1_word,b1h2_top1_position,b1h2_top1_weight,b1h2_top2_word,b1h2_top2_position,b1h2_top2_weight",
                lines.get(0));
        assertEquals("7,review 7,pos,pos,true,0.25,0.75,3,1.5,\"a,\"\"b\",4,0.5,c,2,0.25,0.75,d,1,0.125,,,", lines.get(1));
        assertEquals("8,row 8 of x.npy,,neg,,0.625,0.375,1,0.75,d,1,0.125,,,,,,,,,,", lines.get(2));
    }

    @Test
    void theFileAppearsOnlyOnCommitAndNoTemporaryFileStays() throws IOException {
        Path file = tmp.resolve("s.jsonl");
        try (SummaryWriter w = SummaryWriter.open(file, new SummaryWriter.Columns(CLASSES, HEADS, 2))) {
            w.write(summaries().get(0));
            try (Stream<Path> files = Files.list(tmp)) {
                assertEquals(1, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "written under a temporary name");
            }
            // no commit: an error half-way
        }
        assertFalse(Files.exists(file));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(0, files.count(), "the temporary file is gone");
        }
        write("s.jsonl", 2);
        try (Stream<Path> files = Files.list(tmp.resolve("out"))) {
            assertEquals(List.of("s.jsonl"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void theExtensionChoosesTheFormatAndAnyOtherIsAnInputError() {
        assertEquals(SummaryWriter.Format.JSONL, SummaryWriter.Format.of(Path.of("a/b.JSONL")));
        assertEquals(SummaryWriter.Format.CSV, SummaryWriter.Format.of(Path.of("b.csv")));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SummaryWriter.Format.of(Path.of("b.json")));
        assertEquals("summary file b.json: expected a file name ending in .jsonl (JSON Lines) or .csv", e.getMessage());
    }
}

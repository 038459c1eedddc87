package org.attentionprobe.probe;

import org.attentionprobe.data.ProbeInput;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.attentionprobe.testing.Imdb.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java API on the demo model: reviews, texts and ids in; Keras's numbers, words and class names out. */
class AttentionProbeTest {
    static final double ATOL = 1e-5;
    static TransformerModel model;
    static AttentionProbe probe;

    @BeforeAll
    static void open() {
        model = TransformerModel.open(Imdb.MODEL);
        probe = AttentionProbe.of(model, ReviewFolder.open(Imdb.DIR));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void reviewZeroMatchesKerasProbabilitiesAttentionAndLabels() {
        ProbeResult r = probe.review(0);
        var ref = Imdb.reference();
        assertEquals(2, r.probabilities().length);
        assertClose(ref.get("probs").getRow(0), Nd4j.createFromArray(r.probabilities()), ATOL, "probabilities of review 0");
        assertArrayEquals(new long[]{2, 200, 200}, r.attention(0).shape());
        assertClose(ref.get("block0_attention_weights").get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()),
                r.attention(0), ATOL, "block 0 attention of review 0");
        int kerasClass = ref.get("probs").getRow(0).argMax().getInt(0);
        assertEquals(Imdb.CLASSES.get(kerasClass), r.predictedClassName());
        assertEquals(Imdb.CLASSES.get(ref.get("y").getInt(0)), r.trueClassName().orElseThrow());
        TokenSequence s = r.sequence();
        int real = (int) IntStream.of(Imdb.x(0)).filter(id -> id != 0).count();
        assertEquals(real, s.realCount());
        assertEquals(200 - real, s.paddingCount());
        assertEquals("<pad>", s.words()[0]);
        assertEquals("<start>", s.words()[200 - real]);
        assertEquals(0, s.cut());
    }

    @Test
    void eightReviewsInRunsOfThreeMatchKerasWithLabelsAndCuts() {
        List<ProbeInput> inputs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inputs.add(probe.reviewInput(i));
        }
        List<ProbeResult> results = probe.run(inputs, 3);   // runs of 3, 3 and 2
        var ref = Imdb.reference();
        for (int i = 0; i < 8; i++) {
            ProbeResult r = results.get(i);
            assertClose(ref.get("probs").getRow(i), Nd4j.createFromArray(r.probabilities()), ATOL, "probabilities of review " + i);
            assertEquals(ref.get("probs").getRow(i).argMax().getInt(0), r.predictedClass(), "class of review " + i);
            assertEquals(ref.get("y").getInt(i), r.label().getAsInt());
            assertEquals(ref.get("raw_lengths").getInt(i) - Math.min(200, ref.get("raw_lengths").getInt(i)), r.sequence().cut(),
                    "tokens cut from review " + i);
        }
    }

    @Test
    void aTextGivesTheSameResultAsItsIdsTypedByHand() {
        ProbeResult fromText = probe.text("This movie was great, really GREAT!");
        int[] ids = {1, id("this"), id("movie"), id("was"), id("great"), id("really"), id("great")};
        ProbeResult fromIds = probe.tokens(ids);
        int[] padded = new int[200];
        System.arraycopy(ids, 0, padded, 200 - ids.length, ids.length);
        assertArrayEquals(padded, fromText.sequence().ids());
        assertClose(Nd4j.createFromArray(fromIds.probabilities()), Nd4j.createFromArray(fromText.probabilities()), 0, "same ids, same run");
        assertEquals("text", fromText.sequence().origin());
        assertTrue(fromText.label().isEmpty());
    }

    @Test
    void aLongTextIsCutFromTheFrontAndUnknownWordsAreCounted() {
        String text = "zorglub " + String.join(" ", java.util.Collections.nCopies(230, "good"));
        TokenSequence s = probe.text(text).sequence();
        assertEquals(200, s.realCount());
        assertEquals(232 - 200, s.cut(), "start id + 231 words, 200 kept");
        assertEquals(List.of("zorglub"), s.unknownWords());
        assertEquals(0, s.oovCount(), "the unknown word was cut with the front of the text");
        assertEquals("good", s.words()[0]);
    }

    @Test
    void idsOutsideTheVocabularyAreErrorsNamingTheirPlace() {
        var e = assertThrows(InvalidInputException.class, () -> probe.tokens(1, 14, 500));
        assertEquals("token id 500 (item 3 of tokens) is not below the model's vocabulary size 500; expected ids in [0, 500)", e.getMessage());
        var neg = assertThrows(InvalidInputException.class, () -> probe.tokens(1, -4));
        assertTrue(neg.getMessage().startsWith("token id -4 (item 2 of tokens) is negative"), neg.getMessage());
    }

    @Test
    void withoutReviewFilesIdsStillWorkButTextDoesNot() {
        AttentionProbe bare = AttentionProbe.of(model);
        ProbeResult r = bare.tokens(1, 14, 20);
        assertEquals(List.of("class 0", "class 1"), r.classNames());
        assertEquals("#14", r.sequence().words()[198]);
        assertEquals("<pad>", r.sequence().words()[0]);
        var text = assertThrows(InvalidInputException.class, () -> bare.text("a film"));
        assertTrue(text.getMessage().startsWith("a text needs the model's vocabulary: vocab.json and meta.json"), text.getMessage());
        var review = assertThrows(InvalidInputException.class, () -> bare.review(0));
        assertTrue(review.getMessage().startsWith("no reviews: expected the files python-export/export_reviews.py writes"), review.getMessage());
    }

    @Test
    void dataNamingAnotherNumberOfClassesIsRefused(@TempDir Path tmp) throws IOException {
        String meta = Files.readString(Imdb.DIR.resolve("meta.json")).replace("\"positive\"", "\"positive\", \"neutral\"");
        Files.writeString(tmp.resolve("meta.json"), meta);
        Files.copy(Imdb.DIR.resolve("vocab.json"), tmp.resolve("vocab.json"));
        var e = assertThrows(InvalidInputException.class, () -> AttentionProbe.of(model, ReviewFolder.open(tmp)));
        assertTrue(e.getMessage().endsWith("names 3 classes [negative, positive, neutral] but the model outputs 2; the data belongs to another model"),
                e.getMessage());
    }
}

package org.attentionprobe.data;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.Npy;
import org.attentionprobe.testing.Imdb;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The review files python-export writes, read beside the model or from a folder the user names. */
class ReviewFolderTest {
    @TempDir
    Path tmp;

    @Test
    void demoFolderHoldsTheKerasReferenceReviewsWithLabelsAndLengths() {
        ReviewFolder data = ReviewFolder.open(Imdb.DIR);
        assertEquals(Imdb.CLASSES, data.meta().classes());
        assertEquals(500, data.vocabulary().size());
        assertEquals(1000, data.reviews().size());
        var ref = Imdb.reference();
        for (int i = 0; i < 8; i++) {
            ProbeInput review = data.reviews().get(i);
            assertEquals("review " + i, review.origin());
            assertArrayEquals(Imdb.x(i), review.ids(), "review " + i + " is reference x[" + i + "]");
            assertEquals(ref.get("y").getInt(i), review.label().getAsInt(), "label of review " + i);
            assertEquals(ref.get("raw_lengths").getInt(i), review.originalLength(), "length before truncation of review " + i);
        }
    }

    @Test
    void aModelFindsTheReviewsBesideItButNotElsewhere() {
        assertTrue(ReviewFolder.besideModel(Imdb.MODEL).isPresent());
        assertFalse(ReviewFolder.besideModel(TestData.fixtures().get(0).h5()).isPresent());
    }

    @Test
    void aReviewOutsideTheDataNamesTheRange() {
        ReviewSet reviews = ReviewFolder.open(Imdb.DIR).reviews();
        assertMessage("review 1200 does not exist: the data in " + Imdb.DIR + " has 1000 reviews (0..999)", () -> reviews.get(1200));
        assertMessage("review -1 does not exist", () -> reviews.get(-1));
    }

    @Test
    void unusableFoldersAreOneLineErrors() throws IOException {
        assertMessage("data folder not found: " + tmp.resolve("missing"), () -> ReviewFolder.open(tmp.resolve("missing")));
        assertMessage("is a file; expected a folder holding meta.json", () -> ReviewFolder.open(Imdb.MODEL));
        assertMessage("has no meta.json; expected the files python-export/export_reviews.py writes", () -> ReviewFolder.open(tmp));

        Path broken = copyOfDemo("broken");
        Files.writeString(broken.resolve("meta.json"), "{\"format\": \"attention-probe-reviews/1\", \"classes\": [");
        assertMessage("meta.json is not valid JSON (line 1", () -> ReviewFolder.open(broken));

        Files.writeString(broken.resolve("meta.json"), "{\"format\": \"something-else\"}");
        assertMessage("meta.json has format \"something-else\", expected \"attention-probe-reviews/1\"", () -> ReviewFolder.open(broken));

        Files.writeString(broken.resolve("meta.json"), "{\"format\": \"attention-probe-reviews/1\", \"classes\": [\"a\", \"b\"]}");
        assertMessage("meta.json lacks maxlen, vocab_size, index_from, start_id, oov_id, pad_id", () -> ReviewFolder.open(broken));

        Path noVocab = copyOfDemo("no-vocab");
        Files.delete(noVocab.resolve("vocab.json"));
        assertMessage("has no vocab.json", () -> ReviewFolder.open(noVocab));

        Path noReviews = copyOfDemo("no-reviews");
        Files.delete(noReviews.resolve("reviews.npy"));
        ReviewFolder folder = ReviewFolder.open(noReviews);   // a text still works without reviews
        assertMessage("no reviews.npy in " + noReviews, folder::reviews);

        Path shortLabels = copyOfDemo("short-labels");
        Npy.write(Nd4j.createFromArray(new int[]{0, 1, 1}), shortLabels.resolve("labels.npy"));
        assertMessage("labels.npy has 3 entries but reviews.npy has 1000 reviews", () -> ReviewFolder.open(shortLabels).reviews());
    }

    private Path copyOfDemo(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String f : List.of("meta.json", "vocab.json", "reviews.npy", "labels.npy", "lengths.npy")) {
            Files.copy(Imdb.DIR.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }

    private static void assertMessage(String expected, Executable action) {
        InvalidInputException e = assertThrows(InvalidInputException.class, action);
        assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    }
}

package org.attentionprobe.data;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.NativeArrays;
import org.attentionprobe.io.Npy;
import org.attentionprobe.keras.FilePreflight;
import org.attentionprobe.io.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The stored reviews of a review folder: {@code reviews.npy} int {@code [N, maxlen]} (already padded and
 * truncated 'pre'), and when present {@code labels.npy} {@code [N]} (class index) and {@code lengths.npy}
 * {@code [N]} (tokens per review before truncation).
 */
public final class ReviewSet {
    private final Path dir;
    private final int[][] reviews;   // [N][maxlen]
    private final int[] labels;      // [N], or null without labels.npy
    private final int[] lengths;     // [N], or null without lengths.npy
    private final int padId;

    private ReviewSet(Path dir, int[][] reviews, int[] labels, int[] lengths, int padId) {
        this.dir = dir;
        this.reviews = reviews;
        this.labels = labels;
        this.lengths = lengths;
        this.padId = padId;
    }

    /** Reads the review arrays of a folder whose meta.json was read already. */
    static ReviewSet load(Path dir, ReviewMeta meta) {
        Path reviewsFile = dir.resolve("reviews.npy");
        if (!Files.exists(reviewsFile)) {
            throw new InvalidInputException("no reviews.npy in " + dir + "; expected the reviews python-export/export_reviews.py writes");
        }
        int[][] reviews = NativeArrays.intRows(readInts(reviewsFile, 2));
        int n = reviews.length;
        int[] labels = readOptionalVector(dir.resolve("labels.npy"), n);
        int[] lengths = readOptionalVector(dir.resolve("lengths.npy"), n);
        if (labels != null) {
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0 || labels[i] >= meta.classes().size()) {
                    throw new InvalidInputException(dir.resolve("labels.npy") + " gives review " + i + " the label " + labels[i]
                            + "; expected a class index in [0, " + meta.classes().size() + ") (meta.json names " + meta.classes() + ")");
                }
            }
        }
        return new ReviewSet(dir, reviews, labels, lengths, meta.padId());
    }

    /** The folder the reviews were read from. */
    public Path dir() {
        return dir;
    }

    /** How many reviews there are. */
    public int size() {
        return reviews.length;
    }

    /** Whether labels.npy was there. */
    public boolean hasLabels() {
        return labels != null;
    }

    /** Review {@code index} (0-based), with its label and length before truncation when known. */
    public ProbeInput get(int index) {
        if (index < 0 || index >= reviews.length) {
            throw new InvalidInputException("review " + index + " does not exist: the data in " + dir + " has " + reviews.length
                    + (reviews.length == 1 ? " review (0)" : " reviews (0.." + (reviews.length - 1) + ")"));
        }
        int[] row = reviews[index];
        int real = 0;
        for (int id : row) {
            real += id == padId ? 0 : 1;
        }
        int original = lengths == null ? real : Math.max(real, lengths[index]);
        OptionalInt label = labels == null ? OptionalInt.empty() : OptionalInt.of(labels[index]);
        return new ProbeInput("review " + index, row, label, original, java.util.List.of());
    }

    private static int[] readOptionalVector(Path file, int n) {
        if (!Files.exists(file)) {
            return null;
        }
        INDArray a = readInts(file, 1);
        if (a.length() != n) {
            throw new InvalidInputException(file + " has " + a.length() + " entries but reviews.npy has " + n + " reviews");
        }
        return a.toIntVector();
    }

    /** An integer array of the given rank, as int32. */
    private static INDArray readInts(Path file, int rank) {
        FilePreflight.requireReadableFile(file, file.getFileName().toString());
        INDArray a = Npy.read(file);
        if (a.rank() != rank || a.length() == 0) {
            throw new InvalidInputException(file + " has shape " + Shapes.format(a.shape()) + "; expected "
                    + (rank == 2 ? "token ids [reviews, maxlen]" : "one int per review [reviews]"));
        }
        if (!a.dataType().isIntType()) {
            throw new InvalidInputException(file + " holds " + a.dataType() + " values; expected integers (int32)");
        }
        return a.castTo(DataType.INT32);
    }
}

package org.attentionprobe.data;

import org.attentionprobe.errors.InvalidInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A folder of review files in format {@code attention-probe-reviews/1}, as {@code python-export/export_reviews.py}
 * writes it beside a trained model: {@code meta.json} (class names, id conventions; written last, so its presence
 * means the folder is complete), {@code vocab.json} (the word of every id), and {@code reviews.npy},
 * {@code labels.npy}, {@code lengths.npy} (read only when a review is asked for).
 */
public final class ReviewFolder {
    public static final String FILES = "meta.json, vocab.json, reviews.npy, labels.npy, lengths.npy";

    private final Path dir;
    private final ReviewMeta meta;
    private final Vocabulary vocabulary;
    private ReviewSet reviews;

    private ReviewFolder(Path dir, ReviewMeta meta, Vocabulary vocabulary) {
        this.dir = dir;
        this.meta = meta;
        this.vocabulary = vocabulary;
    }

    /** Opens a folder the user named; every problem (missing, not a folder, no meta.json) is an error. */
    public static ReviewFolder open(Path dir) {
        if (!Files.exists(dir)) {
            throw new InvalidInputException("data folder not found: " + dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException("data folder " + dir + " is a file; expected a folder holding " + FILES);
        }
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            throw new InvalidInputException("data folder " + dir + " is not readable (permission denied)");
        }
        if (!Files.exists(dir.resolve("meta.json"))) {
            throw new InvalidInputException("data folder " + dir + " has no meta.json; expected the files python-export/export_reviews.py writes: " + FILES);
        }
        ReviewMeta meta = ReviewMeta.load(dir.resolve("meta.json"));
        Path vocabFile = dir.resolve("vocab.json");
        if (!Files.exists(vocabFile)) {
            throw new InvalidInputException("data folder " + dir + " has no vocab.json; expected the files python-export/export_reviews.py writes: " + FILES);
        }
        return new ReviewFolder(dir, meta, Vocabulary.load(vocabFile, meta.firstWordId()));
    }

    /** The review files beside a model file, when its folder has a {@code meta.json}. */
    public static Optional<ReviewFolder> besideModel(Path modelFile) {
        Path dir = modelFile.toAbsolutePath().getParent();
        if (dir == null || !Files.isRegularFile(dir.resolve("meta.json"))) {
            return Optional.empty();
        }
        return Optional.of(open(modelFile.getParent() == null ? Path.of(".") : modelFile.getParent()));
    }

    public Path dir() {
        return dir;
    }

    public ReviewMeta meta() {
        return meta;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The stored reviews (read on first use). */
    public synchronized ReviewSet reviews() {
        if (reviews == null) {
            reviews = ReviewSet.load(dir, meta);
        }
        return reviews;
    }
}

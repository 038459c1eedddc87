package org.attentionprobe.data;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.InvalidInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code meta.json} of a review folder (format {@code attention-probe-reviews/1}, written by
 * {@code python-export/export_reviews.py}): the class names and the token-id conventions the reviews follow.
 *
 * @param classes    class names by class index ({@code negative}, {@code positive} for IMDB)
 * @param maxlen     the length every row of {@code reviews.npy} was padded or truncated to
 * @param vocabSize  the number of token ids in {@code vocab.json}
 * @param indexFrom  word id = word index + indexFrom (3 for keras.datasets.imdb); ids up to it are reserved
 * @param startId    the id put before every review (1)
 * @param oovId      the id of a word outside the vocabulary (2)
 * @param padId      the padding id (0)
 * @param split      which split of the data the reviews come from ({@code test}), or empty
 */
public record ReviewMeta(List<String> classes, int maxlen, int vocabSize, int indexFrom, int startId, int oovId,
                         int padId, String split) {
    public static final String FORMAT = "attention-probe-reviews/1";

    public ReviewMeta {
        classes = List.copyOf(classes);
    }

    /** The first id a word of a text can have. */
    public int firstWordId() {
        return indexFrom + 1;
    }

    public static ReviewMeta load(Path file) {
        JsonNode root = JsonFiles.read(file);
        if (!root.isObject()) {
            throw new InvalidInputException(file + " holds a JSON " + root.getNodeType().toString().toLowerCase()
                    + ", expected an object with \"format\": \"" + FORMAT + "\"");
        }
        String format = root.path("format").asText("");
        if (!FORMAT.equals(format)) {
            throw new InvalidInputException(file + " has format \"" + format + "\", expected \"" + FORMAT
                    + "\" (written by python-export/export_reviews.py)");
        }
        List<String> missing = new ArrayList<>();
        for (String key : List.of("classes", "maxlen", "vocab_size", "index_from", "start_id", "oov_id", "pad_id")) {
            if (!root.has(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidInputException(file + " lacks " + String.join(", ", missing));
        }
        JsonNode classNode = root.get("classes");
        List<String> classes = new ArrayList<>();
        if (classNode.isArray()) {
            classNode.forEach(c -> classes.add(c.isTextual() ? c.asText() : null));
        }
        if (classes.isEmpty() || classes.contains(null)) {
            throw new InvalidInputException(file + " has classes " + classNode + ", expected a list of class names like [\"negative\", \"positive\"]");
        }
        return new ReviewMeta(classes, nonNegative(root, "maxlen", file), nonNegative(root, "vocab_size", file),
                nonNegative(root, "index_from", file), nonNegative(root, "start_id", file), nonNegative(root, "oov_id", file),
                nonNegative(root, "pad_id", file), root.path("split").asText(""));
    }

    private static int nonNegative(JsonNode root, String key, Path file) {
        JsonNode v = root.get(key);
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw new InvalidInputException(file + " has " + key + " = " + v + ", expected a non-negative integer");
        }
        return v.asInt();
    }
}

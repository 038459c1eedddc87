package org.attentionprobe.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.io.Npy;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.probe.TokenSequence;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The demo model's data read independently of the code under test: the vocabulary as a plain list from
 * vocab.json, and Keras's reference.npz (test reviews 0..7: x, y, probs, block0_attention_weights, raw_lengths).
 */
public final class Imdb {
    public static final Path DIR = TestData.IMDB;
    public static final Path MODEL = DIR.resolve("model.h5");
    public static final List<String> CLASSES = List.of("negative", "positive");

    private static List<String> vocab;
    private static Map<String, INDArray> reference;

    private Imdb() {
    }

    /** vocab.json as a list: {@code vocab().get(id)} is the word of id. */
    public static synchronized List<String> vocab() {
        if (vocab == null) {
            try {
                vocab = List.of(new ObjectMapper().readValue(DIR.resolve("vocab.json").toFile(), String[].class));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return vocab;
    }

    /** The id of a word, looked up in the list by hand; fails the test when the word is not there. */
    public static int id(String word) {
        int id = vocab().indexOf(word);
        if (id < 4) {
            throw new AssertionError("the test expects \"" + word + "\" in vocab.json");
        }
        return id;
    }

    public static synchronized Map<String, INDArray> reference() {
        if (reference == null) {
            reference = Npy.readNpz(DIR.resolve("reference.npz"));
        }
        return reference;
    }

    /** Review i's ids as Keras read them {@code [200]}. */
    public static int[] x(int i) {
        return reference().get("x").getRow(i).toIntVector();
    }

    /**
     * A {@link ProbeResult} for reference review i built from Keras's own numbers (no model run): ids, words from
     * the vocabulary list, Keras's probabilities and block-0 attention {@code [H, L, L]}.
     */
    public static ProbeResult kerasResult(int i) {
        int[] ids = x(i);
        String[] words = new String[ids.length];
        boolean[] real = new boolean[ids.length];
        int oov = 0;
        for (int p = 0; p < ids.length; p++) {
            words[p] = vocab().get(ids[p]);
            real[p] = ids[p] != 0;
            oov += ids[p] == 2 ? 1 : 0;
        }
        int rawLength = reference().get("raw_lengths").getInt(i);
        INDArray attention = reference().get("block0_attention_weights")
                .get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
        return new ProbeResult(new TokenSequence("review " + i, ids, words, real, rawLength, oov, List.of()),
                reference().get("probs").getRow(i).toFloatVector(), CLASSES, OptionalInt.of(reference().get("y").getInt(i)),
                List.of(attention));
    }
}

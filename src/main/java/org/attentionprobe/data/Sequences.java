package org.attentionprobe.data;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.TokenFile;

import java.nio.file.Path;
import java.util.Arrays;

/** Token-id sequences: reading them from {@code .npy} and fitting them to the model's length. */
public final class Sequences {
    private Sequences() {
    }

    /**
     * Like {@code keras.utils.pad_sequences(x, maxlen)} with its defaults: {@code padding='pre'} (zeros on
     * the left) and {@code truncating='pre'} (a long sequence keeps its last {@code maxlen} ids).
     */
    public static int[] padPre(int[] ids, int maxlen) {
        int[] out = new int[maxlen];
        int n = Math.min(ids.length, maxlen);
        System.arraycopy(ids, ids.length - n, out, maxlen - n, n);
        return out;
    }

    /** Token ids typed by a person: {@code 1,14,22} or {@code 1 14 22}. */
    public static int[] parseIds(String text) {
        String[] items = text.strip().split("[,\\s]+");
        if (text.isBlank()) {
            throw new InvalidInputException(UserInput.TOKENS, "the token ids are empty; expected ids like 1,14,22");
        }
        int[] ids = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            try {
                ids[i] = Integer.parseInt(items[i]);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(UserInput.TOKENS, "token item " + (i + 1) + " \"" + items[i] + "\" is not a token id; "
                        + "expected integers like 1,14,22");
            }
        }
        return ids;
    }

    /**
     * Reads token ids {@code [B, n]} or {@code [n]} from an {@code .npy} file of any integer type, or a float type
     * holding whole numbers that fit in int32. A corpus is better read row by row ({@link TokenFile}).
     */
    public static int[][] readNpy(Path file) {
        org.attentionprobe.keras.FilePreflight.requireReadableFile(file, "token file");
        try (TokenFile tokens = TokenFile.open(file)) {
            tokens.checkValues();
            return tokens.readAll();
        }
    }
}

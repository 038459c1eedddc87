package org.attentionprobe.explain;

import org.attentionprobe.errors.InvalidInputException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where integrated gradients start: the embedding output {@code e'} of "no information". */
public enum Baseline {
    /** The embedding of an all-padding input: {@code e'_i = token_emb[pad] + pos_emb[i]} (what the model sees for an empty review). */
    PAD("pad"),
    /** All zeros, {@code e' = 0} (not an input any token sequence can produce). */
    ZEROS("zeros");

    private final String label;

    Baseline(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** {@code pad} or {@code zeros}; an input error naming both for anything else. */
    public static Baseline parse(String text) {
        for (Baseline b : values()) {
            if (b.label.equals(text.strip().toLowerCase(Locale.ROOT))) {
                return b;
            }
        }
        throw new InvalidInputException("unknown baseline '" + text + "'; expected one of "
                + Arrays.stream(values()).map(Baseline::label).collect(Collectors.joining(", ")));
    }
}

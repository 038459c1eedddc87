package org.attentionprobe.data;

import java.util.List;
import java.util.OptionalInt;

/**
 * One token sequence to probe, as it came from the user, before it is fitted to the model's length.
 *
 * @param origin         what it is, for people: {@code review 0}, {@code text}, {@code tokens}, {@code row 3 of x.npy}
 * @param ids            token ids {@code [n]}, any length (a stored review may already hold left padding)
 * @param label          the true class index, when the data has one
 * @param originalLength the real (non-padding) tokens the sequence had before any truncation
 * @param unknownWords   words of a text that are not in the vocabulary (they became the OOV id), distinct, in order
 */
public record ProbeInput(String origin, int[] ids, OptionalInt label, int originalLength, List<String> unknownWords) {
    public ProbeInput {
        ids = ids.clone();
        unknownWords = List.copyOf(unknownWords);
    }

    /** Token ids {@code [n]} given directly: every non-padding id counts as a token. */
    public static ProbeInput ofTokens(String origin, int[] ids, int padId) {
        int real = 0;
        for (int id : ids) {
            real += id == padId ? 0 : 1;
        }
        return new ProbeInput(origin, ids, OptionalInt.empty(), real, List.of());
    }

    /**
     * Row {@code row} of a token file: {@code raw} {@code [n]} as read (its non-padding ids count as the original
     * length), {@code fitted} {@code [L]} the same row padded or truncated to the model's length.
     */
    public static ProbeInput ofFileRow(String fileName, int row, int[] raw, int[] fitted, int padId) {
        ProbeInput given = ofTokens("row " + row + " of " + fileName, raw, padId);
        return new ProbeInput(given.origin(), fitted, given.label(), given.originalLength(), List.of());
    }
}

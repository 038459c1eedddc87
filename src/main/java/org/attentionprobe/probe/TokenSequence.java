package org.attentionprobe.probe;

import java.util.List;

/**
 * A sequence as the model reads it: fitted to the model's length L like {@code pad_sequences} (padding and
 * truncation 'pre'), with the word of every position.
 *
 * @param origin         what it is: {@code review 0}, {@code text}, ...
 * @param ids            token ids {@code [L]}
 * @param words          the word of every position {@code [L]} ({@code <pad>} for padding, {@code #id} without a vocabulary)
 * @param real           {@code [L]}: true for a real token, false for padding
 * @param originalLength real tokens before truncation; {@code originalLength - realCount()} were cut from the front
 * @param oovCount       positions holding the out-of-vocabulary id
 * @param unknownWords   words of a text that became the OOV id (distinct, in order; empty for ids)
 */
public record TokenSequence(String origin, int[] ids, String[] words, boolean[] real, int originalLength, int oovCount,
                            List<String> unknownWords) {
    public TokenSequence {
        ids = ids.clone();
        words = words.clone();
        real = real.clone();
        unknownWords = List.copyOf(unknownWords);
    }

    /** L, the positions the model reads. */
    public int length() {
        return ids.length;
    }

    public int realCount() {
        int n = 0;
        for (boolean r : real) {
            n += r ? 1 : 0;
        }
        return n;
    }

    public int paddingCount() {
        return length() - realCount();
    }

    /** Tokens cut from the front because the sequence was longer than L (Keras truncating='pre'). */
    public int cut() {
        return Math.max(0, originalLength - realCount());
    }

    /** The positions to show: the real tokens, or every position with {@code keepPadding}. */
    public int[] positions(boolean keepPadding) {
        int[] out = new int[keepPadding ? length() : realCount()];
        int n = 0;
        for (int i = 0; i < length(); i++) {
            if (keepPadding || real[i]) {
                out[n++] = i;
            }
        }
        return out;
    }

    /** The words at some positions {@code [n]}. */
    public List<String> words(int[] positions) {
        return java.util.Arrays.stream(positions).mapToObj(p -> words[p]).toList();
    }
}

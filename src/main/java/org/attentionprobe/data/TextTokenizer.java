package org.attentionprobe.data;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.InvalidInputException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Raw text to token ids exactly as the Keras IMDB pipeline does it:
 * {@code keras.preprocessing.text.text_to_word_sequence} with its defaults (lower-case; every character of
 * {@code !"#$%&()*+,-./:;<=>?@[\]^_`{|}~\t\n} replaced by a space; split on spaces; empty strings dropped), then
 * the start id in front, word id from the vocabulary, and the OOV id for a word the vocabulary lacks or whose
 * id is not below the model's vocabulary size (as {@code imdb.load_data(num_words=...)} folds them).
 * Padding and truncation to the model's length happen later, like {@code pad_sequences}.
 */
public final class TextTokenizer {
    /** Keras's default {@code filters}. */
    static final String FILTERS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

    private final Vocabulary vocabulary;
    private final int startId;
    private final int oovId;
    private final long numWords;

    /**
     * @param numWords ids must be below this (the model's vocabulary size); larger ones become {@code oovId}
     */
    public TextTokenizer(Vocabulary vocabulary, int startId, int oovId, long numWords) {
        this.vocabulary = vocabulary;
        this.startId = startId;
        this.oovId = oovId;
        this.numWords = numWords;
    }

    /** {@code text_to_word_sequence(text)} with Keras's defaults. */
    public static List<String> words(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            b.append(FILTERS.indexOf(c) >= 0 ? ' ' : c);
        }
        List<String> out = new ArrayList<>();
        for (String w : b.toString().split(" ")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** The ids of a text: start id, then one id per word; an error when it has no words. */
    public ProbeInput tokenize(String text) {
        if (text.isBlank()) {
            throw new InvalidInputException(UserInput.TEXT, "the text is empty; expected a review in words, e.g. \"a moving, well acted film\"");
        }
        List<String> words = words(text);
        if (words.isEmpty()) {
            throw new InvalidInputException("the text \"" + abbreviate(text) + "\" has no words once lower-cased and stripped of "
                    + "punctuation (Keras's text_to_word_sequence); expected a review in words");
        }
        int[] ids = new int[words.size() + 1];            // [1 + words]
        ids[0] = startId;
        Set<String> unknown = new LinkedHashSet<>();
        for (int i = 0; i < words.size(); i++) {
            OptionalInt id = vocabulary.id(words.get(i));
            if (id.isPresent() && id.getAsInt() < numWords) {
                ids[i + 1] = id.getAsInt();
            } else {
                ids[i + 1] = oovId;
                unknown.add(words.get(i));
            }
        }
        return new ProbeInput("text", ids, OptionalInt.empty(), ids.length, List.copyOf(unknown));
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 37) + "...";
    }
}

package org.attentionprobe.data;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.InvalidInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The words of token ids, as {@code vocab.json} holds them: a JSON list where {@code vocab[id]} is the word of
 * token id {@code id}. Ids below {@code firstWordId} are reserved ({@code <pad>}, {@code <start>}, {@code <oov>},
 * {@code <unused>} in the IMDB conventions) and are never the id of a word of a text.
 */
public final class Vocabulary {
    private final List<String> words;          // [V] words.get(id) = the word of id
    private final Map<String, Integer> ids;    // word -> id, for ids >= firstWordId

    private Vocabulary(List<String> words, int firstWordId) {
        this.words = List.copyOf(words);
        Map<String, Integer> byWord = new HashMap<>();
        for (int id = Math.max(0, firstWordId); id < words.size(); id++) {
            byWord.putIfAbsent(words.get(id), id);
        }
        this.ids = Collections.unmodifiableMap(byWord);
    }

    /** A vocabulary from a list of words ({@code words.get(id)}); ids below {@code firstWordId} are reserved. */
    public static Vocabulary of(List<String> words, int firstWordId) {
        return new Vocabulary(words, firstWordId);
    }

    /** Reads {@code vocab.json}: a JSON list of strings. */
    public static Vocabulary load(Path file, int firstWordId) {
        JsonNode root = JsonFiles.read(file);
        if (!root.isArray()) {
            throw new InvalidInputException(file + " holds a JSON " + root.getNodeType().toString().toLowerCase()
                    + ", expected a list of words (vocab[id] = word)");
        }
        List<String> words = new ArrayList<>(root.size());
        for (int id = 0; id < root.size(); id++) {
            JsonNode w = root.get(id);
            if (!w.isTextual()) {
                throw new InvalidInputException(file + " entry " + id + " is " + w + ", expected a word (a JSON string)");
            }
            words.add(w.asText());
        }
        if (words.isEmpty()) {
            throw new InvalidInputException(file + " is an empty list, expected the words of the model's token ids");
        }
        return new Vocabulary(words, firstWordId);
    }

    /** How many ids have a word. */
    public int size() {
        return words.size();
    }

    /** The word of a token id; {@code <id:N>} for an id this vocabulary does not cover. */
    public String word(int id) {
        return id >= 0 && id < words.size() ? words.get(id) : "<id:" + id + ">";
    }

    /** The id of a word, if the vocabulary has it (reserved ids excluded). */
    public OptionalInt id(String word) {
        Integer id = ids.get(word);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }
}

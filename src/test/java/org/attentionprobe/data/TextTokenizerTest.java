package org.attentionprobe.data;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.attentionprobe.testing.Imdb.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text to ids like the Keras IMDB pipeline. Expected ids are looked up by hand in vocab.json's list (word id =
 * Keras word index + 3), never by running the tokenizer.
 */
class TextTokenizerTest {
    private static final int START = 1;
    private static final int OOV = 2;

    private static TextTokenizer imdb(long numWords) {
        return new TextTokenizer(Vocabulary.of(Imdb.vocab(), 4), START, OOV, numWords);
    }

    @Test
    void plainSentenceIsStartThenWordIds() {
        ProbeInput in = imdb(500).tokenize("This movie was great");
        assertArrayEquals(new int[]{START, id("this"), id("movie"), id("was"), id("great")}, in.ids());
        assertArrayEquals(new int[]{1, 14, 20, 16, 87}, in.ids(), "the Keras word index: this=11, movie=17, was=13, great=84");
        assertEquals(5, in.originalLength());
        assertEquals(List.of(), in.unknownWords());
    }

    @Test
    void punctuationAndCaseFollowKerasDefaultFilters() {
        // <br /> becomes "br" as in the IMDB data; apostrophes are not filtered; ... ( ) ? ! , are.
        ProbeInput in = imdb(500).tokenize("It's   NOT good...<br />the (really) BAD,film?!\tdon't\nworst");
        assertArrayEquals(new int[]{START, id("it's"), id("not"), id("good"), id("br"), id("the"), id("really"), id("bad"),
                id("film"), id("don't"), id("worst")}, in.ids());
        assertEquals(List.of("it's", "not", "good", "br", "the", "really", "bad", "film", "don't", "worst"),
                TextTokenizer.words("It's   NOT good...<br />the (really) BAD,film?!\tdon't\nworst"));
    }

    @Test
    void everyDefaultFilterCharacterSplitsWords() {
        String filters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";
        for (char c : filters.toCharArray()) {
            assertEquals(List.of("a", "b"), TextTokenizer.words("a" + c + "b"), "filter " + (int) c);
        }
        assertEquals(List.of("a'b"), TextTokenizer.words("a'b"), "the apostrophe is kept");
        assertEquals(List.of("a\rb"), TextTokenizer.words("a\rb"), "Keras splits on spaces only; \\r is not a filter");
    }

    @Test
    void unknownWordsBecomeOovAndAreNamed() {
        assertTrue(!Imdb.vocab().contains("zorglub") && !Imdb.vocab().contains("wow"));
        ProbeInput in = imdb(500).tokenize("Wow, zorglub is bad. Zorglub!");
        assertArrayEquals(new int[]{START, OOV, OOV, id("is"), id("bad"), OOV}, in.ids());
        assertEquals(List.of("wow", "zorglub"), in.unknownWords());
    }

    @Test
    void wordsWhoseIdIsNotBelowTheModelsVocabularyBecomeOov() {
        String word = Imdb.vocab().get(150);   // id 150: a known word, but not for a 100-word model
        ProbeInput in = imdb(100).tokenize("the " + word);
        assertArrayEquals(new int[]{START, id("the"), OOV}, in.ids());
        assertEquals(List.of(word), in.unknownWords());
    }

    @Test
    void longerThanMaxlenKeepsTheLastIdsLikePadSequencesPre() {
        List<String> words = IntStream.range(0, 250).mapToObj(i -> i % 2 == 0 ? "good" : "bad").toList();
        ProbeInput in = imdb(500).tokenize(String.join(" ", words));
        assertEquals(251, in.ids().length);
        assertEquals(251, in.originalLength());
        int[] fitted = Sequences.padPre(in.ids(), 200);
        int[] expected = new int[200];   // the last 200 of [1, good, bad, good, ..., bad]: the start id is cut
        for (int i = 0; i < 200; i++) {
            int wordIndex = 50 + i;        // words 50..249
            expected[i] = wordIndex % 2 == 0 ? id("good") : id("bad");
        }
        assertArrayEquals(expected, fitted);
    }

    @Test
    void emptyTextAndTextWithoutWordsAreErrors() {
        var empty = assertThrows(InvalidInputException.class, () -> imdb(500).tokenize("  \n "));
        assertTrue(empty.getMessage().startsWith("the text is empty"), empty.getMessage());
        var punct = assertThrows(InvalidInputException.class, () -> imdb(500).tokenize("?! ... --"));
        assertTrue(punct.getMessage().contains("has no words once lower-cased and stripped of punctuation"), punct.getMessage());
    }
}

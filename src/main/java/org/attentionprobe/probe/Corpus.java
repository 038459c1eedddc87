package org.attentionprobe.probe;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.data.ProbeInput;
import org.attentionprobe.data.ReviewSet;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.data.Sequences;
import org.attentionprobe.io.TokenFile;

import java.util.ArrayList;
import java.util.List;

/**
 * The sequences of a corpus run, in order: a range of the stored reviews, all of them, or the rows of a token
 * file. Inputs are made per batch (a token file's rows are read from it then), and the attention is never kept.
 */
public final class Corpus {

    /** Sequence {@code i} of the corpus as the model input. */
    private interface Source {
        ProbeInput input(int i);
    }

    private final String description;
    private final int first;          // id of the first sequence: a review index or row 0
    private final int size;
    private final boolean labelled;
    private final Source source;

    private Corpus(String description, int first, int size, boolean labelled, Source source) {
        this.description = description;
        this.first = first;
        this.size = size;
        this.labelled = labelled;
        this.source = source;
    }

    /** Reviews {@code from..to} of a review set, both included. */
    public static Corpus reviews(ReviewSet reviews, int from, int to) {
        if (from > to) {
            throw new InvalidInputException(UserInput.REVIEW_RANGE, "reviews " + from + ".." + to + " is an empty range; expected A..B with A <= B (both included)");
        }
        reviews.get(from);   // the error for a review that does not exist
        reviews.get(to);
        String what = "reviews " + from + ".." + to + " of " + reviews.dir() + (from == 0 && to == reviews.size() - 1 ? " (all)" : "");
        return new Corpus(what, from, to - from + 1, reviews.hasLabels(), i -> reviews.get(from + i));
    }

    /** Every stored review. */
    public static Corpus all(ReviewSet reviews) {
        return reviews(reviews, 0, reviews.size() - 1);
    }

    /**
     * The rows of a token file, read from it as the run asks for them and fitted to the model's {@code length} like
     * pad_sequences; its ids must have been checked ({@link TokenFile#check}).
     */
    public static Corpus rows(String fileName, TokenFile tokens, int length, int padId) {
        return new Corpus("rows 0.." + (tokens.rows() - 1) + " of " + fileName, 0, tokens.rows(), false, i -> {
            int[] raw = tokens.row(i);
            return ProbeInput.ofFileRow(fileName, i, raw, raw.length == length ? raw : Sequences.padPre(raw, length), padId);
        });
    }

    /**
     * The rows of a token file held in memory, already fitted to the model's length: {@code fitted} {@code [N][L]};
     * {@code raw} {@code [N][n]} as read (for each row's length before truncation).
     */
    public static Corpus rows(String fileName, int[][] raw, int[][] fitted, int padId) {
        return new Corpus("rows 0.." + (fitted.length - 1) + " of " + fileName, 0, fitted.length, false,
                i -> ProbeInput.ofFileRow(fileName, i, raw[i], fitted[i], padId));
    }

    /** Sequences given as inputs, with ids {@code firstId, firstId + 1, ...} (a Spark partition's rows). */
    public static Corpus of(String description, List<ProbeInput> inputs, int firstId) {
        List<ProbeInput> copy = List.copyOf(inputs);
        boolean labelled = copy.stream().allMatch(i -> i.label().isPresent());
        return new Corpus(description, firstId, copy.size(), labelled, copy::get);
    }

    /** How many sequences. */
    public int size() {
        return size;
    }

    /** What it is, for people: {@code reviews 0..99 of data}, {@code reviews 0..999 of data (all)}, {@code rows 0..4999 of x.npy}. */
    public String description() {
        return description;
    }

    /** Whether every sequence has a true label. */
    public boolean labelled() {
        return labelled;
    }

    /** The id of sequence {@code i} (0-based within the corpus): its review index, or its row. */
    public int id(int i) {
        return first + i;
    }

    /** Sequences {@code [from, to)} of the corpus. */
    public List<ProbeInput> inputs(int from, int to) {
        List<ProbeInput> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(source.input(i));
        }
        return out;
    }
}

package org.attentionprobe.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/**
 * The one input of {@code probe}, a picocli exclusive argument group: picocli itself refuses two inputs
 * ({@link Main} words its refusal as "give one input, not 2: --review and --text").
 */
public final class InputArgs {
    @Option(names = "--review", paramLabel = "N[,N...]", split = ",", description = "review N (0-based) of the reviews beside the "
            + "model or in --data; several (0,1,2) with --report or --explain")
    List<Integer> reviews;

    @Option(names = "--text", paramLabel = "TEXT", description = "a raw review, tokenized like the Keras IMDB data "
            + "(lower-case, punctuation removed, <start> first, unknown words <oov>)")
    String text;

    @Option(names = "--tokens", paramLabel = "IDS", description = "token ids, e.g. 1,14,22 (padded or truncated on the left "
            + "like Keras's pad_sequences)")
    String tokens;

    @Option(names = "--tokens-file", paramLabel = "X.npy",
            description = "token ids in an .npy file, int32 or int64, [batch, length] or [length], padded or "
                    + "truncated on the left like Keras's pad_sequences; several rows print one line each (or pick one with --row)")
    Path tokensFile;

    @Option(names = "--reviews", paramLabel = "A..B", description = "reviews A to B of the reviews beside the model or in "
            + "--data, 0-based and both included (0..99 is 100 reviews): a corpus report, and --summary per review")
    String range;

    @Option(names = "--all", description = "every review beside the model or in --data, like --reviews")
    boolean all;

    /** Whether the input is a range of stored reviews ({@code --reviews A..B} or {@code --all}): a corpus run. */
    boolean storedCorpus() {
        return range != null || all;
    }

    /** The option that gave the input, for messages. */
    String given() {
        return reviews != null ? "--review" : text != null ? "--text" : tokens != null ? "--tokens"
                : tokensFile != null ? "--tokens-file" : range != null ? "--reviews" : "--all";
    }
}

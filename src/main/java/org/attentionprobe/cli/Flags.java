package org.attentionprobe.cli;

import org.attentionprobe.errors.ProbeException;
import org.attentionprobe.errors.UserInput;

/**
 * The command line's words for what the library's errors are about: a library message names the problem in the
 * library's terms and says which input it concerns ({@link ProbeException#about()}); the error line adds the option
 * that gives that input.
 */
final class Flags {
    private Flags() {
    }

    /** The option that gives an input, as a user types it. */
    static String of(UserInput input) {
        return switch (input) {
            case CONFIG -> "--config FILE";
            case NUM_HEADS -> "--num-heads N";
            case REVIEW_RANGE -> "--reviews A..B";
            case BLOCK -> "--block B";
            case HEAD -> "--head H";
            case SUMMARY_FILE -> "--summary FILE";
            case TOKENS -> "--tokens IDS";
            case TEXT -> "--text TEXT";
            case DATA_FOLDER -> "--data DIR";
            case KEEP_PADDING -> "--keep-padding";
        };
    }

    /** A library error as one line for the command line: its message, and the option it concerns in parentheses. */
    static String line(ProbeException e) {
        String message = Main.firstLine(e.getMessage());
        return e.about().map(input -> message + " (" + of(input) + ")").orElse(message);
    }
}

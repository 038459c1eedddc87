package org.attentionprobe.errors;

/**
 * What a user gave that an error is about, named as the library knows it. Library messages describe the problem
 * in the library's words ("head counts must be positive, got 0"); the command line adds how the user gave it
 * ({@code cli/Flags}: "(--num-heads)"), so no library message depends on a command-line flag.
 */
public enum UserInput {
    /** The model's architecture given apart from a weights-only file ({@code LoadOptions.withConfig}). */
    CONFIG,
    /** Head counts given for a file that does not record them ({@code LoadOptions.withNumHeads}). */
    NUM_HEADS,
    /** A range of stored reviews. */
    REVIEW_RANGE,
    /** A block index to show. */
    BLOCK,
    /** A head index to show. */
    HEAD,
    /** The per-review summary file of a corpus run. */
    SUMMARY_FILE,
    /** Token ids typed as text. */
    TOKENS,
    /** A raw review's text. */
    TEXT,
    /** The folder of stored reviews, vocabulary and class names. */
    DATA_FOLDER,
    /** Whether padding positions are shown. */
    KEEP_PADDING
}

package org.attentionprobe.errors;

/**
 * A problem caused by what the user gave us (a model file, an option, an input), as opposed to a bug.
 * The message is one line that says what was expected and what was found; the command line prints it
 * and exits with code 2.
 */
public abstract class ProbeException extends RuntimeException {
    private final UserInput about;   // null: not about one input

    protected ProbeException(String message) {
        this(null, message, null);
    }

    protected ProbeException(String message, Throwable cause) {
        this(null, message, cause);
    }

    protected ProbeException(UserInput about, String message, Throwable cause) {
        super(message, cause);
        this.about = about;
    }

    /** The input the problem is about, when it is about one: the command line names its option. */
    public java.util.Optional<UserInput> about() {
        return java.util.Optional.ofNullable(about);
    }
}

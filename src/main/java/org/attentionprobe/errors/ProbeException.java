package org.attentionprobe.errors;

/**
 * A problem caused by what the user gave us (a model file, an option, an input), as opposed to a bug.
 * The message is one line that says what was expected and what was found; the command line prints it
 * and exits with code 2.
 */
public abstract class ProbeException extends RuntimeException {
    protected ProbeException(String message) {
        super(message);
    }

    protected ProbeException(String message, Throwable cause) {
        super(message, cause);
    }
}

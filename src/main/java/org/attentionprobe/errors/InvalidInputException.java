package org.attentionprobe.errors;

/** An input the model cannot take: token ids out of range, a wrong array rank, an empty text, a bad option. */
public class InvalidInputException extends ProbeException {
    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem with one input the user gave ({@link #about()}). */
    public InvalidInputException(UserInput about, String message) {
        super(about, message, null);
    }

    public InvalidInputException(UserInput about, String message, Throwable cause) {
        super(about, message, cause);
    }
}

package org.attentionprobe.errors;

/** An input the model cannot take: token ids out of range, a wrong array rank, an empty text, a bad option. */
public class InvalidInputException extends ProbeException {
    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

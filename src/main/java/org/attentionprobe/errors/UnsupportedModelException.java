package org.attentionprobe.errors;

/** The file is sound but uses a feature this tool does not implement (a layer class, an activation, ...). */
public class UnsupportedModelException extends ProbeException {
    public UnsupportedModelException(String message) {
        super(message);
    }

    /** Unsupported unless the user gives one more input ({@link #about()}), e.g. the head counts. */
    public UnsupportedModelException(UserInput about, String message) {
        super(about, message, null);
    }
}

package org.attentionprobe.errors;

/** The file is sound but uses a feature this tool does not implement (a layer class, an activation, ...). */
public class UnsupportedModelException extends ProbeException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}

package org.attentionprobe.errors;

import java.util.List;

/**
 * The model file is damaged or contradicts itself: not HDF5, truncated, no model config, a weight
 * missing or with a shape the config does not allow.
 */
public class BrokenModelException extends ProbeException {
    private final List<String> problems;

    public BrokenModelException(String message) {
        this(message, (Throwable) null);
    }

    public BrokenModelException(String message, Throwable cause) {
        super(message, cause);
        this.problems = List.of(message);
    }

    private BrokenModelException(UserInput about, String message, List<String> problems) {
        super(about, message, null);
        this.problems = List.copyOf(problems);
    }

    /** A file that lacks something the user can give ({@link #about()}), e.g. the head counts. */
    public BrokenModelException(UserInput about, String message) {
        super(about, message, null);
        this.problems = List.of(message);
    }

    /** One exception for every problem found while validating a model, all named in one line. */
    public static BrokenModelException of(String file, List<String> problems) {
        return of(file, problems, null);
    }

    /** As {@link #of(String, List)}, about one input the user can give (null: none). */
    public static BrokenModelException of(String file, List<String> problems, UserInput about) {
        String head = problems.size() == 1
                ? file + ": " + problems.get(0)
                : file + ": " + problems.size() + " problems: " + String.join("; ", problems);
        return new BrokenModelException(about, head, problems);
    }

    /** Each problem found, in the order found. */
    public List<String> problems() {
        return problems;
    }
}

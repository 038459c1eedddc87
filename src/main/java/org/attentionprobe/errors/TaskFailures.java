package org.attentionprobe.errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What a task on another thread threw, thrown again on the thread that waits for it, as itself: a
 * {@link ProbeException} from a worker stays the one-line error the command line prints.
 */
public final class TaskFailures {
    private TaskFailures() {
    }

    /** The task's result, or what it threw. */
    public static <T> T join(CompletableFuture<T> task) {
        try {
            return task.join();
        } catch (CompletionException e) {
            throw rethrow(e.getCause() == null ? e : e.getCause());
        }
    }

    /** Throws {@code cause} itself when it is unchecked, else wrapped; declared to return so callers can write {@code throw}. */
    public static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException(cause);
    }
}

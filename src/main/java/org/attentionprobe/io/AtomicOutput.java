package org.attentionprobe.io;

import org.attentionprobe.errors.InvalidInputException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file written as a stream over a long run, like {@link AtomicFiles#write} but open between calls: the bytes go
 * to a temporary file in the target's folder, {@link #commit()} renames it into place, and {@link #close()}
 * without a commit deletes it. A run that fails or is stopped half-way leaves nothing under the real name.
 */
public final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final OutputStream stream;
    private boolean committed;

    private AtomicOutput(Path target, Path tmp, OutputStream stream) {
        this.target = target;
        this.tmp = tmp;
        this.stream = stream;
    }

    /** Starts writing {@code target} (its folder is created if missing). */
    public static AtomicOutput open(Path target) {
        Path tmp = null;
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            tmp.toFile().deleteOnExit();   // a run stopped by Ctrl-C or kill leaves no temporary file either
            return new AtomicOutput(target, tmp, new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16));
        } catch (IOException e) {
            AtomicFiles.deleteQuietly(tmp);
            throw failure(target, e);
        }
    }

    /** Where the bytes go until the commit. */
    public OutputStream stream() {
        return stream;
    }

    public Path target() {
        return target;
    }

    /** Closes the stream and renames the file into place. */
    public void commit() {
        try {
            stream.close();
            AtomicFiles.commit(tmp, target);
            committed = true;
        } catch (IOException e) {
            throw failure(target, e);
        }
    }

    /** Deletes the temporary file unless {@link #commit()} renamed it. */
    @Override
    public void close() {
        if (!committed) {
            try {
                stream.close();
            } catch (IOException ignored) {
                // deleted below anyway
            }
            AtomicFiles.deleteQuietly(tmp);
        }
    }

    /** The one-line input error for a file that cannot be written. */
    public static InvalidInputException failure(Path target, IOException e) {
        return new InvalidInputException("cannot write " + target + ": " + AtomicFiles.describe(e), e);
    }
}

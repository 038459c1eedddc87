package org.attentionprobe.io;

import org.attentionprobe.errors.InvalidInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Output files are written to a temporary file in the target's folder and renamed into place, so an
 * interrupted run never leaves a half-written file under the real name.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Something that writes to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code target} atomically; on any failure the target is untouched and the temporary file removed. */
    public static void write(Path target, Writer writer) {
        try (AtomicOutput file = AtomicOutput.open(target)) {
            writer.write(file.stream());
            file.commit();
        } catch (IOException e) {
            throw AtomicOutput.failure(target, e);
        }
    }

    /** Writes a UTF-8 text file atomically. */
    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Renames a finished temporary file onto its target (readable by all, like a normally created file). */
    public static void commit(Path tmp, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: keep what the temporary file got
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * An output folder ready to write into: created if missing, reused (not wiped) if present; an error
     * when the path is a file or cannot be written.
     */
    public static Path outputDirectory(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InvalidInputException("output folder " + dir + " is an existing file, expected a folder");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InvalidInputException("cannot create output folder " + dir + ": " + describe(e), e);
        }
        if (!Files.isWritable(dir)) {
            throw new InvalidInputException("output folder " + dir + " is not writable");
        }
        return dir;
    }

    static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: a stray .tmp file is harmless
            }
        }
    }

    static String describe(IOException e) {
        String kind = e.getClass().getSimpleName().replace("Exception", "");
        return e.getMessage() == null ? kind : kind + " " + e.getMessage();
    }
}

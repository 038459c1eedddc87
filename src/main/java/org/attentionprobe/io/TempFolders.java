package org.attentionprobe.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The temporary folders {@link KerasArchive} and {@link IsolatedRead} work in, removed when they are done. */
public final class TempFolders {
    private TempFolders() {
    }

    /**
     * Deletes {@code dir} and everything in it, as far as it can: a file that cannot be deleted is left and the
     * rest still goes. Never fails: a leftover in the system's temporary directory is harmless. Null is ignored.
     */
    public static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(TempFolders::deleteQuietly); // children before their folder
        } catch (IOException | UncheckedIOException e) {
            // the folder is gone already, or cannot be listed: nothing more to do
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // left behind; its folder then stays too
        }
    }
}

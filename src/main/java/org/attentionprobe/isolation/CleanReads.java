package org.attentionprobe.isolation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Model files that a child JVM ({@link IsolatedRead}) has already read cleanly, remembered by content in a user cache
 * folder, so that the next run on the same bytes can read them in its own JVM and skip the child (about 0.3 s of a
 * one-review run's 1.1 s here). A file is known by the SHA-256 of its bytes and its size, under the version of this
 * reader: a changed byte or a new release of the tool (which fixes its HDF5 library), and the file is read in
 * isolation again.
 *
 * <p>What it trusts: that the HDF5 library, given the same bytes, takes the same paths a second time. A damaged file
 * that the library over-reads without crashing in the child could still crash in another memory layout; such a file
 * would also have to produce a model that passes every check of the read. Set {@code -Dprobe.readCache=false} to read
 * every file in isolation.
 *
 * <p>Entries are empty files named by the digest, written atomically; a folder that cannot be written is not an
 * error (the file is simply read in isolation each time).
 */
public final class CleanReads {
    /** Bump when the reader's handling of HDF5 changes in a way that a remembered read must not vouch for. */
    private static final String READER_VERSION = "1";
    private final Path folder;

    public CleanReads(Path folder) {
        this.folder = folder;
    }

    /** {@code $XDG_CACHE_HOME/attention-probe/clean-reads}, else {@code ~/.cache/attention-probe/clean-reads}. */
    public static CleanReads inUserCache() {
        return new CleanReads(org.attentionprobe.io.UserCache.folder("clean-reads"));
    }

    /**
     * Files larger than this are always read in isolation: their digest would cost about as much as the child's start
     * (0.3 s is 100 MB of SHA-256 here), and their read dwarfs both.
     */
    public static final long MAX_BYTES = 256L << 20;

    /**
     * The file's identity: its content digest and size under this reader's version; empty when it cannot be read or
     * is larger than {@link #MAX_BYTES}.
     */
    public static Optional<String> identify(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                return Optional.empty();
            }
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            long size = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                size += n;
            }
            sha.update((READER_VERSION + "/" + toolVersion() + "/" + size).getBytes(StandardCharsets.UTF_8));
            return Optional.of(HexFormat.of().formatHex(sha.digest()));
        } catch (IOException | NoSuchAlgorithmException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Whether a file of this identity was read cleanly in isolation before. */
    public boolean contains(String identity) {
        return Files.isRegularFile(folder.resolve(identity));
    }

    /** Remembers a clean isolated read; best effort. */
    public void remember(String identity) {
        try {
            Files.createDirectories(folder);
            Path temp = Files.createTempFile(folder, ".entry-", ".tmp");
            Files.move(temp, folder.resolve(identity), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // not remembered: the next run reads in isolation again
        }
    }

    /** This tool's version from its jar (which fixes the HDF5 library it bundles); "dev" when run from classes. */
    private static String toolVersion() {
        Package p = CleanReads.class.getPackage();
        return p == null || p.getImplementationVersion() == null ? "dev" : p.getImplementationVersion();
    }
}

package org.attentionprobe.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A class-data-sharing archive of the classes one kind of run loads (HotSpot's AppCDS, {@code -XX:SharedArchiveFile}):
 * the JVM maps them already parsed and verified instead of reading them from the 170 MB jar, which takes a third off
 * a short run's start. The first run of each kind writes the archive as it exits ({@code -XX:ArchiveClassesAtExit},
 * into a file of its own that {@link #finish} moves into place); later runs map it.
 *
 * <p>An archive belongs to one jar file (path, size, time) and one JVM (its home and version): the name holds a hash
 * of both, so a new jar or JDK makes a new archive. Each kind keeps its {@value #KEPT} most recently used archives (two
 * jars used in turn each keep theirs); making one deletes the least recently used beyond that. A run that fails keeps
 * nothing; a JVM that cannot write archives leaves a marker, so no later run pays for trying again.
 * Nothing here is an error: without a cache folder the run simply starts without an archive.
 */
final class ClassDataArchive {
    /** Archives kept per kind of run (26–40 MB each). */
    static final int KEPT = 3;
    private final Path folder;
    private final String prefix;     // "<kind>-"
    private final Path archive;      // the finished archive
    private final Path marker;       // "this JVM made no archive"
    private final Path making;       // where this run writes the archive, if it does

    private ClassDataArchive(Path folder, String kind, String identity) {
        this.folder = folder;
        this.prefix = cat(kind, "-");
        this.archive = folder.resolve(cat(prefix, identity, ".jsa"));
        this.marker = folder.resolve(cat(prefix, identity, ".none"));
        this.making = folder.resolve(cat(prefix, identity, ".", ProcessHandle.current().pid(), ".making"));
    }

    /** The archive of {@code kind} for {@code jar} run by this JVM, kept in {@code folder}. */
    static ClassDataArchive of(Path folder, String kind, Path jar) throws IOException {
        String identity = cat(jar.toAbsolutePath(), "|", Files.size(jar), "|", Files.getLastModifiedTime(jar).toMillis(),
                "|", System.getProperty("java.home"), "|", System.getProperty("java.vm.version"));
        return new ClassDataArchive(folder, kind, hash(identity));
    }

    /** The JVM options for this run: map the archive, or write it at exit, or (when this JVM cannot) nothing. */
    List<String> jvmOptions() {
        List<String> quiet = List.of("-Xlog:cds*=off");   // the dump lists every class it skips, on standard output
        if (Files.isReadable(archive)) {
            try {
                Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));   // used
            } catch (IOException | RuntimeException e) {
                // read-only cache: the archive still maps
            }
            return List.of(cat("-XX:SharedArchiveFile=", archive), quiet.get(0));
        }
        if (Files.exists(marker)) {
            return List.of();
        }
        try {
            Files.createDirectories(folder);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return Files.isWritable(folder) ? List.of(cat("-XX:ArchiveClassesAtExit=", making), quiet.get(0)) : List.of();
    }

    /** After the run: keeps the archive it wrote if it succeeded ({@code exitCode} 0), else drops it. */
    void finish(int exitCode) {
        try {
            if (!Files.exists(making)) {
                if (exitCode == 0 && !Files.exists(archive)) {
                    Files.write(marker, new byte[0]);   // this JVM wrote nothing: do not ask it again
                }
                return;
            }
            if (exitCode != 0 || Files.size(making) == 0) {
                Files.deleteIfExists(making);
                return;
            }
            Files.move(making, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            deleteOlder();
        } catch (IOException | RuntimeException e) {
            // a cache: the next run tries again
        }
    }

    /** This kind's archives beyond the {@value #KEPT} most recently used (a jar or JDK replaced long ago). */
    private void deleteOlder() throws IOException {
        List<Path> archives = new java.util.ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, cat(prefix, "*.jsa"))) {
            for (Path f : files) {
                archives.add(f);
            }
        }
        archives.sort(java.util.Comparator.comparing(ClassDataArchive::lastUsed).reversed());
        for (Path old : archives.subList(Math.min(KEPT, archives.size()), archives.size())) {
            if (!old.equals(archive)) {
                Files.deleteIfExists(old);
            }
        }
    }

    private static long lastUsed(Path f) {
        try {
            return Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    Path archive() {
        return archive;
    }

    /** 64-bit FNV-1a, as 16 hex digits: names a cache entry (the JVM itself checks an archive against its jar). */
    private static String hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        String hex = Long.toHexString(h);
        return "0000000000000000".substring(hex.length()).concat(hex);
    }

    /** Concatenation without {@code +}, whose first use bootstraps {@code StringConcatFactory} (see {@link Launcher}). */
    private static String cat(Object... parts) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            sb.append(p);
        }
        return sb.toString();
    }
}

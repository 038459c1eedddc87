package org.attentionprobe.robustness;

import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An export stopped half-way (Ctrl-C, {@code kill}, {@code kill -9}) leaves no half-written file under a real name, and
 * an existing output folder is reused: what else it holds, and what an earlier run wrote there, stays as it was.
 */
@org.junit.jupiter.api.Tag("slow")
class InterruptedExportTest {
    /** Hang detection only. */
    static final Duration BOUND = Duration.ofSeconds(120);
    static final List<String> OUTPUTS = List.of("probabilities.npy", "tokens.npy", "attention_block0.npy");

    @TempDir
    Path tmp;

    /** Starts exporting the attention of 1,000 reviews (320 MB), waits until it is writing, then stops it. */
    private Path exportAndStop(boolean forcibly) throws IOException, InterruptedException {
        Path out = Files.createDirectories(tmp.resolve(forcibly ? "out-kill-9" : "out-kill"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        Files.writeString(out.resolve("probabilities.npy"), "an earlier run's file");
        ProcessBuilder pb = new CliProcess(BOUND).builder(tmp.resolve(forcibly ? "run-kill-9" : "run-kill"),
                List.of(TestData.IMDB.resolve("model.h5").toAbsolutePath().toString(),
                        "--tokens-file", TestData.IMDB.resolve("reviews.npy").toAbsolutePath().toString(),
                        "--batch", "8", "--export", out.toAbsolutePath().toString()));
        Process p = pb.start();
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!writing(out) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the export should still be running when it is stopped");
        if (forcibly) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        assertTrue(p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS));
        return out;
    }

    /** True once a temporary array file holds data. */
    private static boolean writing(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp") && f.toFile().length() > 1 << 20);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void killedExportLeavesNoFileUnderARealNameAndTheFolderAsItWas() throws Exception {
        Path out = exportAndStop(true);
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertEquals("an earlier run's file", Files.readString(out.resolve("probabilities.npy")));
        assertFalse(names(out).contains("attention_block0.npy"), names(out).toString());
        assertFalse(names(out).contains("tokens.npy"), names(out).toString());
    }

    @Test
    void stoppedExportAlsoRemovesItsTemporaryFiles() throws Exception {
        Path out = exportAndStop(false);   // SIGTERM, as Ctrl-C: shutdown hooks run
        assertEquals(List.of("notes.txt", "probabilities.npy"), names(out));
        assertEquals("an earlier run's file", Files.readString(out.resolve("probabilities.npy")));
    }

    @Test
    void anExistingFolderIsReusedNotWiped() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        Files.createDirectories(out.resolve("sub"));
        Cli.Result r = Cli.run(TestData.IMDB.resolve("model.h5").toString(), "--tokens", "1,14,22", "--export", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertTrue(names(out).containsAll(OUTPUTS), names(out).toString());
        assertEquals(List.of("attention.json", "attention_block0.npy", "notes.txt", "probabilities.npy", "sub", "tokens.npy"), names(out));
    }
}

package org.attentionprobe.cli;

import org.attentionprobe.io.Npy;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corpus run holds no attention beyond the batches in flight. The real command line runs in a JVM of its own
 * with a 96 MB heap and JavaCPP's native memory capped, over a corpus whose attention would take 960 MB: the
 * keras.io configuration (fixture keras3/v1: L = 200, 2 heads, 320 KB of attention per row) on 3,000 rows.
 */
@org.junit.jupiter.api.Tag("slow")
class CorpusMemoryTest {
    private static final long MB = 1 << 20;
    /** JavaCPP refuses native allocations past this resident size (and throws OutOfMemoryError). */
    private static final long MAX_PHYSICAL = 640 * MB;
    private static final List<String> JVM_LIMITS = List.of("-Xmx96m", "-Dorg.bytedeco.javacpp.maxbytes=256m",
            "-Dorg.bytedeco.javacpp.maxphysicalbytes=" + MAX_PHYSICAL);

    @TempDir
    Path tmp;

    /** How a child run ended, and the peak resident size seen in /proc (VmHWM). */
    private record Run(int exitCode, String stderr, long peakBytes) {
    }

    @Test
    void aCorpusWhoseAttentionWouldTake960MbRunsIn96MbOfHeapAndDoesNotGrowWithRows() throws Exception {
        Path tokens = tokenFile(3000);
        Run small = run(tokens.resolveSibling("x300.npy"), 300);
        Run large = run(tokens, 3000);
        assertEquals(0, small.exitCode(), small.stderr());
        assertEquals(0, large.exitCode(), large.stderr());
        assertEquals("wrote " + tmp.resolve("s3000.jsonl") + ": 3,000 rows (JSON Lines)", large.stderr().strip());
        try (var lines = Files.lines(tmp.resolve("s3000.jsonl"))) {
            assertEquals(3000, lines.count());
        }
        assertTrue(large.peakBytes() < MAX_PHYSICAL, "peak resident size " + large.peakBytes() / MB + " MB");
        assertTrue(large.peakBytes() < small.peakBytes() + 150 * MB, "10× the rows, peak " + small.peakBytes() / MB + " MB → "
                + large.peakBytes() / MB + " MB; holding the attention would add 860 MB");
    }

    /** {@code rows} rows of random ids (and the first {@code rows / 10} of them as {@code x300.npy}). */
    private Path tokenFile(int rows) throws IOException {
        Random random = new Random(11);
        int[][] ids = new int[rows][200];
        for (int[] row : ids) {
            int start = random.nextInt(150);   // left padding, as pad_sequences leaves it
            for (int i = start; i < 200; i++) {
                row[i] = 1 + random.nextInt(19_999);
            }
        }
        Path file = tmp.resolve("x" + rows + ".npy");
        Npy.write(Nd4j.createFromArray(ids), file);
        Npy.write(Nd4j.createFromArray(java.util.Arrays.copyOf(ids, rows / 10)), tmp.resolve("x" + rows / 10 + ".npy"));
        return file;
    }

    private Run run(Path tokens, int rows) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_LIMITS);
        command.addAll(List.of("-cp", classPath, Main.class.getName(), TestData.fixture("keras3/v1").h5().toString(),
                "--tokens-file", tokens.toString(), "--summary", tmp.resolve("s" + rows + ".jsonl").toString(), "--threads", "2"));
        Path err = tmp.resolve("stderr" + rows + ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        long peak = 0;
        while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, highWaterMark(status));
        }
        return new Run(p.exitValue(), Files.readString(err), peak);
    }

    /** VmHWM of a live process in bytes; 0 once it is gone. */
    private static long highWaterMark(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended between two polls
        }
        return 0;
    }
}

package org.attentionprobe.robustness;

import org.attentionprobe.robustness.BrokenFiles.Case;
import org.attentionprobe.robustness.BrokenFiles.Expect;
import org.attentionprobe.robustness.CliProcess.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken model files through the real command line, one JVM per case, two at a time:
 * {@code probe <broken model> --tokens-file x.npy --export <dir>}. A broken file must end with exit code 2 and one
 * "error:" line within {@link #BOUND}, never with a JVM crash ({@code hs_err_pid*.log}, a signal exit) or a hang.
 *
 * <p>The cases are generated at test time from the Keras-written models under {@code testdata/} ({@link BrokenFiles}).
 * To run the same harness on any folder of files (each must fail with exit 2):
 * <pre>mvn -q -o test -Dtest=BrokenFileCorpusTest -Dcorpus.dir=/path/to/broken/files</pre>
 */
@org.junit.jupiter.api.Tag("slow")
class BrokenFileCorpusTest {
    /** A case that has not ended after this long counts as a hang. */
    static final Duration BOUND = Duration.ofSeconds(20);
    private static final int PARALLEL = 2;

    @TempDir
    Path tmp;

    @Test
    void everyBrokenFileEndsWithExitCode2AndOneLineNeverACrashOrAHang() throws Exception {
        String external = System.getProperty("corpus.dir");
        List<Case> cases = external == null || external.isBlank()
                ? BrokenFiles.generate(Files.createDirectories(tmp.resolve("corpus")))
                : filesIn(Path.of(external));
        Path tokens = tokenFile(tmp.resolve("x.npy"), 1, 2, 3, 4, 5);
        CliProcess cli = new CliProcess(BOUND);

        List<Outcome> outcomes = runAll(cases, c -> cli.run(tmp.resolve("runs").resolve(c.name()),
                List.of(c.file().toAbsolutePath().toString(), "--tokens-file", tokens.toAbsolutePath().toString(),
                        "--export", tmp.resolve("runs").resolve(c.name()).resolve("out").toAbsolutePath().toString())));

        List<String> failures = new ArrayList<>();
        Tally broken = new Tally();
        Tally damaged = new Tally();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Outcome o = outcomes.get(i);
            (c.expect() == Expect.ERROR ? broken : damaged).add(o);
            if (!meets(c.expect(), o)) {
                failures.add(c.name() + " (expected " + c.expect() + "): " + o.describe());
            }
        }
        System.out.printf("broken-file corpus: %d cases, %d exit 2 with one line, %d crashes, %d hangs (slowest %.1f s)%n",
                broken.cases, broken.oneLine, broken.crashes, broken.hangs, broken.slowest);
        if (damaged.cases > 0) {
            System.out.printf("damaged-but-readable files: %d cases, %d exit 0, %d exit 2 with one line, %d crashes, %d hangs%n",
                    damaged.cases, damaged.ok, damaged.oneLine, damaged.crashes, damaged.hangs);
        }
        failures.forEach(f -> System.out.println("  FAILED " + f));
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " cases failed:\n" + String.join("\n", failures));
        if (external == null || external.isBlank()) {
            assertTrue(broken.cases >= 100, "the generated corpus should hold at least 100 broken files, has " + broken.cases);
        }
    }

    /** Whether an outcome is what a case of that kind must do. */
    static boolean meets(Expect expect, Outcome o) {
        if (o.crashed() || o.timedOut()) {
            return false;
        }
        List<String> lines = o.errorLines();
        return switch (expect) {
            case ERROR -> o.isOneLineError();
            case WARNING -> o.exitCode() == 0 && lines.stream().filter(l -> l.startsWith("warning: ")).count() == 1
                    && lines.stream().noneMatch(l -> l.startsWith("error")) && lines.get(0).contains("NaN or Inf");
            case NO_CRASH -> o.isOneLineError() || (o.exitCode() == 0 && lines.stream().noneMatch(l -> l.startsWith("error")));
        };
    }

    /** Counts of how runs ended. */
    private static final class Tally {
        int cases;
        int oneLine;
        int ok;
        int crashes;
        int hangs;
        double slowest;

        void add(Outcome o) {
            cases++;
            oneLine += o.isOneLineError() ? 1 : 0;
            ok += !o.crashed() && !o.timedOut() && o.exitCode() == 0 ? 1 : 0;
            crashes += o.crashed() ? 1 : 0;
            hangs += o.timedOut() ? 1 : 0;
            slowest = Math.max(slowest, o.seconds());
        }
    }

    @FunctionalInterface
    interface Run {
        Outcome apply(Case c) throws Exception;
    }

    static List<Outcome> runAll(List<Case> cases, Run run) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Case c : cases) {
                futures.add(pool.submit(() -> run.apply(c)));
            }
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every file (and folder) directly in {@code dir}, each expected to fail with exit 2. */
    static List<Case> filesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted(Comparator.comparing(Path::toString))
                    .map(f -> new Case(f.getFileName().toString(), f, Expect.ERROR)).toList();
        }
    }

    /** A valid int64 token file {@code [1, n]}, written byte by byte as numpy writes it. */
    static Path tokenFile(Path file, long... ids) throws IOException {
        String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, " + ids.length + "), }";
        header += " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 8 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (long id : ids) {
            b.putLong(id);
        }
        Files.write(file, b.array());
        return file;
    }
}

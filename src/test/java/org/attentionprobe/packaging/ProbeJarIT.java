package org.attentionprobe.packaging;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar users run (after {@code package}): it holds what the tool loads and nothing of Spark (a provided
 * dependency must not take nd4j's libraries out of it), not nd4j's plain native build, and the README's first
 * command runs from it in a fresh JVM.
 */
@org.junit.jupiter.api.Tag("slow")
class ProbeJarIT {
    static final Path JAR = Path.of("target/probe.jar");

    @Test
    void theJarHoldsWhatTheToolLoadsAndNotSparkNorThePlainNativeBuild() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (String needed : new String[]{"org/apache/commons/collections4/trie/PatriciaTrie.class",
                    "com/google/flatbuffers/Table.class", "org/apache/commons/compress/archivers/ArchiveEntry.class",
                    "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64-onednn/libnd4jcpu.so",
                    "org/attentionprobe/cli/Main.class"}) {
                assertNotNull(jar.getEntry(needed), "probe.jar lacks " + needed);
            }
            for (String unwanted : new String[]{"org/apache/spark/SparkContext.class",
                    "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64/libnd4jcpu.so"}) {
                assertNull(jar.getEntry(unwanted), "probe.jar should not hold " + unwanted);
            }
        }
        assertTrue(Files.size(JAR) < 200_000_000L, "probe.jar is " + Files.size(JAR) + " bytes");
    }

    @Test
    void theReadmesFirstCommandRunsFromTheJar() throws Exception {
        Run r = run(List.of(), "testdata/imdb-transformer/model.h5", "--review", "0");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("predicted   negative   0.8070"), r.out());
    }

    /**
     * The jar's launcher starts the command in a JVM of its own: the first run writes the class-data archive of its
     * kind, later runs map it, and what the user sees (output, exit code, the one error line) is the same either way
     * and the same as running the command in the first JVM.
     */
    @Test
    void theLauncherRunsTheCommandInATunedJvmWithTheSameResults() throws Exception {
        Run first = run(List.of(), "testdata/imdb-transformer/model.h5", "--review", "1");
        assertEquals(0, first.exit(), first.err());
        Path jvm = cache.resolve("attention-probe").resolve("jvm");
        try (var files = Files.list(jvm)) {
            // its archive, or (on a JDK without a base class-data archive, which cannot write one) the marker saying so
            assertEquals(1, files.filter(f -> f.getFileName().toString().matches("short-[0-9a-f]{16}\\.(jsa|none)")).count(),
                    "the first short run leaves its archive");
        }
        Run second = run(List.of(), "testdata/imdb-transformer/model.h5", "--review", "1");
        assertEquals(0, second.exit(), second.err());
        assertEquals(first.out(), second.out(), "mapped from the archive: the same output");
        assertEquals("", second.err());
        Run here = run(List.of("-Dprobe.relaunch=false"), "testdata/imdb-transformer/model.h5", "--review", "1");
        assertEquals(first.out(), here.out(), "in the first JVM: the same output");

        Run bad = run(List.of(), "testdata/imdb-transformer/model.h5", "--review", "100000");
        assertEquals(2, bad.exit(), "the child's exit code is the launcher's");
        assertEquals("", bad.out());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().startsWith("error: "), bad.err());
    }

    /**
     * A launcher killed outright ({@code kill -9}, no shutdown hook) leaves no command running on in its child: a corpus
     * of 40,000 rows (about 15 s here) stops within 5 s of it, where without the watch it ran to its end.
     */
    @Test
    void theCommandStopsWhenItsLauncherIsKilled() throws Exception {
        int[] ids = new int[40_000 * 200];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1 + i % 400;
        }
        Path rows = cache.resolve("rows.npy");
        org.attentionprobe.io.Npy.write(org.nd4j.linalg.factory.Nd4j.createFromArray(ids).reshape(40_000, 200), rows);
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", JAR.toString(), "testdata/imdb-transformer/model.h5", "--tokens-file",
                rows.toString(), "--summary", cache.resolve("s.jsonl").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        Process launcher = pb.start();
        ProcessHandle child = null;
        for (int i = 0; i < 200 && child == null; i++) {
            child = launcher.children().findFirst().orElse(null);
            Thread.sleep(25);
        }
        assertNotNull(child, "the launcher started the command in a child JVM");
        Thread.sleep(2000);
        assertTrue(child.isAlive(), "still at work");
        launcher.destroyForcibly();
        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS));
        ProcessHandle orphan = child;
        for (int i = 0; i < 100 && orphan.isAlive(); i++) {
            Thread.sleep(50);
        }
        boolean alive = orphan.isAlive();
        orphan.destroyForcibly();
        assertTrue(!alive, "the child stopped within 5 s of its launcher");
        assertTrue(!Files.exists(cache.resolve("s.jsonl")), "and left no summary file behind, not even a partial one");
    }

    @org.junit.jupiter.api.io.TempDir
    Path cache;

    private record Run(int exit, String out, String err) {
    }

    /** {@code java [jvmOptions] -jar probe.jar args...} with its own user cache folder. */
    private Run run(List<String> jvmOptions, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("java"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(cache.resolve("err.txt").toFile());
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished");
        return new Run(p.exitValue(), out, Files.readString(cache.resolve("err.txt")));
    }
}

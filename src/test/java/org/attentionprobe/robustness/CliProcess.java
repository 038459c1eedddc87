package org.attentionprobe.robustness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the real command line ({@code org.attentionprobe.cli.Main}) in a JVM of its own, in a working folder of
 * its own, and reports how it ended: exit code, what it printed, whether the JVM crashed (an
 * {@code hs_err_pid*.log} file, or a signal exit above 128) and whether it outlived its time bound.
 */
final class CliProcess {
    /** How one run ended. */
    record Outcome(int exitCode, List<String> stderr, boolean crashed, boolean timedOut, double seconds) {
        /** Non-blank stderr lines. */
        List<String> errorLines() {
            return stderr.stream().filter(l -> !l.isBlank()).toList();
        }

        /** Exit code 2 and exactly one non-empty stderr line starting with "error:". */
        boolean isOneLineError() {
            return !crashed && !timedOut && exitCode == 2 && errorLines().size() == 1 && errorLines().get(0).startsWith("error: ");
        }

        String describe() {
            if (timedOut) {
                return String.format("hung (killed after %.0f s)", seconds);
            }
            if (crashed) {
                return "JVM crashed (exit " + exitCode + ")" + (stderr.isEmpty() ? "" : ": " + stderr.get(0));
            }
            return "exit " + exitCode + ", " + errorLines().size() + " stderr line(s)"
                    + (errorLines().isEmpty() ? "" : ": " + String.join(" | ", errorLines().subList(0, Math.min(3, errorLines().size()))));
        }
    }

    /** Light JVM settings for many short runs; they change start-up time, not behaviour. */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xshare:auto", "-XX:-UsePerfData");

    private final String classPath;
    private final Duration timeout;

    CliProcess(Duration timeout) {
        this(timeout, System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    }

    CliProcess(Duration timeout, String classPath) {
        this.classPath = classPath;
        this.timeout = timeout;
    }

    /** This JVM's test class path. */
    static List<Path> testClassPath() {
        return java.util.Arrays.stream(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(java.io.File.pathSeparator)).filter(e -> !e.isEmpty()).map(Path::of).toList();
    }

    /** Runs {@code Main args} with {@code workDir} as working folder (created; its hs_err files are looked for there). */
    Outcome run(Path workDir, List<String> args) throws IOException, InterruptedException {
        return run(workDir, List.of(), args);
    }

    /** Runs {@code Main args} with extra JVM options. */
    Outcome run(Path workDir, List<String> jvmOptions, List<String> args) throws IOException, InterruptedException {
        Path stderr = workDir.resolve("stderr.txt");
        ProcessBuilder pb = builder(workDir, jvmOptions, args);
        long start = System.nanoTime();
        Process p = pb.start();
        boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int code = p.exitValue();
        boolean hsErr;
        try (Stream<Path> files = Files.list(workDir)) {
            hsErr = files.anyMatch(f -> f.getFileName().toString().startsWith("hs_err") || f.getFileName().toString().startsWith("core"));
        }
        List<String> err = new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8).lines().toList();
        return new Outcome(code, err, hsErr || (finished && code > 128), !finished, seconds);
    }

    /** The command line as a process in {@code workDir}, its output in {@code stdout.txt} and {@code stderr.txt} there. */
    ProcessBuilder builder(Path workDir, List<String> args) throws IOException {
        return builder(workDir, List.of(), args);
    }

    private ProcessBuilder builder(Path workDir, List<String> jvmOptions, List<String> args) throws IOException {
        Files.createDirectories(workDir);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(jvmOptions);
        command.add("-XX:ErrorFile=" + workDir.toAbsolutePath().resolve("hs_err_pid%p.log"));
        command.add("-cp");
        command.add(classPath);
        command.add("org.attentionprobe.cli.Main");
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(workDir.resolve("stdout.txt").toFile()).redirectError(workDir.resolve("stderr.txt").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb;
    }
}

package org.attentionprobe.isolation;

import org.attentionprobe.io.TempFolders;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.errors.ProbeException;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.errors.UserInput;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a model file in a child JVM and hands the result to this one, so that a file which makes the native HDF5
 * library crash (SIGSEGV, a C-library abort on a corrupted heap) or loop forever ends as a
 * {@link BrokenModelException} instead of taking this JVM down or hanging it. This JVM never lets the native
 * library near the file.
 *
 * <p>Why a child process: HDF5 1.12 trusts the sizes and addresses a file declares. Damaging the metadata of the
 * Keras test models (B-tree nodes, object headers, attribute messages, the global heap of variable-length
 * strings) crashed about one read in a hundred, in a dozen places of the library; a cycle of B-tree nodes recurses
 * until the native stack overflows. Some of those reads go past a buffer without crashing in one process and crash
 * in another with a different memory layout, so reading once to check and again to use is not safe either. No check
 * in Java short of re-implementing HDF5's parser can rule these out, and a crash in native code cannot be caught in
 * the JVM it happens in.
 *
 * <p>The child ({@link IsolatedReadChild}) runs {@link ModelFiles#read(Path, LoadOptions)} and writes what it returned
 * to its standard output ({@link SavedModelCodec}): the model, or the {@link ProbeException} it threw (re-thrown here
 * with the same type and message). A stream that ends early, a child that dies, or one that outlives its time means
 * the file is broken.
 *
 * <pre>{@code
 * IsolatedRead read = IsolatedRead.start(file, options, IsolatedRead.timeoutFor(file));   // runs beside the caller
 * ...                                                                                       // other work meanwhile
 * SavedModel saved = read.await().orElseGet(() -> ModelFiles.read(file, options));         // empty: no child JVM
 * }</pre>
 *
 * A caller that stops before {@code await()} (its own input was wrong) closes it, which stops the child at once.
 *
 * When no child JVM can be started (no {@code java} executable, no temporary folder, a JVM that refuses its
 * options), {@link #await()} is empty and the caller reads in-process, as it would without this class.
 */
public final class IsolatedRead implements AutoCloseable {
    /** Time for the child to start and read a small file; larger files add a second per 50 MB. */
    public static final Duration BASE_TIMEOUT = Duration.ofSeconds(10);
    private static final long BYTES_PER_SECOND = 50L << 20;
    private static final String TEMP_PREFIX = "attention-probe-read-";

    private final Path model;
    private final LoadOptions options;
    private final Duration timeout;
    private final Process process;                      // null when no child could be started
    private final Path workDir;
    private final CompletableFuture<Reply> reply;
    private final Thread cleanup;                       // stops the child if this JVM exits before await()
    private final long startedNanos = System.nanoTime();

    /** What the child's stream said. */
    private sealed interface Reply {
    }

    private record NotStarted() implements Reply {
    }

    private record Incomplete(String why) implements Reply {
    }

    private record Model(SavedModel model) implements Reply {
    }

    private record Problem(String kind, String message, String about) implements Reply {
    }

    private record Failure(String description) implements Reply {
    }

    private IsolatedRead(Path model, LoadOptions options, Duration timeout, Process process, Path workDir) {
        this.model = model;
        this.options = options;
        this.timeout = timeout;
        this.process = process;
        this.workDir = workDir;
        if (process == null) {
            this.reply = CompletableFuture.completedFuture(new NotStarted());
            this.cleanup = null;
            return;
        }
        this.reply = CompletableFuture.supplyAsync(this::decode, runnable -> {
            Thread t = new Thread(runnable, "isolated-read");
            t.setDaemon(true);
            t.start();
        });
        this.cleanup = new Thread(this::stop, "isolated-read-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** The default time bound for a file: {@link #BASE_TIMEOUT} plus one second per 50 MB. */
    public static Duration timeoutFor(Path file) {
        return BASE_TIMEOUT.plusSeconds(file.toFile().length() / BYTES_PER_SECOND);
    }

    /** Starts the child JVM reading {@code model}; returns at once. Its files live in the system's temporary folder. */
    public static IsolatedRead start(Path model, LoadOptions options, Duration timeout) {
        return start(model, options, timeout, null);
    }

    /** Starts the child JVM reading {@code model}, with its files in a new folder under {@code tempRoot}. */
    public static IsolatedRead start(Path model, LoadOptions options, Duration timeout, Path tempRoot) {
        Path workDir = null;
        try {
            workDir = tempRoot == null ? Files.createTempDirectory(TEMP_PREFIX) : Files.createTempDirectory(tempRoot, TEMP_PREFIX);
            Process p = new ProcessBuilder(command(model, options, timeout, workDir)).directory(workDir.toFile())
                    .redirectError(workDir.resolve("stderr").toFile())
                    .start();
            p.getOutputStream().close();
            return new IsolatedRead(model, options, timeout, p, workDir);
        } catch (IOException | UncheckedIOException | SecurityException | UnsupportedOperationException e) {
            TempFolders.deleteRecursively(workDir);
            return new IsolatedRead(model, options, timeout, null, null);
        }
    }

    /**
     * Waits for the child: the model it read; empty when no child JVM could run (read in-process then). Throws the
     * {@link ProbeException} the read threw, or {@link BrokenModelException} when the child crashed or did not finish
     * in time.
     */
    public Optional<SavedModel> await() {
        if (process == null) {
            return Optional.empty();
        }
        try {
            Reply r;
            try {
                long left = timeout.toNanos() - (System.nanoTime() - startedNanos);   // the clock runs from start()
                r = reply.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                stop();
                throw new BrokenModelException(model.getFileName() + " is damaged: reading it did not finish within "
                        + timeout.toSeconds() + " s (the HDF5 library loops on a corrupt structure); expected an intact "
                        + "Keras model file");
            }
            boolean exited = process.waitFor(10, TimeUnit.SECONDS);
            boolean clean = exited && process.exitValue() == 0;
            if (r instanceof NotStarted) {
                return Optional.empty();   // the child JVM did not reach its first line: read in-process
            }
            if (exited && process.exitValue() == IsolatedReadChild.OUT_OF_BOUNDS) {
                throw new BrokenModelException(model.getFileName() + " is damaged: reading it made the HDF5 library take more than "
                        + (IsolatedReadChild.nativeLimit(model.toFile().length()) >> 20) + " MB of memory (it loops on a corrupt "
                        + "structure); expected an intact Keras model file");
            }
            if (r instanceof Incomplete || !clean) {
                throw new BrokenModelException(model.getFileName() + " is damaged: the HDF5 library crashed reading it ("
                        + crashKind(exited ? process.exitValue() : -1) + "); expected an intact Keras model file");
            }
            if (r instanceof Problem p) {
                throw problem(p.kind(), paths(p.message()), p.about());
            }
            if (r instanceof Failure f) {
                throw new IllegalStateException("reading " + model + " failed in the reader process: " + paths(f.description()));
            }
            SavedModel m = ((Model) r).model();
            return Optional.of(new SavedModel(model, m.format(), m.kerasVersion(), m.backend(), m.config(), m.weights()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokenModelException(model.getFileName() + ": reading it was interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("reading " + model + " in a child JVM failed", e.getCause());
        } finally {
            close();
        }
    }

    /** Stops the child if it still runs (a caller that gave up before {@link #await()}) and removes its files; idempotent. */
    @Override
    public void close() {
        if (process == null) {
            return;
        }
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs and finds nothing left to do
        }
    }

    /** Decodes the child's standard output (on the reader thread; ends when the stream ends). */
    private Reply decode() {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16))) {
            byte[] magic = in.readNBytes(IsolatedReadChild.MAGIC.length);
            if (!Arrays.equals(magic, IsolatedReadChild.MAGIC)) {
                return magic.length == 0 ? new NotStarted() : new Incomplete("no header");
            }
            int tag = in.read();
            Reply r = switch (tag) {
                case IsolatedReadChild.MODEL -> new Model(SavedModelCodec.read(in));
                case IsolatedReadChild.PROBLEM -> new Problem(SavedModelCodec.readString(in), SavedModelCodec.readString(in),
                        SavedModelCodec.readString(in));
                case IsolatedReadChild.FAILURE -> new Failure(SavedModelCodec.readString(in));
                default -> new Incomplete("ended after the header");
            };
            return in.read() == IsolatedReadChild.END ? r : new Incomplete("no end marker");
        } catch (IOException | RuntimeException e) {
            return new Incomplete(e.toString());
        }
    }

    /** The child's exception again: its kind, its message and the input it is about ("" for none). */
    private static ProbeException problem(String kind, String message, String about) {
        UserInput input = about.isEmpty() ? null : UserInput.valueOf(about);
        return switch (kind) {
            case "UnsupportedModelException" -> new UnsupportedModelException(input, message);
            case "InvalidInputException" -> new InvalidInputException(input, message);
            default -> input == null ? new BrokenModelException(message) : new BrokenModelException(input, message);
        };
    }

    /** Messages of the child name files by absolute path; put back the paths the caller gave. */
    private String paths(String message) {
        String out = message.replace(model.toAbsolutePath().toString(), model.toString());
        return options.config() == null ? out : out.replace(options.config().toAbsolutePath().toString(), options.config().toString());
    }

    /** What the child's error report and standard error say about how it died. */
    private String crashKind(int exitCode) {
        String report;
        try (Stream<Path> files = Files.list(workDir)) {
            report = files.filter(f -> f.getFileName().toString().startsWith("hs_err") || f.getFileName().toString().equals("stderr"))
                    .map(IsolatedRead::readQuietly).collect(Collectors.joining("\n"));
        } catch (IOException | UncheckedIOException e) {
            report = "";
        }
        for (String signal : List.of("SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE")) {
            if (report.contains(signal)) {
                return signal;
            }
        }
        if (report.contains("free()") || report.contains("malloc") || report.contains("corrupted")) {
            return "heap corruption detected by the C library";
        }
        if (exitCode > 128) {
            return "killed by signal " + (exitCode - 128);
        }
        return exitCode < 0 ? "it stopped answering" : "exit code " + exitCode;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops the child if it still runs and removes its files. */
    private void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TempFolders.deleteRecursively(workDir);
    }

    private static List<String> command(Path model, LoadOptions options, Duration timeout, Path workDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+IgnoreUnrecognizedVMOptions");
        cmd.add("-Xmx" + Math.max(256, Runtime.getRuntime().maxMemory() >> 20) + "m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.add("-XX:-UsePerfData");
        cmd.add("-XX:-CreateCoredumpFiles");
        cmd.add("-XX:ErrorFile=" + workDir.resolve("hs_err_pid%p.log"));
        cmd.add("-Djava.io.tmpdir=" + workDir);
        cmd.add("-Djava.awt.headless=true");
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("org.bytedeco."))
                .sorted().forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.add("-cp");
        cmd.add(absoluteClassPath());
        cmd.add(IsolatedReadChild.class.getName());
        cmd.add(model.toAbsolutePath().toString());
        cmd.add(options.config() == null ? "" : options.config().toAbsolutePath().toString());
        cmd.add(options.numHeads().stream().map(String::valueOf).collect(Collectors.joining(",")));
        cmd.add(String.valueOf(timeout.toMillis()));
        cmd.add(options.sublayerOrder().encode());
        return cmd;
    }

    /** This JVM's class path with every entry made absolute: the child runs in another folder ({@code java -jar target/probe.jar}). */
    private static String absoluteClassPath() {
        return Stream.of(System.getProperty("java.class.path", "").split(java.io.File.pathSeparator))
                .filter(e -> !e.isEmpty())
                .map(e -> Path.of(e).toAbsolutePath().toString())
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }
}

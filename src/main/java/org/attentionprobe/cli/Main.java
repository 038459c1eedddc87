package org.attentionprobe.cli;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.errors.ProbeException;
import org.attentionprobe.explain.Attributions;
import org.attentionprobe.graph.NativeBackend;
import org.attentionprobe.isolation.CleanReads;
import org.attentionprobe.keras.Hdf5File;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * {@code java -jar probe.jar ...}. Exit codes: 0 success, 1 internal error (a bug: the stack trace is
 * printed), 2 bad input (one line on stderr naming what was expected and what was found).
 */
public final class Main {
    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int BAD_INPUT = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");   // heatmaps are drawn off-screen
        Launcher.exitWithLauncher();
        NativeBackend.select(); // before ND4J loads its natives
        if (needsModel(args)) {
            // 0.3–0.5 s of native loading, beside option parsing and the file read; HDF5 first (see there)
            NativeBackend.loadInBackground(Hdf5File::loadNatives, explains(args) ? Attributions::warmUp : () -> { });
        }
        PrintWriter err = new PrintWriter(System.err, true);
        ModelLoader loader;
        try {
            loader = mainLoader();
        } catch (InvalidInputException e) {
            err.println("error: " + e.getMessage());
            System.exit(BAD_INPUT);
            return;
        }
        System.exit(run(args, new PrintWriter(System.out, true), err, loader));
    }

    /** Whether the arguments ask for attributions ({@code --explain}, {@code --report}). */
    static boolean explains(String[] args) {
        return JvmProfile.of(args).orElse(null) == JvmProfile.EXPLAIN;
    }

    /** Whether the arguments will open a model: anything but help and version (bad arguments end before it matters). */
    static boolean needsModel(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return false;
            }
        }
        return args.length > 0;
    }

    /**
     * The real command line reads each model in a child JVM first ({@link ModelLoader#isolated}), unless
     * {@code -Dprobe.isolatedRead=false}; {@code -Dprobe.readTimeout=SECONDS} overrides the time it allows. A file whose
     * bytes a child read cleanly before is read in this JVM ({@link CleanReads}, in the user's cache folder), unless
     * {@code -Dprobe.readCache=false}.
     */
    private static ModelLoader mainLoader() {
        if ("false".equalsIgnoreCase(System.getProperty("probe.isolatedRead"))) {
            return ModelLoader.inProcess();
        }
        CleanReads cleanReads = "false".equalsIgnoreCase(System.getProperty("probe.readCache")) ? null : CleanReads.inUserCache();
        return ModelLoader.isolated(readTimeout(System.getProperty("probe.readTimeout")), cleanReads);
    }

    /** The value of {@code -Dprobe.readTimeout}: null when not set (by file size), else whole seconds, 1 or more. */
    static Duration readTimeout(String seconds) {
        if (seconds == null) {
            return null;
        }
        try {
            long s = Long.parseLong(seconds.strip());
            if (s >= 1) {
                return Duration.ofSeconds(s);
            }
        } catch (NumberFormatException e) {
            // not a whole number: refused below, like a number below 1
        }
        throw new InvalidInputException("-Dprobe.readTimeout must be a whole number of seconds, 1 or more, got \"" + seconds + "\"");
    }

    /** Runs the command line with the given streams and returns the exit code (for tests: models are read in this JVM). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, ModelLoader.inProcess());
    }

    static int run(String[] args, PrintWriter out, PrintWriter err, ModelLoader loader) {
        CommandLine cli = commandLine(loader);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("error: " + (ex instanceof CommandLine.MutuallyExclusiveArgsException ? oneOf(ex.getMessage())
                    : firstLine(ex.getMessage()) + " (see --help)"));
            return BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            ProbeException probe = findProbeException(ex);
            if (probe != null) {
                err.println("error: " + Flags.line(probe));
                return BAD_INPUT;
            }
            err.println("internal error: " + ex);
            ex.printStackTrace(err);
            return INTERNAL_ERROR;
        });
        return cli.execute(args);
    }

    static CommandLine commandLine(ModelLoader loader) {
        return new CommandLine(new ProbeCommand(loader))
                .addSubcommand(new VerifyCommand(loader))
                .addSubcommand(new BenchCommand());
    }

    private static ProbeException findProbeException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProbeException p) {
                return p;
            }
        }
        return null;
    }

    /**
     * Picocli's refusal of two options of one exclusive group ("Error: --review=N[,N...], --text=TEXT are mutually
     * exclusive (specify only one)") in this tool's words: {@code give one input, not 2: --review and --text}.
     */
    static String oneOf(String picocliMessage) {
        java.util.List<String> options = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(--[a-z][a-z-]*)").matcher(firstLine(picocliMessage));
        while (m.find()) {
            if (!options.contains(m.group(1))) {
                options.add(m.group(1));
            }
        }
        return options.size() < 2 ? firstLine(picocliMessage) + " (see --help)"
                : "give one input, not " + options.size() + ": " + String.join(" and ", options);
    }

    /** Messages must be one line; a multi-line message from a library is cut to its first line. */
    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        String line = message.strip();
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl).strip();
    }
}

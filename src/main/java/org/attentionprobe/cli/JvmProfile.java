package org.attentionprobe.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What kind of run a command line is, for the JVM {@link Launcher} starts it in. Measured on the bundled models
 * (docs/speed.md): a run of seconds spends more CPU compiling with C2 than C2's code ever gives back, so short runs
 * keep to the C1 compiler; a corpus run keeps C2 for its hottest code, which pays off over thousands of rows.
 */
enum JvmProfile {
    /** One review or a few, and {@code verify}: C1 only, the serial collector. */
    SHORT("short", true),
    /** {@code --explain} or {@code --report}: the gradient graph's start dominates; C1 only, the serial collector. */
    EXPLAIN("explain", true),
    /**
     * {@code --tokens-file}, {@code --reviews}, {@code --all}: both compilers, C2 only for code ten times hotter than
     * its defaults ask ({@link #LATE_C2}), and the parallel collector with a young generation of 128 MB. C1 alone was
     * faster at 25,000 rows and slower at 100,000; C2 this late is as fast as C1 alone at 25,000 (with its defaults,
     * C2 compiles start-up code that never runs again) and as the defaults at 100,000. The default collector grew
     * the process to 0.9 GB at 25,000 rows and 2.1 GB at 100,000; this one to 0.5 and 0.8 GB, no slower.
     */
    CORPUS("corpus", false);

    /** C2's invocation, loop and compile thresholds at ten times HotSpot's defaults (5,000, 600, 15,000, 40,000). */
    private static final List<String> LATE_C2 = List.of("-XX:Tier4InvocationThreshold=50000",
            "-XX:Tier4MinInvocationThreshold=6000", "-XX:Tier4CompileThreshold=150000", "-XX:Tier4BackEdgeThreshold=400000");

    private static final Set<String> NO_MODEL = Set.of("-h", "--help", "-V", "--version");
    private static final Set<String> CORPUS_INPUTS = Set.of("--tokens-file", "--reviews", "--all");
    private static final Set<String> EXPLAINING = Set.of("--explain", "--report");

    /** Names the class-data archive this kind of run loads its classes from. */
    final String archiveName;
    private final boolean quickCompiler;

    JvmProfile(String archiveName, boolean quickCompiler) {
        this.archiveName = archiveName;
        this.quickCompiler = quickCompiler;
    }

    /**
     * The kind of run {@code args} asks for; empty when it gains nothing from a JVM of its own: help, the version, no
     * arguments, and {@code bench}, which measures steady-state speed (full JIT, this JVM).
     */
    static Optional<JvmProfile> of(String[] args) {
        if (args.length == 0 || args[0].equals("bench")) {
            return Optional.empty();
        }
        boolean corpus = false;
        boolean explain = false;
        for (String a : args) {
            String name = a.startsWith("--") && a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (NO_MODEL.contains(name)) {
                return Optional.empty();
            }
            corpus |= CORPUS_INPUTS.contains(name);
            explain |= EXPLAINING.contains(name);
        }
        return Optional.of(corpus ? CORPUS : explain ? EXPLAIN : SHORT);
    }

    /**
     * This profile's JVM options, leaving out a collector when {@code userOptions} choose one (two collectors are an
     * error); the user's own options come after these on the command line, so theirs win.
     */
    List<String> jvmOptions(List<String> userOptions) {
        List<String> options = new ArrayList<>();
        if (quickCompiler) {
            options.add("-XX:TieredStopAtLevel=1");
        } else {
            options.addAll(LATE_C2);
        }
        if (!choosesCollector(userOptions)) {
            options.add(quickCompiler ? "-XX:+UseSerialGC" : "-XX:+UseParallelGC");
        }
        if (!quickCompiler && !sizesHeap(userOptions)) {
            options.add("-Xmn128m");
        }
        return options;
    }

    /** Whether the options size the heap or a generation of it (then a young generation of ours could clash). */
    private static boolean sizesHeap(List<String> options) {
        for (String o : options) {
            if (o.startsWith("-Xm") || o.startsWith("-XX:MaxHeapSize") || o.startsWith("-XX:InitialHeapSize")
                    || o.contains("NewSize") || o.contains("RAMPercentage") || o.contains("RAMFraction")) {
                return true;
            }
        }
        return false;
    }

    private static boolean choosesCollector(List<String> options) {
        for (String o : options) {
            if (o.startsWith("-XX:+Use") && o.endsWith("GC")) {
                return true;
            }
        }
        return false;
    }
}

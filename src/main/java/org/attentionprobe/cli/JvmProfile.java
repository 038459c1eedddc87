package org.attentionprobe.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What kind of run a command line is, for the JVM {@link Launcher} starts it in. Every kind keeps to the C1 compiler:
 * measured on the bundled models (docs/speed.md), the work is in native code, and C2 spends more CPU compiling the Java
 * around it than its code gives back, on the cores the work needs. Short runs get the serial collector, corpus runs the
 * parallel one with a bounded young generation.
 */
enum JvmProfile {
    /** One review or a few, and {@code verify}: the serial collector. */
    SHORT("short", false),
    /** {@code --explain} or {@code --report}: the gradient graph's start dominates; the serial collector. */
    EXPLAIN("explain", false),
    /**
     * {@code --tokens-file}, {@code --reviews}, {@code --all}: the parallel collector with a young generation of
     * 128 MB (the default collector grew the process to 0.9 GB at 25,000 rows and 2.1 GB at 100,000; this one to 0.5
     * and 0.8 GB, no slower). C1 alone took 6.24 s where C2 (started late) took 6.78 s over 25,000 rows, median of
     * five interleaved runs, and was level at 100,000 (22.3 against 22.6 s).
     */
    CORPUS("corpus", true);

    private static final Set<String> NO_MODEL = Set.of("-h", "--help", "-V", "--version");
    private static final Set<String> CORPUS_INPUTS = Set.of("--tokens-file", "--reviews", "--all");
    private static final Set<String> EXPLAINING = Set.of("--explain", "--report");

    /** Names the class-data archive this kind of run loads its classes from. */
    final String archiveName;
    private final boolean longRun;   // the parallel collector and a bounded young generation

    JvmProfile(String archiveName, boolean longRun) {
        this.archiveName = archiveName;
        this.longRun = longRun;
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
        options.add("-XX:TieredStopAtLevel=1");
        if (!choosesCollector(userOptions)) {
            options.add(longRun ? "-XX:+UseParallelGC" : "-XX:+UseSerialGC");
        }
        if (longRun && !sizesHeap(userOptions)) {
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

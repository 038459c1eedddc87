package org.attentionprobe.graph;

import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The native side of ND4J: which build of its natives to load, and how many threads its ops use.
 *
 * <p>The project ships nd4j-native's oneDNN build (classifier {@code linux-x86_64-onednn}): its softmax is
 * oneDNN's vectorised kernel, where the plain build calls scalar {@code expf} for each of the
 * {@code H·L·L} attention weights and spends 40% of a forward pass there. JavaCPP loads a build with a
 * classifier suffix only when the system property {@value #EXTENSION_PROPERTY} names it, so
 * {@link #select()} sets it, before ND4J's first use, to the build the classpath carries.
 */
public final class NativeBackend {
    public static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    private static final String[] PREFERRED = {"-onednn", ""};
    private static final java.util.concurrent.atomic.AtomicBoolean LOADING = new java.util.concurrent.atomic.AtomicBoolean();

    private NativeBackend() {
    }

    /** Points JavaCPP at the natives on the classpath, unless the property is already set. Idempotent. */
    public static void select() {
        if (System.getProperty(EXTENSION_PROPERTY) != null) {
            return;
        }
        String platform = Loader.getPlatform();
        for (String extension : PREFERRED) {
            String lib = "org/nd4j/linalg/cpu/nativecpu/bindings/" + platform + extension + "/libjnind4jcpu.so";
            if (NativeBackend.class.getClassLoader().getResource(lib) != null) {
                System.setProperty(EXTENSION_PROPERTY, extension);
                return;
            }
        }
    }

    /**
     * Starts loading ND4J's natives on a daemon thread, for a command line that will need them soon: the 0.3–0.4 s
     * that loading takes then overlaps with its other work (options, input files, the model file's preflight). A
     * thread that needs ND4J meanwhile waits for the load (class initialisation); a load that fails fails again, with
     * its message, where ND4J is first used. Idempotent.
     *
     * <p>{@code first} runs on the same thread before ND4J starts: the other native libraries the command will load
     * (HDF5's). They must not load while ND4J initialises. ND4J's start looks up BLAS symbols with JavaCPP's
     * {@code Loader.addressof}, which calls {@code dlopen} inside glibc's {@code dl_iterate_phdr}; a {@code dlopen} on
     * another thread at that moment deadlocks the two (seen here: a model read's HDF5 load beside this thread, the
     * process hung for good). Loading them first, on this thread, leaves no {@code dlopen} of ours to race with.
     *
     * <p>{@code then} runs on the same thread once ND4J is up: more of what the command will need (the op registry an
     * explanation's gradient graph needs).
     */
    public static void loadInBackground(Runnable first, Runnable then) {
        select();
        if (LOADING.compareAndSet(false, true)) {
            Thread loader = new Thread(() -> {
                try {
                    first.run();
                    Nd4j.getExecutioner();
                    then.run();
                } catch (Throwable e) {
                    // reported by the first real use, on the thread that needs it
                }
            }, "nd4j-load");
            loader.setDaemon(true);
            loader.start();
        }
    }

    /** The build in use: {@code "-onednn"}, or {@code ""} for the plain one. */
    public static String extension() {
        return System.getProperty(EXTENSION_PROPERTY, "");
    }

    /**
     * The threads each ND4J op may use: libnd4j's own loops and OpenBLAS (process-wide settings), and OpenMP,
     * which oneDNN's kernels use (a per-thread setting: call this on every thread that runs ops). For data
     * parallelism, one runner per thread, use 1: OpenMP's idle workers otherwise spin on the cores the other
     * runners need.
     */
    public static void setOpThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }

    /** The process-wide thread settings {@link #setOpThreads} changes, to put back when a parallel run ends. */
    public record OpThreads(int maxThreads, int maxMasterThreads, int blasThreads) {
        /** The settings now. */
        public static OpThreads current() {
            return new OpThreads(Nd4j.getEnvironment().maxThreads(), Nd4j.getEnvironment().maxMasterThreads(),
                    Nd4j.factory().blas().getMaxThreads());
        }

        /** Puts these settings back (the calling thread's OpenMP setting is left as it is). */
        public void restore() {
            Nd4j.getEnvironment().setMaxThreads(maxThreads);
            Nd4j.getEnvironment().setMaxMasterThreads(maxMasterThreads);
            Nd4j.factory().blas().setMaxThreads(blasThreads);
        }
    }

    /**
     * Asks glibc to give freed native memory back to the system ({@code malloc_trim}, through JavaCPP, whose
     * method for it is private in 1.5.7). Best effort: does nothing where that is not possible.
     */
    public static void trimMemory() {
        try {
            java.lang.reflect.Method trim = org.bytedeco.javacpp.Pointer.class.getDeclaredMethod("trimMemory");
            trim.setAccessible(true);
            trim.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // not on glibc, or JavaCPP changed: memory is returned later or not at all, results are unaffected
        }
    }

    /** The threads ND4J's ops use now. */
    public static int opThreads() {
        return Nd4j.getEnvironment().maxThreads();
    }
}

package org.attentionprobe.isolation;

import org.attentionprobe.keras.SublayerOrder;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.errors.ProbeException;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The child JVM of {@link IsolatedRead}: {@code IsolatedReadChild MODEL CONFIG-OR-EMPTY HEADS-OR-EMPTY TIMEOUT-MS}. Writes
 * to its standard output a header, then what {@link ModelFiles#read} returned or threw, then an end marker, and exits.
 * It also ends itself when its parent is gone or its time is up, so a read caught in a loop never outlives a
 * parent that was killed outright, and when memory outside the Java heap grew past {@link #nativeLimit} (exit code
 * {@link #OUT_OF_BOUNDS}): a loop over a corrupt structure can allocate hundreds of MB per second.
 *
 * <pre>
 * MAGIC  'M' model ({@link SavedModelCodec})            'Z'
 * MAGIC  'P' exception class name, message, the input it is about or "" (strings)   'Z'
 * MAGIC  'F' description of an unexpected error        'Z'
 * </pre>
 */
final class IsolatedReadChild {
    static final byte[] MAGIC = "attention-probe isolated read 2\n".getBytes(StandardCharsets.US_ASCII);
    static final int MODEL = 'M';
    static final int PROBLEM = 'P';
    static final int FAILURE = 'F';
    static final int END = 'Z';
    /** Exit code when memory outside the Java heap passed {@link #nativeLimit}. */
    static final int OUT_OF_BOUNDS = 4;

    private IsolatedReadChild() {
    }

    public static void main(String[] args) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
        System.setOut(System.err);   // nothing else may write into the stream
        out.write(MAGIC);
        out.flush();
        watchdog(Long.parseLong(args[3]), nativeLimit(Path.of(args[0]).toFile().length()));
        try {
            List<Integer> heads = args[2].isEmpty() ? List.of() : Stream.of(args[2].split(",")).map(Integer::valueOf).toList();
            SublayerOrder order = args.length > 4 ? SublayerOrder.decode(args[4]) : SublayerOrder.builtIn();
            SavedModel m = ModelFiles.read(Path.of(args[0]), new LoadOptions(args[1].isEmpty() ? null : Path.of(args[1]), heads, order));
            out.write(MODEL);
            SavedModelCodec.write(m, out);
        } catch (ProbeException e) {
            out.write(PROBLEM);
            SavedModelCodec.writeString(out, e.getClass().getSimpleName());
            SavedModelCodec.writeString(out, String.valueOf(e.getMessage()));
            SavedModelCodec.writeString(out, e.about().map(Enum::name).orElse(""));
        } catch (RuntimeException | Error e) {
            out.write(FAILURE);
            SavedModelCodec.writeString(out, e.toString());
        }
        out.write(END);
        out.flush();
        System.exit(0);
    }

    /**
     * Memory outside the Java heap a read of a file of {@code fileBytes} may take: the JVM itself some 100 MB, HDF5 a
     * few MB, and a native buffer as large as the largest weight, which is smaller than the file.
     */
    static long nativeLimit(long fileBytes) {
        return (512L << 20) + 2 * fileBytes;
    }

    /**
     * A daemon thread that halts this JVM when the parent has gone, {@code timeoutMillis} (and a margin) passed, or
     * memory outside the Java heap grew past {@code nativeLimit}.
     */
    private static void watchdog(long timeoutMillis, long nativeLimit) {
        long deadline = System.nanoTime() + (timeoutMillis + 5_000) * 1_000_000;
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        Thread t = new Thread(() -> {
            while (System.nanoTime() < deadline && (parent == null || parent.isAlive())) {
                if (residentBytes() - Runtime.getRuntime().totalMemory() > nativeLimit) {
                    Runtime.getRuntime().halt(OUT_OF_BOUNDS);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(3);
        }, "isolated-read-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** This process's resident memory from {@code /proc/self/status} (Linux); 0 when unknown. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no memory bound, the time bound still holds
        }
        return 0;
    }
}

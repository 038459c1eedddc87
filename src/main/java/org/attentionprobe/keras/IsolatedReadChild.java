package org.attentionprobe.keras;

import org.attentionprobe.ProbeException;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The child JVM of {@link IsolatedRead}: {@code IsolatedReadChild MODEL CONFIG-OR-EMPTY HEADS-OR-EMPTY}. Writes to its
 * standard output a header, then what {@link ModelFiles#read} returned or threw, then an end marker, and exits.
 *
 * <pre>
 * MAGIC  'M' model ({@link SavedModelCodec})            'Z'
 * MAGIC  'P' exception class name, message (strings)   'Z'
 * MAGIC  'F' description of an unexpected error        'Z'
 * </pre>
 */
final class IsolatedReadChild {
    static final byte[] MAGIC = "attention-probe isolated read 1\n".getBytes(StandardCharsets.US_ASCII);
    static final int MODEL = 'M';
    static final int PROBLEM = 'P';
    static final int FAILURE = 'F';
    static final int END = 'Z';

    private IsolatedReadChild() {
    }

    public static void main(String[] args) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
        System.setOut(System.err);   // nothing else may write into the stream
        out.write(MAGIC);
        out.flush();
        try {
            List<Integer> heads = args[2].isEmpty() ? List.of() : Stream.of(args[2].split(",")).map(Integer::valueOf).toList();
            SavedModel m = ModelFiles.read(Path.of(args[0]), new LoadOptions(args[1].isEmpty() ? null : Path.of(args[1]), heads));
            out.write(MODEL);
            SavedModelCodec.write(m, out);
        } catch (ProbeException e) {
            out.write(PROBLEM);
            SavedModelCodec.writeString(out, e.getClass().getSimpleName());
            SavedModelCodec.writeString(out, String.valueOf(e.getMessage()));
        } catch (RuntimeException | Error e) {
            out.write(FAILURE);
            SavedModelCodec.writeString(out, e.toString());
        }
        out.write(END);
        out.flush();
        System.exit(0);
    }
}

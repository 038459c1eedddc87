package org.attentionprobe.io;

import org.attentionprobe.InvalidInputException;
import org.attentionprobe.keras.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes one float32 {@code .npy} array of known total shape batch by batch, so arrays larger than memory
 * (attention for a whole corpus) can be exported. Written to a temporary file and renamed on
 * {@link #close()} when every row arrived; abandoned files are deleted.
 */
public final class NpyStreamWriter implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final OutputStream out;
    private final long[] shape;
    private long rowsWritten;
    private boolean failed;

    public NpyStreamWriter(Path target, long... shape) {
        this.target = target;
        this.shape = shape.clone();
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            this.tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            tmp.toFile().deleteOnExit();   // a run stopped by Ctrl-C or kill leaves no temporary file either
            this.out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
            Npy.writeHeader(out, "<f4", shape);
        } catch (IOException e) {
            throw new InvalidInputException("cannot write " + target + ": " + AtomicFiles.describe(e), e);
        }
    }

    /** Appends rows {@code [b, shape[1], ...]}; the trailing dimensions must match. */
    public void append(INDArray rows) {
        long[] expected = shape.clone();
        expected[0] = rows.size(0);
        if (!Arrays.equals(expected, rows.shape())) {
            failed = true;
            throw new IllegalArgumentException("rows of shape " + Shapes.format(rows.shape()) + " for an array of shape " + Shapes.format(shape));
        }
        try {
            Npy.writeData(rows.castTo(DataType.FLOAT), out);
            rowsWritten += rows.size(0);
        } catch (IOException e) {
            failed = true;
            throw new InvalidInputException("cannot write " + target + ": " + AtomicFiles.describe(e), e);
        }
    }

    /** Renames the file into place if complete; otherwise deletes it. */
    @Override
    public void close() {
        try {
            out.close();
            if (!failed && rowsWritten == shape[0]) {
                AtomicFiles.commit(tmp, target);
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot write " + target + ": " + AtomicFiles.describe(e), e);
        } finally {
            AtomicFiles.deleteQuietly(tmp);
        }
    }
}

package org.attentionprobe.io;


import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes one float32 {@code .npy} array of known total shape batch by batch, so arrays larger than memory
 * (attention for a whole corpus) can be exported. Written to a temporary file and renamed on
 * {@link #close()} when every row arrived; abandoned files are deleted.
 */
public final class NpyStreamWriter implements AutoCloseable {
    private final AtomicOutput file;
    private final long[] shape;
    private long rowsWritten;
    private boolean failed;

    public NpyStreamWriter(Path target, long... shape) {
        this.shape = shape.clone();
        this.file = AtomicOutput.open(target);
        try {
            Npy.writeHeader(file.stream(), "<f4", shape);
        } catch (IOException e) {
            file.close();
            throw AtomicOutput.failure(target, e);
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
            Npy.writeData(rows.castTo(DataType.FLOAT), file.stream());
            rowsWritten += rows.size(0);
        } catch (IOException e) {
            failed = true;
            throw AtomicOutput.failure(file.target(), e);
        }
    }

    /** Renames the file into place if complete; otherwise deletes it. */
    @Override
    public void close() {
        try {
            if (!failed && rowsWritten == shape[0]) {
                file.commit();
            }
        } finally {
            file.close();
        }
    }
}

package org.attentionprobe.io;

import org.attentionprobe.errors.InvalidInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * The token ids of an {@code .npy} file, {@code [rows, length]} or {@code [length]} (one row), of any integer type or
 * a float type holding whole numbers: read from the file row by row as they are asked for, so that a corpus of any
 * size holds only the rows in flight. {@link #open} checks the header and the file's size; {@link #check} reads every
 * row once, in order, to check the values before a run starts; {@link #row} then decodes one row. Threads may read
 * rows at the same time.
 */
public final class TokenFile implements AutoCloseable {
    private static final int SCAN_BYTES = 1 << 20;   // rows read at a time by check()

    private final String name;
    private final FileChannel channel;
    private final Npy.Dtype dtype;
    private final long dataStart;   // bytes before the first id
    private final int rows;
    private final int length;       // ids per row

    private TokenFile(String name, FileChannel channel, Npy.Dtype dtype, long dataStart, int rows, int length) {
        this.name = name;
        this.channel = channel;
        this.dtype = dtype;
        this.dataStart = dataStart;
        this.rows = rows;
        this.length = length;
    }

    /**
     * Opens a token file: its header must declare a non-empty array of rank 1 or 2, and the file must hold its data.
     * (The command line first checks that the path is a readable file, with its own messages.)
     */
    public static TokenFile open(Path file) {
        String name = file.getFileName().toString();
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            Npy.Header h = Npy.header(Channels.newInputStream(channel.position(0)), name);
            if (h.shape().length != 1 && h.shape().length != 2) {
                throw new InvalidInputException(name + " has shape " + Arrays.toString(h.shape())
                        + "; expected token ids of shape [batch, length] or [length]");
            }
            if (h.count() == 0) {
                throw new InvalidInputException(name + " is empty (shape " + Arrays.toString(h.shape()) + "); expected token ids");
            }
            int rows = h.shape().length == 1 ? 1 : (int) h.shape()[0];   // count < 2^31 (Npy.header)
            int length = (int) h.shape()[h.shape().length - 1];
            if ((long) length * h.dtype().size > Integer.MAX_VALUE - 8) {   // one row is read into one buffer
                throw new InvalidInputException(name + " has rows of " + length + " ids (" + h.descr() + "), more than this tool reads in one row");
            }
            long follow = channel.size() - h.dataStart();
            if (follow < h.dataBytes()) {
                throw h.truncated(name, follow);
            }
            TokenFile opened = new TokenFile(name, channel, h.dtype(), h.dataStart(), rows, length);
            channel = null;
            return opened;
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(channel);
        }
    }

    /** How many rows. */
    public int rows() {
        return rows;
    }

    /** How many ids each row holds. */
    public int length() {
        return length;
    }

    /**
     * Reads every row once and checks its ids, in this order: all are whole numbers, all fit in int32, and the ones
     * {@code fitted} maps to a model position lie in {@code [0, vocab)} (ids a truncation drops are not read by the
     * model, and not checked). {@code fitted} maps a position in a row to the model's, or -1 for a dropped one.
     *
     * @throws InvalidInputException naming the first id (by row, then model position) that fails, or the file's range
     */
    public void check(long vocab, IntUnaryOperator fitted, IdCheck badId) {
        int[] modelPosition = new int[length];   // per position in a row: the model's, or -1
        for (int p = 0; p < length; p++) {
            modelPosition[p] = fitted.applyAsInt(p);
        }
        boolean whole = true;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        long badValue = 0;
        int badRow = -1;
        int badPosition = -1;
        int rowsPerRead = Math.max(1, SCAN_BYTES / (length * dtype.size));
        // int32, the usual type: whole numbers in range by type, read in bulk, and the first bad id ends the scan
        boolean int32 = dtype == Npy.Dtype.I4;
        int[] ints = int32 ? new int[rowsPerRead * length] : null;
        for (int first = 0; first < rows && !(int32 && badRow >= 0); first += rowsPerRead) {
            int count = Math.min(rowsPerRead, rows - first);
            ByteBuffer buf = read(first, count);
            if (int32) {
                buf.asIntBuffer().get(ints, 0, count * length);
            }
            for (int i = 0, r = 0; r < count; r++) {
                for (int p = 0; p < length; p++, i++) {
                    double v = int32 ? ints[i] : dtype.doubleAt(buf, i);
                    if (!int32) {
                        whole &= v == Math.rint(v);   // false for NaN; the infinities fail the int32 range below
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                    if (badRow < 0 && modelPosition[p] >= 0 && (v < 0 || v >= vocab) && v == Math.rint(v)) {
                        badRow = first + r;
                        badPosition = modelPosition[p];
                        badValue = (long) v;
                    }
                }
            }
        }
        if (!whole) {
            throw new InvalidInputException(name + " holds non-integer values (" + dtype.dataType() + "); expected int32 or int64 token ids");
        }
        if (min < Integer.MIN_VALUE || max > Integer.MAX_VALUE) {
            throw new InvalidInputException(name + " holds token ids outside the int32 range (" + (long) min + " .. " + (long) max + ")");
        }
        if (badRow >= 0) {
            throw badId.of((int) badValue, vocab, "at row " + badRow + ", position " + badPosition);
        }
    }

    /** {@link #check} of the values alone: whole numbers that fit in int32, whatever the vocabulary. */
    public void checkValues() {
        check(Long.MAX_VALUE, position -> -1, (id, vocab, where) -> new InvalidInputException("token id " + id + " " + where));
    }

    /** The message for an id outside the vocabulary, given where it is ({@code at row 1, position 7}). */
    @FunctionalInterface
    public interface IdCheck {
        InvalidInputException of(int id, long vocab, String where);
    }

    /** Row {@code r} as stored (after {@link #check}, every id fits an int). */
    public int[] row(int r) {
        ByteBuffer buf = read(r, 1);
        int[] ids = new int[length];
        if (dtype == Npy.Dtype.I4) {
            buf.asIntBuffer().get(ids);
            return ids;
        }
        for (int i = 0; i < length; i++) {
            ids[i] = (int) dtype.longAt(buf, i);
        }
        return ids;
    }

    /** Every row, as stored: for runs over a few rows (a whole corpus is read with {@link #row}). */
    public int[][] readAll() {
        int[][] all = new int[rows][];
        for (int r = 0; r < rows; r++) {
            all[r] = row(r);
        }
        return all;
    }

    /** Rows {@code [first, first + count)}'s bytes, little-endian. */
    private ByteBuffer read(int first, int count) {
        ByteBuffer buf = ByteBuffer.allocate(count * length * dtype.size).order(ByteOrder.LITTLE_ENDIAN);
        long at = dataStart + (long) first * length * dtype.size;
        try {
            while (buf.hasRemaining()) {
                int n = channel.read(buf, at + buf.position());
                if (n < 0) {
                    throw new InvalidInputException(name + " ended while row " + (first + count - 1) + " was read: was it changed during the run?");
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot read row " + first + " of " + name + ": " + e.getMessage(), e);
        }
        return buf.rewind();
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // read-only: nothing was left unwritten
        }
    }
}

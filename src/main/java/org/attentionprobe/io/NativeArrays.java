package org.attentionprobe.io;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.util.Arrays;

/**
 * Java arrays into and out of ND4J's native memory with one bulk copy each. ND4J's own {@code Nd4j.create(float[], ...)}
 * and {@code INDArray.toIntMatrix()} move one element at a time (a model's weights, a corpus's token rows, a path of
 * integrated gradients). A nio view of an array's buffer does not hold the array, so each copy keeps it reachable
 * until it is done.
 */
public final class NativeArrays {
    private NativeArrays() {
    }

    /** A float array of {@code shape}, c order, holding {@code values} (row-major). */
    public static INDArray floats(float[] values, long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape, 'c');
        if (a.length() != values.length) {
            throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
        }
        a.data().asNioFloat().put(values);
        Reference.reachabilityFence(a);
        return a;
    }

    /** Every value of a float array, in row-major order (views and other orders are copied to c order first). */
    public static float[] floatValues(INDArray array) {
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a float array, got " + array.dataType());
        }
        INDArray c = array.dup('c');
        float[] values = new float[Math.toIntExact(c.length())];
        c.data().asNioFloat().get(values);
        Reference.reachabilityFence(c);
        return values;
    }

    /** A matrix of integers as {@code int[rows][cols]}, its values cast to int32. */
    public static int[][] intRows(INDArray matrix) {
        if (matrix.rank() != 2) {
            throw new IllegalArgumentException("expected a matrix, got shape " + Shapes.format(matrix.shape()));
        }
        int rows = Math.toIntExact(matrix.size(0));
        int cols = Math.toIntExact(matrix.size(1));
        INDArray c = matrix.castTo(DataType.INT32).dup('c');
        int[] flat = new int[Math.multiplyExact(rows, cols)];
        c.data().asNioInt().get(flat);
        Reference.reachabilityFence(c);
        int[][] out = new int[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        }
        return out;
    }
}

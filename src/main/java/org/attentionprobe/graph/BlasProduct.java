package org.attentionprobe.graph;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;

import java.util.Arrays;

/**
 * A float matrix product {@code z = alpha · op(x) · op(y)} over matching batch dimensions, as direct OpenBLAS calls on
 * the operands where they lie: one {@code sgemm} per matrix of the batch ({@code sgemv} when one side of the result is
 * a single row or column). Each operand's last two dimensions only need one unit stride, in either of them: a strided
 * view (the per-head slices of a fused query/key/value product, a permuted output) is read or written in place.
 *
 * <p>It is what a {@code matmul} op computes, without libnd4j's work around the call: for the keras.io model the
 * attention's two products take the same time or up to 10% less, the layer norms' {@code [N, E] · [E, 1]} means a sixth
 * (libnd4j runs them through {@code sgemm} with one column), and it can write a strided result (a permute's). {@link
 * PlanCompiler} uses it where that measured faster ({@code PlanCompiler.prefersBlas}) and {@link #of} accepts the
 * operands, and the op otherwise.
 *
 * <p>The arrays must stay where they are for the plan's life (the plan holds them).
 */
final class BlasProduct implements ExecutionPlan.Step {
    private static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;
    private static final int NO_TRANS = openblas_nolapack.CblasNoTrans;
    private static final int TRANS = openblas_nolapack.CblasTrans;

    /** How one matrix of an operand lies in memory, as BLAS takes it (row major). */
    record Layout(int trans, int ld, long rowStride, long colStride) {
        /**
         * The layout of the {@code rows × cols} matrix whose element {@code (i, j)} is at {@code i·rowStride + j·colStride},
         * or null when neither stride is 1 (a stride along a dimension of size 1 is never taken: any value will do).
         */
        static Layout of(long rows, long cols, long rowStride, long colStride) {
            long rs = rows == 1 ? Math.max(cols, 1) : rowStride;
            long cs = cols == 1 ? Math.max(rows, 1) : colStride;
            if ((colStride == 1 || cols == 1) && rs >= Math.max(cols, 1) && rs <= Integer.MAX_VALUE) {
                return new Layout(NO_TRANS, (int) rs, rows == 1 ? 0 : rowStride, 1);
            }
            if ((rowStride == 1 || rows == 1) && cs >= Math.max(rows, 1) && cs <= Integer.MAX_VALUE) {
                return new Layout(TRANS, (int) cs, 1, cols == 1 ? 0 : colStride);
            }
            return null;
        }

        /** The step between consecutive elements along the rows (down a column), for a vector call. */
        int down() {
            return (int) Math.max(rowStride, 1);
        }

        /** The step between consecutive elements along a row, for a vector call. */
        int across() {
            return (int) Math.max(colStride, 1);
        }
    }

    private final String label;   // the op it stands for, for profiles
    private final INDArray x;     // [..., M, K] or [..., K, M] (transposed)
    private final INDArray y;     // [..., K, N] or [..., N, K]
    private final INDArray z;     // [..., M, N], one unit stride in the last two dimensions
    private final int m;
    private final int n;
    private final int k;
    private final float alpha;
    private final Layout a;       // op(x) as M × K
    private final Layout b;       // op(y) as K × N
    private final Layout c;       // z as M × N
    private final long[] offsets; // per matrix of the batch: x's, y's and z's first element, in elements (3 per matrix)
    private final FloatPointer pa;
    private final FloatPointer pb;
    private final FloatPointer pc;
    private final long zeroed;    // > 0: z's elements fill this many contiguous floats, zeroed once and accumulated into

    private BlasProduct(String label, INDArray x, INDArray y, INDArray z, int m, int n, int k, float alpha, Layout a, Layout b, Layout c,
                        long[] offsets) {
        this.label = label;
        this.x = x;
        this.y = y;
        this.z = z;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.a = a;
        this.b = b;
        this.c = c;
        this.offsets = offsets;
        this.pa = new FloatPointer(x.data().addressPointer());   // the array's first element (views included)
        this.pb = new FloatPointer(y.data().addressPointer());
        this.pc = new FloatPointer(z.data().addressPointer());
        this.zeroed = m > 1 && n > 1 && fillsItsSpan(z) ? z.length() : 0;
    }

    /**
     * Whether the array's elements are exactly the floats from its first one on, in some order: a contiguous array,
     * or a permuted view of one ({@link PlanCompiler}'s products into permutes write such views).
     */
    private static boolean fillsItsSpan(INDArray z) {
        long last = 0;
        for (int d = 0; d < z.rank(); d++) {
            if (z.stride(d) < 0) {
                return false;
            }
            last += (z.size(d) - 1) * z.stride(d);
        }
        return last + 1 == z.length();
    }

    /**
     * The product as BLAS calls, or null when these arrays do not allow it: not all float, ranks or batch dimensions
     * that differ (libnd4j broadcasts them), an operand with no unit stride in its matrix, or an empty one.
     *
     * @param label  the op it stands for, for profiles
     * @param transX use {@code xᵀ} (of the last two dimensions)
     * @param transY use {@code yᵀ}
     */
    static BlasProduct of(String label, INDArray x, INDArray y, INDArray z, boolean transX, boolean transY, double alpha) {
        int r = z.rank();
        if (x.dataType() != DataType.FLOAT || y.dataType() != DataType.FLOAT || z.dataType() != DataType.FLOAT
                || r < 2 || x.rank() != r || y.rank() != r || x.isEmpty() || y.isEmpty() || z.isEmpty()) {
            return null;
        }
        long[] batchShape = Arrays.copyOf(z.shape(), r - 2);
        if (!Arrays.equals(batchShape, Arrays.copyOf(x.shape(), r - 2))
                || !Arrays.equals(batchShape, Arrays.copyOf(y.shape(), r - 2))) {
            return null;
        }
        long m = z.size(r - 2);
        long n = z.size(r - 1);
        long k = transX ? x.size(r - 2) : x.size(r - 1);
        if ((transX ? x.size(r - 1) : x.size(r - 2)) != m || (transY ? y.size(r - 1) : y.size(r - 2)) != k
                || (transY ? y.size(r - 2) : y.size(r - 1)) != n || Math.max(m, Math.max(n, k)) > Integer.MAX_VALUE) {
            return null;
        }
        Layout a = transX ? Layout.of(m, k, x.stride(r - 1), x.stride(r - 2))
                : Layout.of(m, k, x.stride(r - 2), x.stride(r - 1));
        Layout b = transY ? Layout.of(k, n, y.stride(r - 1), y.stride(r - 2))
                : Layout.of(k, n, y.stride(r - 2), y.stride(r - 1));
        Layout c = Layout.of(m, n, z.stride(r - 2), z.stride(r - 1));
        if (a == null || b == null || c == null || c.trans() != NO_TRANS) {
            return null;
        }
        long count = Arrays.stream(batchShape).reduce(1, Math::multiplyExact);
        long[] offsets = new long[Math.toIntExact(3 * count)];
        long[] index = new long[r - 2];
        for (int i = 0; i < count; i++) {
            for (int d = 0; d < index.length; d++) {
                offsets[3 * i] += index[d] * x.stride(d);
                offsets[3 * i + 1] += index[d] * y.stride(d);
                offsets[3 * i + 2] += index[d] * z.stride(d);
            }
            for (int d = index.length - 1; d >= 0 && ++index[d] == batchShape[d]; d--) {
                index[d] = 0;
            }
        }
        return new BlasProduct(label, x, y, z, (int) m, (int) n, (int) k, (float) alpha, a, b, c, offsets);
    }

    /**
     * Where {@code sgemm} writes a result that fills its span, the span is zeroed in one {@code memset} and the calls
     * add to it ({@code beta = 1}): OpenBLAS clears its output for {@code beta = 0} in a pass of its own that costs a
     * quarter of the attention scores' product (200 × 200 × 32: 41 against 30 µs). Adding the products to zeros gives
     * the same floats.
     */
    @Override
    public void exec(OpExecutioner executioner) {
        float beta = 0f;
        if (zeroed > 0) {
            pc.position(0);
            Pointer.memset(pc, 0, zeroed * Float.BYTES);
            beta = 1f;
        }
        for (int i = 0; i < offsets.length; i += 3) {
            pa.position(offsets[i]);
            pb.position(offsets[i + 1]);
            pc.position(offsets[i + 2]);
            if (n == 1) {            // z = op(x) · (column of op(y)); x stored M × K, or K × M transposed
                boolean plain = a.trans() == NO_TRANS;
                openblas_nolapack.cblas_sgemv(ROW_MAJOR, a.trans(), plain ? m : k, plain ? k : m,
                        alpha, pa, a.ld(), pb, b.down(), 0f, pc, c.down());
            } else if (m == 1) {     // zᵀ = op(y)ᵀ · (row of op(x))ᵀ; y stored K × N, or N × K transposed
                boolean plain = b.trans() == NO_TRANS;
                openblas_nolapack.cblas_sgemv(ROW_MAJOR, plain ? TRANS : NO_TRANS, plain ? k : n, plain ? n : k,
                        alpha, pb, b.ld(), pa, a.across(), 0f, pc, c.across());
            } else {
                openblas_nolapack.cblas_sgemm(ROW_MAJOR, a.trans(), b.trans(), m, n, k, alpha, pa, a.ld(), pb, b.ld(), beta, pc, c.ld());
            }
        }
    }

    @Override
    public String describe() {
        return label + " (OpenBLAS) " + Arrays.toString(z.shape());
    }
}

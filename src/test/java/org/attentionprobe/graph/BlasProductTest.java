package org.attentionprobe.graph;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BlasProduct} against a product written out in double loops, for every way its operands can lie: transposed or
 * not, strided views, single rows and columns (its {@code sgemv} paths), batches, and a strided output.
 */
class BlasProductTest {
    private static final double ATOL = 1e-5;

    @Test
    void plainProductsInEveryTransposition() {
        for (boolean tx : new boolean[]{false, true}) {
            for (boolean ty : new boolean[]{false, true}) {
                INDArray x = random(tx ? new long[]{7, 5} : new long[]{5, 7}, 1);
                INDArray y = random(ty ? new long[]{3, 7} : new long[]{7, 3}, 2);
                check(x, y, tx, ty, 1.0, "x" + (tx ? "ᵀ" : "") + " · y" + (ty ? "ᵀ" : ""));
            }
        }
    }

    @Test
    void singleRowsAndColumnsTakeTheVectorCalls() {
        for (boolean tx : new boolean[]{false, true}) {
            for (boolean ty : new boolean[]{false, true}) {
                for (long[] mnk : new long[][]{{6, 1, 4}, {1, 6, 4}, {1, 1, 4}, {6, 5, 1}, {1, 1, 1}}) {
                    long m = mnk[0];
                    long n = mnk[1];
                    long k = mnk[2];
                    INDArray x = random(tx ? new long[]{k, m} : new long[]{m, k}, 3);
                    INDArray y = random(ty ? new long[]{n, k} : new long[]{k, n}, 4);
                    check(x, y, tx, ty, 0.25, "m " + m + ", n " + n + ", k " + k + (tx ? ", xᵀ" : "") + (ty ? ", yᵀ" : ""));
                }
            }
        }
    }

    @Test
    void stridedViewsAreReadWhereTheyLie() {
        INDArray wide = random(new long[]{5, 12}, 5);
        INDArray x = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(4, 11));             // [5, 7], rows 12 apart
        INDArray column = wide.get(NDArrayIndex.all(), NDArrayIndex.point(3)).reshape(5, 1);  // [5, 1], elements 12 apart
        INDArray y = random(new long[]{7, 2}, 6).permute(1, 0).dup('c').permute(1, 0);        // [7, 2], column major
        check(x, y, false, false, 1.0, "row-strided x, column-major y");
        check(column, random(new long[]{1, 4}, 7), false, false, 1.0, "strided column x");
        check(random(new long[]{3, 5}, 8), column, false, false, 1.0, "strided column y (sgemv with a step)");
    }

    @Test
    void batchesOfPerHeadViewsAsAFusedProjectionLaysThemOut() {
        long b = 2, l = 5, h = 3, d = 4;
        INDArray qkv = random(new long[]{b * l, 3 * h * d}, 9).reshape(b, l, 3, h, d);
        INDArray q = qkv.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0)).permute(0, 2, 1, 3);   // [B, H, L, d]
        INDArray k = qkv.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(1)).permute(0, 2, 1, 3);
        check(q, k, false, true, 0.5, "q · kᵀ per head");
        INDArray merged = Nd4j.create(DataType.FLOAT, b, l, h, d).assign(Float.NaN);   // every element must be written
        INDArray a = random(new long[]{b, h, l, l}, 10);
        BlasProduct intoMerged = BlasProduct.of("matmul", a, q, merged.permute(0, 2, 1, 3), false, false, 1.0);
        assertNotNull(intoMerged, "A · v into the heads-merged layout");
        intoMerged.exec(null);
        intoMerged.exec(null);   // a second run writes the same result (it does not add to the first)
        assertClose(naive(a, q, false, false, 1.0).permute(0, 2, 1, 3), merged, ATOL, "A · v written through a permuted view");
    }

    @Test
    void aResultWithGapsLeavesTheGapsAlone() {
        INDArray wide = Nd4j.create(DataType.FLOAT, 3, 7).assign(Float.NaN);
        INDArray z = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 6));   // [3, 4], rows 7 apart
        INDArray x = random(new long[]{3, 5}, 13);
        INDArray y = random(new long[]{5, 4}, 14);
        BlasProduct product = BlasProduct.of("matmul", x, y, z, false, false, 1.0);
        assertNotNull(product);
        product.exec(null);
        assertClose(naive(x, y, false, false, 1.0), z, ATOL, "a result with gaps between its rows");
        for (int i = 0; i < 3; i++) {
            for (int j : new int[]{0, 1, 6}) {
                assertTrue(Float.isNaN(wide.getFloat(i, j)), "element (" + i + ", " + j + ") outside the result was written");
            }
        }
    }

    @Test
    void refusesWhatBlasCannotTake() {
        INDArray x = random(new long[]{6, 8}, 11);
        INDArray everyOther = x.get(NDArrayIndex.interval(0, 2, 6), NDArrayIndex.interval(0, 2, 8));    // [3, 4], no unit stride
        assertNull(BlasProduct.of("matmul", everyOther, random(new long[]{4, 2}, 12), Nd4j.create(DataType.FLOAT, 3, 2), false, false, 1.0));
        assertNull(BlasProduct.of("matmul", random(new long[]{2, 3, 4}, 13), random(new long[]{3, 4, 5}, 14),
                Nd4j.create(DataType.FLOAT, 2, 3, 5), false, false, 1.0), "batch dimensions that differ (libnd4j broadcasts)");
        assertNull(BlasProduct.of("matmul", random(new long[]{3, 4}, 15).castTo(DataType.DOUBLE), random(new long[]{4, 2}, 16).castTo(DataType.DOUBLE),
                Nd4j.create(DataType.DOUBLE, 3, 2), false, false, 1.0), "double");
        assertNull(BlasProduct.of("matmul", random(new long[]{3, 4}, 17), random(new long[]{4, 2}, 18),
                Nd4j.create(DataType.FLOAT, 2, 3).permute(1, 0), false, false, 1.0), "a column-major result");
        assertNull(BlasProduct.of("matmul", random(new long[]{3, 4}, 19), random(new long[]{5, 2}, 20),
                Nd4j.create(DataType.FLOAT, 3, 2), false, false, 1.0), "inner sizes that differ");
    }

    private static void check(INDArray x, INDArray y, boolean tx, boolean ty, double alpha, String what) {
        INDArray expected = naive(x, y, tx, ty, alpha);
        INDArray z = Nd4j.create(DataType.FLOAT, expected.shape()).assign(Float.NaN);   // every element must be written
        BlasProduct product = BlasProduct.of("matmul", x, y, z, tx, ty, alpha);
        assertNotNull(product, what);
        product.exec(null);
        product.exec(null);   // a second run writes the same result (it does not add to the first)
        assertClose(expected, z, ATOL, what);
    }

    /** {@code alpha · op(x) · op(y)} over the batch dimensions, summed in double. */
    private static INDArray naive(INDArray x, INDArray y, boolean tx, boolean ty, double alpha) {
        int r = x.rank();
        long m = tx ? x.size(r - 1) : x.size(r - 2);
        long k = tx ? x.size(r - 2) : x.size(r - 1);
        long n = ty ? y.size(r - 2) : y.size(r - 1);
        long[] shape = x.shape().clone();
        shape[r - 2] = m;
        shape[r - 1] = n;
        INDArray z = Nd4j.create(DataType.FLOAT, shape);
        long batches = z.length() / (m * n);
        for (long b = 0; b < batches; b++) {
            long[] index = new long[r];
            long rest = b;
            for (int d = r - 3; d >= 0; d--) {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++) {
                    double sum = 0;
                    for (long p = 0; p < k; p++) {
                        sum += at(x, index, tx ? p : i, tx ? i : p) * at(y, index, ty ? j : p, ty ? p : j);
                    }
                    long[] at = index.clone();
                    at[r - 2] = i;
                    at[r - 1] = j;
                    z.putScalar(at, alpha * sum);
                }
            }
        }
        return z;
    }

    private static double at(INDArray a, long[] batch, long row, long col) {
        long[] at = batch.clone();
        at[a.rank() - 2] = row;
        at[a.rank() - 1] = col;
        return a.getDouble(at);
    }

    private static INDArray random(long[] shape, long seed) {
        java.util.Random random = new java.util.Random(seed);
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, random.nextFloat() - 0.5f);
        }
        return a;
    }
}

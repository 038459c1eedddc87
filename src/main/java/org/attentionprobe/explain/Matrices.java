package org.attentionprobe.explain;

import org.attentionprobe.io.NativeArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small dense {@code double[rows][cols]} matrix arithmetic, in double precision, for the attribution recurrences. */
final class Matrices {
    private Matrices() {
    }

    static double[][] identity(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    /** {@code a · b}. */
    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int k = b.length;
        int m = b[0].length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            double[] row = out[i];
            for (int j = 0; j < k; j++) {
                double aij = a[i][j];
                if (aij == 0) {
                    continue;
                }
                double[] bj = b[j];
                for (int c = 0; c < m; c++) {
                    row[c] += aij * bj[c];
                }
            }
        }
        return out;
    }

    static double[][] add(double[][] a, double[][] b) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = a[i][j] + b[i][j];
            }
        }
        return out;
    }

    /** Every row divided by its sum. */
    static double[][] rowNormalised(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            double sum = 0;
            for (double v : a[i]) {
                sum += v;
            }
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = a[i][j] / sum;
            }
        }
        return out;
    }

    /** {@code out[j] = mean_i a[i][j]}: the mean of the rows. */
    static double[] meanOfRows(double[][] a) {
        double[] out = new double[a[0].length];
        for (double[] row : a) {
            for (int j = 0; j < row.length; j++) {
                out[j] += row[j];
            }
        }
        for (int j = 0; j < out.length; j++) {
            out[j] /= a.length;
        }
        return out;
    }

    /** {@code [H, L, L]} → {@code [L][L]}, the mean over heads. */
    static double[][] meanOverHeads(INDArray perHead) {
        return meanOverHeads(perHead, null);
    }

    /**
     * {@code mean_h f(a[h], g[h])} of two {@code [H, L, L]} arrays, with {@code f(a, g) = max(0, g · a)}
     * (Chefer's {@code E_h[(∇A ⊙ A)⁺]}); with {@code g} null, plain {@code mean_h a[h]}.
     */
    static double[][] meanOverHeads(INDArray a, INDArray g) {
        if (a.rank() != 3 || a.size(1) != a.size(2) || (g != null && !java.util.Arrays.equals(a.shape(), g.shape()))) {
            throw new IllegalArgumentException("expected [H, L, L] arrays, got " + java.util.Arrays.toString(a.shape())
                    + (g == null ? "" : " and " + java.util.Arrays.toString(g.shape())));
        }
        int heads = (int) a.size(0);
        int n = (int) a.size(1);
        double[] av = flat(a);
        double[] gv = g == null ? null : flat(g);
        double[][] out = new double[n][n];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    int at = (h * n + i) * n + j;
                    double v = gv == null ? av[at] : Math.max(0, gv[at] * av[at]);
                    out[i][j] += v / heads;
                }
            }
        }
        return out;
    }

    /** Row-major values of any array, in double. */
    static double[] flat(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        }
        // a float array (every gradient and attention here): one bulk copy out of native memory, then widened; the
        // buffer's element-wise getDouble cost more than the products it feeds
        float[] f = NativeArrays.floatValues(a);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }
}

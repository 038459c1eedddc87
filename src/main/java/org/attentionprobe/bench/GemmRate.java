package org.attentionprobe.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/** This machine's single-precision matrix-product rate through ND4J (OpenBLAS / oneDNN sgemm), in FLOP/s. */
public final class GemmRate {
    private GemmRate() {
    }

    /**
     * The median rate of {@code runs} timed products of two {@code n×n} float matrices, after a warm-up,
     * with the ND4J op threads as currently set.
     */
    public static double measure(int n, int runs) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        Mmul op = new Mmul(a, b, c, null);
        for (int i = 0; i < 3; i++) {
            Nd4j.exec(op);
        }
        double[] rates = new double[runs];
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            Nd4j.exec(op);
            rates[r] = 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9);
        }
        return Stats.median(rates);
    }
}

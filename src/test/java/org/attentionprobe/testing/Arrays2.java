package org.attentionprobe.testing;

import org.attentionprobe.io.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Array assertions in DJL's manner: shape first, then values with an explicit absolute tolerance. */
public final class Arrays2 {
    private Arrays2() {
    }

    public static void assertClose(INDArray expected, INDArray actual, double atol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape " + Shapes.format(actual.shape())
                + ", expected " + Shapes.format(expected.shape()));
        double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            if (!(d <= worst)) {
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                at = i;
            }
        }
        if (worst > atol) {
            fail(String.format("%s: max |diff| %.3g > atol %.0e at flat index %d (expected %s, got %s)",
                    what, worst, atol, at, e[at], a[at]));
        }
    }
}

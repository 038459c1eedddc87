package org.attentionprobe.io;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Npy#intRows}: the bulk copy gives what element-by-element reading gives, for any layout and integer type. */
class NpyIntRowsTest {
    @Test
    void rowsOfAnyLayoutAndIntegerTypeMatchTheElementwiseRead() {
        INDArray ids = Nd4j.linspace(DataType.LONG, 0, 60, 1).reshape(3, 4, 5);
        for (INDArray m : List.of(ids.slice(1), ids.slice(2).transpose(), ids.reshape(12, 5).castTo(DataType.INT32),
                ids.reshape(6, 10).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4), org.nd4j.linalg.indexing.NDArrayIndex.all()))) {
            assertArrayEquals(m.castTo(DataType.INT32).toIntMatrix(), Npy.intRows(m), m.shapeInfoToString());
        }
    }

    @Test
    void onlyMatrices() {
        assertThrows(IllegalArgumentException.class, () -> Npy.intRows(Nd4j.zeros(DataType.INT32, 3)));
    }
}

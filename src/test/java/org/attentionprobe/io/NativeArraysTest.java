package org.attentionprobe.io;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link NativeArrays}: the bulk copies give what ND4J's element-by-element ones give. */
class NativeArraysTest {
    @Test
    void rowsOfAnyLayoutAndIntegerTypeMatchTheElementwiseRead() {
        INDArray ids = Nd4j.linspace(DataType.LONG, 0, 60, 1).reshape(3, 4, 5);
        for (INDArray m : List.of(ids.slice(1), ids.slice(2).transpose(), ids.reshape(12, 5).castTo(DataType.INT32),
                ids.reshape(6, 10).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4), org.nd4j.linalg.indexing.NDArrayIndex.all()))) {
            assertArrayEquals(m.castTo(DataType.INT32).toIntMatrix(), NativeArrays.intRows(m), m.shapeInfoToString());
        }
    }

    @Test
    void floatsWritesValuesRowMajorAsNd4jCreateDoes() {
        float[] values = new float[24];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.25f - 3;
        }
        INDArray bulk = NativeArrays.floats(values, 2, 3, 4);
        INDArray each = Nd4j.create(values, new long[]{2, 3, 4}, 'c');
        assertArrayEquals(each.shape(), bulk.shape());
        assertArrayEquals(each.data().asFloat(), bulk.data().asFloat(), 0f);
        assertEquals(-3 + 0.25f * (1 * 12 + 2 * 4 + 3), bulk.getFloat(1, 2, 3), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeArrays.floats(values, 5, 5));
        assertEquals("24 values for shape [5, 5]", e.getMessage());
    }

    @Test
    void floatValuesOfAnyLayoutMatchTheElementwiseRead() {
        INDArray a = Nd4j.linspace(DataType.FLOAT, -2, 0.5, 24).reshape(2, 3, 4);
        for (INDArray v : List.of(a, a.permute(2, 0, 1), a.slice(1).transpose(), a.dup('f'))) {
            assertArrayEquals(v.dup('c').data().asFloat(), NativeArrays.floatValues(v), 0f, v.shapeInfoToString());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeArrays.floatValues(Nd4j.zeros(DataType.DOUBLE, 2)));
        assertEquals("expected a float array, got DOUBLE", e.getMessage());
    }

    @Test
    void onlyMatrices() {
        assertThrows(IllegalArgumentException.class, () -> NativeArrays.intRows(Nd4j.zeros(DataType.INT32, 3)));
    }
}

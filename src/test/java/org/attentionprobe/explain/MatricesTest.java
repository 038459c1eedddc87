package org.attentionprobe.explain;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The attribution arithmetic's shortcuts give exactly what the general path gives. */
class MatricesTest {
    @Test
    void flatReadsFloatViewsRowMajorLikeTheDoublePath() {
        INDArray a = Nd4j.linspace(DataType.FLOAT, 1, 24, 1).reshape(3, 2, 4);
        for (INDArray view : List.of(a, a.slice(1), a.permute(2, 0, 1), a.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(1), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3)))) {
            assertArrayEquals(view.castTo(DataType.DOUBLE).dup('c').data().asDouble(), Matrices.flat(view), 0.0, view.shapeInfoToString());
        }
    }

    @Test
    void theFirstBlockSkipsItsProductWithTheIdentityWithoutChangingABit() {
        Nd4j.getRandom().setSeed(3);
        INDArray attention = Nd4j.rand(DataType.FLOAT, 2, 7, 7);
        INDArray gradient = Nd4j.randn(DataType.FLOAT, 2, 7, 7);
        double[][] mean = Matrices.meanOverHeads(attention);
        double[][] withResidual = Matrices.rowNormalised(Matrices.add(mean, Matrices.identity(7)));
        double[][] rollout = Matrices.multiply(withResidual, Matrices.identity(7));
        assertArrayEquals(rollout, AttentionRollout.of(List.of(attention)).matrix());
        double[][] weighted = Matrices.meanOverHeads(attention, gradient);
        double[][] chefer = Matrices.add(Matrices.identity(7), Matrices.multiply(weighted, Matrices.identity(7)));
        assertArrayEquals(chefer, GradientAttention.of(List.of(attention), List.of(gradient)).matrix());
    }
}

package org.attentionprobe.explain;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole explanation of one sequence on a model of three stacked blocks (3, 2 and 1 heads), against what Keras
 * computed for it (reference.npz): rollout and gradient × attention are recomputed here with ND4J matrix products
 * from Keras's own attention weights.
 */
class AttributionsTest {
    private static final TestData.Fixture FIXTURE = TestData.fixture("variants/keydim-stack");
    private static Attributions attributions;
    private static Map<String, INDArray> reference;
    private static final int ROW = 1;          // 6 real tokens after 10 padding
    private static int[] tokens;
    private static Explanation explanation;

    @BeforeAll
    static void explain() {
        try (TransformerModel model = TransformerModel.open(FIXTURE.h5())) {
            attributions = Attributions.of(model);
        }
        reference = FIXTURE.reference();
        tokens = reference.get("x").castTo(DataType.INT32).toIntMatrix()[ROW];
        explanation = attributions.explain(tokens, OptionalInt.empty(), ExplainOptions.defaults().withSteps(16));
    }

    @AfterAll
    static void close() {
        attributions.close();
    }

    @Test
    void shapesCoverEveryPosition() {
        int length = tokens.length;
        assertEquals(16, length);
        assertEquals(3, explanation.attention().size());
        int[] heads = {3, 2, 1};
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(new long[]{heads[b], length, length}, explanation.attention(b).shape(), "block " + b);
            assertArrayEquals(new long[]{heads[b], length, length}, explanation.attentionGradients().get(b).shape(), "block " + b);
        }
        for (AttributionMethod m : AttributionMethod.values()) {
            assertEquals(length, explanation.scores(m).length, m.label());
        }
        assertEquals(length, explanation.rolloutMatrix().length);
        assertEquals(length, explanation.integrated().attributions().length);
        assertEquals(16, explanation.integrated().attributions()[0].length, "E");
    }

    @Test
    void realPositionsAreTheNonPaddingTokens() {
        int real = reference.get("lengths").getInt(ROW);
        assertTrue(real < tokens.length, "the fixture row is padded");
        int[] expected = java.util.stream.IntStream.range(tokens.length - real, tokens.length).toArray(); // padding 'pre'
        assertArrayEquals(expected, explanation.realPositions());
    }

    @Test
    void predictionIsKerasPrediction() {
        INDArray probs = reference.get("probs").getRow(ROW);
        assertClose(probs.castTo(DataType.DOUBLE), Nd4j.createFromArray(explanation.classProbabilities()), 1e-5, "probabilities");
        assertEquals(probs.argMax().getInt(0), explanation.predictedClass());
        assertEquals(explanation.predictedClass(), explanation.explainedClass());
        assertEquals(probs.getDouble(explanation.predictedClass()), explanation.probability(), 1e-5);
    }

    @Test
    void attentionIsKerasAttention() {
        for (int b = 0; b < 3; b++) {
            INDArray keras = reference.get("block" + b + "_attention_weights").get(NDArrayIndex.point(ROW));
            assertClose(keras, explanation.attention(b), 1e-5, "block " + b);
        }
    }

    /** Rollout from Keras's attention weights with ND4J: per block (mean_h A + I) / 2, R = Â₃ Â₂ Â₁, column means. */
    @Test
    void rolloutMatchesAnIndependentComputationFromKerasAttention() {
        INDArray r = Nd4j.eye(tokens.length).castTo(DataType.DOUBLE);
        for (int b = 0; b < 3; b++) {
            INDArray a = reference.get("block" + b + "_attention_weights").get(NDArrayIndex.point(ROW)).castTo(DataType.DOUBLE); // [H, L, L]
            INDArray withResidual = a.mean(0).add(Nd4j.eye(tokens.length).castTo(DataType.DOUBLE)).div(2.0);
            r = withResidual.mmul(r);
        }
        assertClose(r, Nd4j.createFromArray(explanation.rolloutMatrix()), 1e-5, "rollout matrix");
        assertClose(r.mean(0), Nd4j.createFromArray(explanation.rollout()), 1e-5, "rollout scores");
    }

    @Test
    void rolloutRowsAndScoresSumToOne() {
        for (double[] row : explanation.rolloutMatrix()) {
            assertEquals(1.0, Arrays.stream(row).sum(), 1e-9);
        }
        assertEquals(1.0, Arrays.stream(explanation.rollout()).sum(), 1e-9);
    }

    /** Chefer's recurrence with ND4J from Keras's attention and the (finite-difference checked) gradients. */
    @Test
    void gradAttentionMatchesAnIndependentComputation() {
        INDArray r = Nd4j.eye(tokens.length).castTo(DataType.DOUBLE);
        for (int b = 0; b < 3; b++) {
            INDArray a = reference.get("block" + b + "_attention_weights").get(NDArrayIndex.point(ROW)).castTo(DataType.DOUBLE);
            INDArray g = explanation.attentionGradients().get(b).castTo(DataType.DOUBLE);
            INDArray cam = org.nd4j.linalg.ops.transforms.Transforms.relu(a.mul(g)).mean(0);
            r = r.add(cam.mmul(r));
        }
        assertClose(r, Nd4j.createFromArray(explanation.gradAttentionMatrix()), 1e-6, "grad x attention matrix");
        assertClose(r.mean(0), Nd4j.createFromArray(explanation.gradAttention()), 1e-6, "grad x attention scores");
    }

    @Test
    void attentionReceivedIsTheLastBlocksColumnMean() {
        INDArray last = reference.get("block2_attention_weights").get(NDArrayIndex.point(ROW)).castTo(DataType.DOUBLE);
        assertClose(last.mean(0).mean(0), Nd4j.createFromArray(explanation.attentionReceived()), 1e-6, "attention received");
    }

    /** F(baseline) for the padding baseline is the model's probability for an all-padding input. */
    @Test
    void padBaselineIsAnAllPaddingInput() {
        int[] pads = new int[tokens.length];
        double expected;
        try (TransformerModel model = TransformerModel.open(FIXTURE.h5())) {
            expected = model.run(new int[][]{pads}).probabilities().getDouble(0, explanation.explainedClass());
        }
        assertEquals(expected, explanation.integrated().baselineValue(), 1e-6);
        assertEquals(Baseline.PAD, explanation.integrated().baseline());
    }

    @Test
    void anotherClassCanBeExplained() {
        int other = (explanation.predictedClass() + 1) % 3;
        Explanation e = attributions.explain(tokens, OptionalInt.of(other), ExplainOptions.defaults().withSteps(4));
        assertEquals(other, e.explainedClass());
        assertEquals(explanation.predictedClass(), e.predictedClass());
        assertEquals(reference.get("probs").getDouble(ROW, other), e.probability(), 1e-5);
        assertEquals(e.probability(), e.integrated().inputValue(), 1e-6);
        assertArrayEquals(explanation.rollout(), e.rollout(), 0, "rollout does not depend on the class");
        assertFalse(Arrays.equals(explanation.gradAttention(), e.gradAttention()), "gradients do");
    }

    @Test
    void zerosBaselineStartsFromAZeroEmbedding() {
        Explanation e = attributions.explain(tokens, OptionalInt.empty(), ExplainOptions.defaults().withSteps(4).withBaseline(Baseline.ZEROS));
        assertEquals(Baseline.ZEROS, e.integrated().baseline());
        assertEquals(4, e.integrated().steps());
        assertTrue(Math.abs(e.integrated().baselineValue() - explanation.integrated().baselineValue()) > 1e-4,
                "F(0) and F(pad embedding) differ");
    }

    @Test
    void aClassTheModelDoesNotHaveIsAnInputError() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> attributions.explain(tokens, OptionalInt.of(3), ExplainOptions.defaults()));
        assertEquals("class 3 is not a class of this model; expected 0..2", e.getMessage());
    }

    @Test
    void aSequenceOfAnotherLengthIsAnInputError() {
        InvalidInputException shorter = assertThrows(InvalidInputException.class, () -> attributions.explain(new int[]{1, 2, 3}));
        assertEquals("row 0 has 3 token ids, expected 16 (pad like keras.utils.pad_sequences)", shorter.getMessage());
    }

    @Test
    void zeroIntegratedGradientsStepsIsAnInputError() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new ExplainOptions(0, Baseline.PAD, 0));
        assertEquals("integrated gradients need at least 1 step, got 0", e.getMessage());
    }
}

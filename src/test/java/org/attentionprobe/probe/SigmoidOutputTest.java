package org.attentionprobe.probe;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A one-unit sigmoid output p is a binary classifier: classes 0 and 1 with probabilities 1 − p and p. */
class SigmoidOutputTest {
    @Test
    void reportsTwoClassesFromOneSigmoidOutput() {
        TestData.Fixture f = TestData.fixture("variants/sequential-sigmoid");
        Map<String, INDArray> ref = f.reference();
        int[][] x = ref.get("x").toIntMatrix();
        try (TransformerModel model = TransformerModel.open(f.h5())) {
            AttentionProbe probe = AttentionProbe.of(model);
            assertEquals(List.of("class 0", "class 1"), probe.classNames());
            for (int r = 0; r < x.length; r++) {
                ProbeResult result = probe.tokens(x[r]);
                float p = ref.get("probs").getFloat(r, 0);      // Keras's sigmoid output for row r
                assertArrayEquals(new float[]{1 - p, p}, result.probabilities(), 1e-5f, "row " + r);
                assertEquals(p >= 0.5f ? 1 : 0, result.predictedClass(), "row " + r);
            }
        }
    }
}

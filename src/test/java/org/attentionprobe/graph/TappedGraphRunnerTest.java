package org.attentionprobe.graph;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.layers.LayerMappers;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static org.attentionprobe.testing.Arrays2.assertClose;

/** A graph built with gradient taps runs on the fast path with the taps at zero: the same results. */
class TappedGraphRunnerTest {
    private static final java.nio.file.Path MODEL = TestData.FIXTURES.resolve("keras3/v2/model.h5");

    @Test
    void theFastPathRunsATappedGraphWithTheTapsAtZero() {
        INDArray x = TestData.fixtures().get(1).reference().get("x").castTo(DataType.INT32);
        try (TransformerModel plain = TransformerModel.open(MODEL);
             TransformerModel tapped = TransformerModel.of(ModelFiles.read(MODEL), LayerMappers.builtIn(), GraphOptions.attributions());
             BatchRunner a = plain.graph().runner(List.of("probabilities", "block0/attention"));
             BatchRunner b = tapped.graph().runner(List.of("probabilities", "block0/attention"))) {
            Map<String, INDArray> expected = a.run(x);
            Map<String, INDArray> actual = b.run(x);
            assertClose(expected.get("probabilities"), actual.get("probabilities"), 1e-7, "probabilities");
            assertClose(expected.get("block0/attention"), actual.get("block0/attention"), 1e-7, "attention");
        }
    }
}

package org.attentionprobe.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.io.Npy;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A one-unit sigmoid output p is a binary classifier: classes 0 and 1 with probabilities 1 − p and p, in every
 * report; the exported probabilities.npy stays the model's own output {@code [B, 1]}, as Keras computes it.
 */
class SigmoidOutputTest {
    static final TestData.Fixture SIGMOID = TestData.fixture("variants/sequential-sigmoid");

    @TempDir
    Path tmp;

    @Test
    void reportsTwoClassesFromOneSigmoidOutput() {
        Map<String, INDArray> ref = SIGMOID.reference();
        int[][] x = ref.get("x").toIntMatrix();
        try (TransformerModel model = TransformerModel.open(SIGMOID.h5())) {
            assertEquals(1, model.summary().outputs());
            assertEquals(2, model.summary().classCount());
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

    @Test
    void exportOfOneSequenceWritesTheModelsOwnOutput() {
        Map<String, INDArray> ref = SIGMOID.reference();
        String ids = Arrays.stream(ref.get("x").toIntMatrix()[0]).mapToObj(Integer::toString).collect(Collectors.joining(","));
        Cli.Result r = Cli.run(SIGMOID.h5().toString(), "--tokens", ids, "--export", tmp.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("2 classes"), r.out());
        INDArray probs = Npy.read(tmp.resolve("probabilities.npy"));
        assertClose(ref.get("probs").getRow(0).reshape(1, 1), probs, 1e-5, "probabilities.npy of row 0");
    }

    @Test
    void jsonRowsNameTheClassTheSigmoidPredicts() throws Exception {
        Map<String, INDArray> ref = SIGMOID.reference();
        Path x = tmp.resolve("x.npy");
        Npy.write(ref.get("x"), x);
        Cli.Result r = Cli.run(SIGMOID.h5().toString(), "--tokens-file", x.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out()).get("rows");
        assertEquals(ref.get("x").size(0), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            float p = ref.get("probs").getFloat(i, 0);
            assertEquals(p >= 0.5f ? 1 : 0, rows.get(i).get("class_index").asInt(), "row " + i);
            assertEquals(1 - p, rows.get(i).get("probabilities").get(0).floatValue(), 1e-5f, "row " + i);
            assertEquals(p, rows.get(i).get("probabilities").get(1).floatValue(), 1e-5f, "row " + i);
        }
    }
}

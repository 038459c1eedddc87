package org.attentionprobe.robustness;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.GraphOptions;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.keras.NonFiniteWeights;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.keras.Weight;
import org.attentionprobe.layers.LayerMappers;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights holding NaN or Inf: an intact file with broken numbers. The model still runs; one warning line names the
 * weights; outputs that depend on them are NaN, the others are not.
 */
class NonFiniteWeightsTest {
    static final Path IMDB = TestData.IMDB.resolve("model.h5");
    static final String EMBEDDINGS = "token_and_position_embedding/embedding/embeddings";   // (500, 32)

    @TempDir
    Path tmp;

    /** The IMDB model with {@code value} written into the first {@code count} values of each named weight. */
    private static SavedModel withValues(float value, int count, String... weightSuffixes) {
        SavedModel m = ModelFiles.read(IMDB);
        Map<String, List<Weight>> weights = new LinkedHashMap<>();
        for (Map.Entry<String, List<Weight>> layer : m.weights().entrySet()) {
            List<Weight> list = new ArrayList<>();
            for (Weight w : layer.getValue()) {
                float[] v = w.values().clone();
                for (String suffix : weightSuffixes) {
                    if (w.name().endsWith(suffix)) {
                        java.util.Arrays.fill(v, 0, count, value);
                    }
                }
                list.add(new Weight(w.name(), w.shape(), v));
            }
            weights.put(layer.getKey(), list);
        }
        return new SavedModel(m.source(), m.format(), m.kerasVersion(), m.backend(), m.config(), weights);
    }

    @Test
    void anIntactModelHasNone() {
        assertTrue(NonFiniteWeights.scan(ModelFiles.read(IMDB)).isEmpty());
    }

    @Test
    void theWarningNamesEachWeightAndCountsNanAndInf() {
        SavedModel m = withValues(Float.NaN, 12, "dense_3/kernel");
        NonFiniteWeights found = NonFiniteWeights.scan(withValues(Float.POSITIVE_INFINITY, 2, "dense_2/bias"));
        assertEquals("1 weight holds NaN or Inf: dense_2/bias (2 Inf); outputs computed from them are NaN or meaningless", found.warning());
        assertEquals("1 weight holds NaN or Inf: dense_3/kernel (12 NaN); outputs computed from them are NaN or meaningless",
                NonFiniteWeights.scan(m).warning());
        SavedModel many = withValues(Float.NaN, 1, "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "dense_3/bias");
        assertEquals("6 weights hold NaN or Inf: transformer_block/multi_head_attention/query/kernel (1 NaN), "
                + "transformer_block/multi_head_attention/query/bias (1 NaN), transformer_block/multi_head_attention/key/kernel (1 NaN), "
                + "transformer_block/multi_head_attention/key/bias (1 NaN) and 2 more; outputs computed from them are NaN or meaningless",
                NonFiniteWeights.scan(many).warning());
    }

    @Test
    void outputsAreNaNWhereTheyDependOnSuchAWeightAndFineWhereTheyDoNot() {
        // row 0 of the token embedding is the padding token: every padded input reads it; token 499 is rarely used
        SavedModel padRow = withValues(Float.NaN, 32, EMBEDDINGS);
        int[][] padded = new int[1][200];
        padded[0][199] = 14;
        int[][] full = new int[1][200];
        java.util.Arrays.fill(full[0], 14);
        try (TransformerModel m = TransformerModel.of(padRow, LayerMappers.builtIn(), GraphOptions.inference())) {
            INDArray nan = m.run(padded).probabilities();
            INDArray fine = m.run(full).probabilities();
            assertTrue(Double.isNaN(nan.getDouble(0, 0)), nan.toString());
            assertFalse(Double.isNaN(fine.getDouble(0, 0)) || Double.isNaN(fine.getDouble(0, 1)), fine.toString());
        }
    }

    @Test
    void theCommandLineRunsAndPrintsOneWarningLine() throws IOException {
        Path file = tmp.resolve("nan.h5");
        byte[] bytes = Files.readAllBytes(IMDB);
        Hdf5Map.Region kernel = Hdf5Map.of(IMDB).regions(Hdf5Map.Kind.RAW_DATA).stream()
                .filter(r -> r.path().equals("model_weights/dense_3/dense_3/kernel")).findFirst().orElseThrow();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat((int) kernel.offset(), Float.NaN).putFloat((int) kernel.offset() + 4, Float.NEGATIVE_INFINITY);
        Files.write(file, bytes);
        Cli.Result r = Cli.run(file.toString(), "--tokens", "1,14,22");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("warning: 1 weight holds NaN or Inf: dense_3/kernel (1 NaN, 1 Inf); outputs computed from them are NaN or "
                + "meaningless", r.err().strip());
        assertTrue(r.out().contains("NaN"), r.out());
    }
}

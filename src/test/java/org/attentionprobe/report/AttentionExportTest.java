package org.attentionprobe.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.io.Npy;
import org.attentionprobe.layers.BlockInfo;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --export: the .npy arrays and bertviz's attention.json, written from a result holding Keras's numbers for review 0. */
class AttentionExportTest {
    /** The demo model as a summary: 1 block × 2 heads, L 200, vocab 500, 2 classes. */
    static final ModelSummary DEMO = new ModelSummary("demo", "legacy HDF5 (model.save)", "3.15.1", "numpy", 200, 500, 32, 2,
            List.of(), List.of(new BlockInfo("transformer_block", "MultiHeadAttention", 2, 32, 32, 32)));

    @TempDir
    Path tmp;

    @Test
    void npyFilesHaveTheDocumentedShapesAndDtypesAndTheResultsValues() {
        ProbeResult r = Imdb.kerasResult(0);
        try (AttentionExport export = new AttentionExport(tmp, DEMO, new int[][]{r.sequence().ids()})) {
            export.append(r);
        }
        INDArray p = Npy.read(tmp.resolve("probabilities.npy"));
        assertEquals(DataType.FLOAT, p.dataType());
        assertClose(Imdb.reference().get("probs").getRow(0).reshape(1, 2), p, 0, "probabilities.npy [1, C]");
        INDArray tokens = Npy.read(tmp.resolve("tokens.npy"));
        assertEquals(DataType.INT, tokens.dataType());
        assertArrayEquals(new long[]{1, 200}, tokens.shape());
        assertArrayEquals(Imdb.x(0), tokens.getRow(0).toIntVector());
        INDArray a = Npy.read(tmp.resolve("attention_block0.npy"));
        assertEquals(DataType.FLOAT, a.dataType());
        assertClose(r.attention(0).reshape(1, 2, 200, 200), a, 0, "attention_block0.npy [1, H, L, L]");
    }

    @Test
    void anUnfinishedExportLeavesNoFiles() throws IOException {
        ProbeResult r = Imdb.kerasResult(0);
        try (AttentionExport export = new AttentionExport(tmp, DEMO, new int[][]{r.sequence().ids(), r.sequence().ids()})) {
            export.append(r);   // 1 of 2 rows
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList(), "no partial arrays, no tokens.npy, no temporary files");
        }
    }

    @Test
    void bertvizJsonHoldsTokensAndAttentionByLayerHeadQueryKey() throws IOException {
        ProbeResult r = Imdb.kerasResult(0);
        int[] real = IntStream.range(0, 200).filter(p -> Imdb.x(0)[p] != 0).toArray();
        Path file = tmp.resolve("attention.json");
        AttentionExport.writeBertviz(file, r, false);
        JsonNode d = new ObjectMapper().readTree(file.toFile());
        assertEquals(real.length, d.get("tokens").size());
        assertEquals(Imdb.vocab().get(Imdb.x(0)[real[0]]), d.get("tokens").get(0).asText());
        assertFalse(d.get("padding_included").asBoolean());
        JsonNode attention = d.get("attention");
        assertEquals(1, attention.size(), "layers");
        assertEquals(2, attention.get(0).size(), "heads");
        INDArray keras = Imdb.reference().get("block0_attention_weights");   // [8, H, L, L]
        for (int h = 0; h < 2; h++) {
            JsonNode head = attention.get(0).get(h);
            assertEquals(real.length, head.size(), "queries");
            for (int q = 0; q < real.length; q++) {
                assertEquals(real.length, head.get(q).size(), "keys");
                for (int k = 0; k < real.length; k++) {
                    assertEquals(keras.getFloat(0, h, real[q], real[k]), head.get(q).get(k).floatValue(), 1e-7,
                            "head " + h + " query " + q + " key " + k);
                }
            }
        }
        assertEquals(real[0], d.get("positions").get(0).asInt());
    }

    @Test
    void bertvizJsonWithPaddingHasFullRowsThatSumToOne() throws IOException {
        Path file = tmp.resolve("attention.json");
        AttentionExport.writeBertviz(file, Imdb.kerasResult(0), true);
        JsonNode d = new ObjectMapper().readTree(file.toFile());
        assertEquals(200, d.get("tokens").size());
        assertEquals("<pad>", d.get("tokens").get(0).asText());
        assertTrue(d.get("padding_included").asBoolean());
        for (JsonNode row : d.get("attention").get(0).get(1)) {
            double sum = 0;
            for (JsonNode v : row) {
                sum += v.asDouble();
            }
            assertEquals(1.0, sum, 1e-5, "a softmax row");
        }
    }
}

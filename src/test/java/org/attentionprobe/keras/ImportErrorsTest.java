package org.attentionprobe.keras;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.testing.Hdf5Edit;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad files and inputs fail at import with messages that say what was expected and what was found. */
class ImportErrorsTest {
    static final Path V1 = TestData.FIXTURES.resolve("keras3/v1/model.h5");
    static final Path TF213 = TestData.FIXTURES.resolve("tf-keras-2.13/one-block-502-classes/model.h5");

    @TempDir
    Path tmp;

    static String modelConfig(Path file) {
        try (Hdf5File f = Hdf5File.open(file)) {
            return f.stringAttribute("/", "model_config").orElseThrow().get(0);
        }
    }

    Path withConfig(Path source, String from, String to) throws IOException {
        return Hdf5Edit.withConfigEdit(source, tmp.resolve("edited.h5"), from, to);
    }

    @Test
    void unsupportedLayerClassNamesLayerClassSupportedAndHowToRegister() throws IOException {
        Path file = withConfig(V1, "\"GlobalAveragePooling1D\"", "\"UpSampling1D\"");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> TransformerModel.open(file));
        String m = e.getMessage();
        assertTrue(m.contains("Unknown layer class UpSampling1D"), m);
        assertTrue(m.contains("(layer global_average_pooling1d)"), m);
        assertTrue(m.contains("supported: InputLayer, Embedding, Dense, MultiHeadAttention"), m);
        assertTrue(m.contains("keras_hub>TransformerEncoder"), m);
        assertTrue(m.contains("LayerMappers.builtIn().register(LayerKind.of(\"UpSampling1D\", mapper))"), m);
    }

    @Test
    void weightShapeDisagreeingWithConfigNamesWeightAndBothShapes() throws IOException {
        Path file = withConfig(V1, "\"ff_dim\": 32", "\"ff_dim\": 64");
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> TransformerModel.open(file));
        assertTrue(e.getMessage().contains("Shape mismatch for transformer_block/sequential/dense/kernel: config says ff_dim = 64, "
                + "expected (32, 64), file has (32, 32)"), e.getMessage());
    }

    @Test
    void swappedKernelShapeIsNamedWithExpectedAndFound() throws IOException {
        Path copy = tmp.resolve("swapped.h5");
        try (Hdf5Edit edit = Hdf5Edit.copy(V1, copy)) {
            edit.replaceDataset("model_weights/transformer_block/transformer_block/multi_head_attention/key/kernel", 32, 64);
        }
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> TransformerModel.open(copy));
        assertTrue(e.getMessage().contains("Shape mismatch for transformer_block/multi_head_attention/key/kernel (key kernel): "
                + "expected (32, 2, 32), file has (32, 64)"), e.getMessage());
    }

    @Test
    void everyProblemIsReportedNotOnlyTheFirst() throws IOException {
        String json = modelConfig(V1).replace("\"ff_dim\": 32", "\"ff_dim\": 64")
                .replace("\"class_name\": \"Dropout\"", "\"class_name\": \"UnitNormalization\"");
        Path copy = tmp.resolve("two-problems.h5"); // two kinds of problem, three places
        try (Hdf5Edit edit = Hdf5Edit.copy(V1, copy)) {
            edit.writeStringAttribute("/", "model_config", json);
        }
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> TransformerModel.open(copy));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("two-problems.h5: 3 problems: Unknown layer class UnitNormalization (layer dropout_3)"), e.getMessage());
        assertTrue(e.getMessage().contains("Unknown layer class UnitNormalization (layer dropout_4)"), e.getMessage());
        assertTrue(e.getMessage().contains("Shape mismatch for transformer_block/sequential/dense/kernel"), e.getMessage());
    }

    @Test
    void fileThatIsNotHdf5SaysSo() throws IOException {
        Path text = tmp.resolve("model.h5");
        Files.writeString(text, "this is not a model\n");
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> TransformerModel.open(text));
        assertTrue(e.getMessage().contains("is not an HDF5 file (no HDF5 signature; it starts with \"this is "), e.getMessage());
    }

    @Test
    void fileWithoutModelConfigSaysSo() throws IOException {
        Path copy = tmp.resolve("no-config.h5");
        try (Hdf5Edit edit = Hdf5Edit.copy(V1, copy)) {
            edit.deleteAttribute("/", "model_config");
        }
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> TransformerModel.open(copy));
        assertTrue(e.getMessage().contains("has no model_config attribute"), e.getMessage());
    }

    @Test
    void truncatedFileSaysTruncatedBeforeTheNativeReaderRuns() throws IOException {
        Path cut = tmp.resolve("cut.h5");
        byte[] all = Files.readAllBytes(V1);
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> TransformerModel.open(cut));
        assertTrue(e.getMessage().contains("is truncated: the HDF5 superblock declares " + all.length + " bytes but the file has "
                + all.length / 2 + " bytes"), e.getMessage());
    }

    @Test
    void missingFileAndDirectoryAreInputErrors() {
        assertTrue(assertThrows(InvalidInputException.class, () -> TransformerModel.open(tmp.resolve("nope.h5")))
                .getMessage().contains("model file not found"));
        assertTrue(assertThrows(InvalidInputException.class, () -> TransformerModel.open(tmp))
                .getMessage().contains("is a directory, expected a file"));
    }

    @Test
    void tokenIdAtOrAboveVocabularyNamesFirstBadPosition() {
        try (TransformerModel m = TransformerModel.open(TF213)) {
            int[][] tokens = new int[2][20];
            tokens[1][7] = 502;
            tokens[1][9] = 9999;
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> m.run(tokens));
            assertEquals("token id 502 at row 1, position 7 is not below the model's vocabulary size 502; expected ids in [0, 502)", e.getMessage());
        }
    }

    @Test
    void negativeTokenIdNamesFirstBadPosition() {
        try (TransformerModel m = TransformerModel.open(TF213)) {
            int[][] tokens = new int[1][20];
            tokens[0][3] = -1;
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> m.run(tokens));
            assertEquals("token id -1 at row 0, position 3 is negative; expected ids in [0, 502)", e.getMessage());
        }
    }

    @Test
    void wrongSequenceLengthIsAnInputError() {
        try (TransformerModel m = TransformerModel.open(TF213)) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> m.run(new int[1][19]));
            assertTrue(e.getMessage().contains("row 0 has 19 token ids, expected 20"), e.getMessage());
        }
    }
}

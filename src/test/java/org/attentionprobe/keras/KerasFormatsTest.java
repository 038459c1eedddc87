package org.attentionprobe.keras;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.testing.Hdf5Edit;
import org.attentionprobe.testing.TestData;
import org.attentionprobe.testing.TestData.Fixture;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Keras 3 formats ({@code .keras}, {@code .weights.h5}) and weights-only {@code .h5} read into the same
 * {@link SavedModel} as the legacy {@code .h5} of the same model.
 */
class KerasFormatsTest {
    @TempDir
    Path tmp;

    /**
     * Keras wrote the same numbers into a fixture's {@code .h5}, {@code .keras} and {@code .weights.h5}; read
     * from each, every layer must hold the same weights in the same (creation) order, although HDF5 lists a
     * {@code .weights.h5}'s sublayers alphabetically.
     */
    @TestFactory
    Stream<DynamicTest> kerasAndWeightsH5HoldEachLayersWeightsInTheOrderOfTheH5() {
        return TestData.weightsH5Fixtures().flatMap(f -> Stream.of(
                DynamicTest.dynamicTest(f.name() + " model.keras", () -> assertSameWeights(f, ModelFiles.read(f.keras()))),
                DynamicTest.dynamicTest(f.name() + " model.weights.h5", () ->
                        assertSameWeights(f, ModelFiles.read(f.weightsH5(), LoadOptions.defaults().withConfig(f.keras()))))));
    }

    private static void assertSameWeights(Fixture f, SavedModel other) {
        SavedModel legacy = ModelFiles.read(f.h5());
        assertEquals(legacy.config().layers().stream().map(LayerSpec::name).toList(),
                other.config().layers().stream().map(LayerSpec::name).toList(), "layers");
        for (LayerSpec layer : legacy.config().layers()) {
            List<Weight> expected = legacy.weightsOf(layer.name());
            List<Weight> actual = other.weightsOf(layer.name());
            assertEquals(expected.size(), actual.size(), layer.name() + ": number of weights " + actual);
            for (int i = 0; i < expected.size(); i++) {
                String what = layer.name() + " weight " + i + ": " + expected.get(i) + " read as " + actual.get(i);
                assertArrayEquals(expected.get(i).shape(), actual.get(i).shape(), what);
                assertArrayEquals(expected.get(i).values(), actual.get(i).values(), 0f, what);
            }
        }
    }

    @Test
    void weightsAreNamedByLayerAndAttributePath() {
        SavedModel m = ModelFiles.read(TestData.fixture("keras3/v1").keras());
        assertEquals(List.of("transformer_block/att/query_dense/vars/0", "transformer_block/att/query_dense/vars/1",
                        "transformer_block/att/key_dense/vars/0"),
                m.weightsOf("transformer_block").subList(0, 3).stream().map(Weight::name).toList());
        assertEquals("dense_3/vars/0", m.weightsOf("dense_3").get(0).name());
    }

    @Test
    void eachFormatIsNamedWithTheKerasVersionItRecords() throws IOException {
        Fixture v1 = TestData.fixture("keras3/v1");
        SavedModel archive = ModelFiles.read(v1.keras());
        assertEquals("Keras 3 archive (.keras)", archive.format());
        assertEquals("3.15.1", archive.kerasVersion());

        SavedModel weights = ModelFiles.read(v1.weightsH5(), LoadOptions.defaults().withConfig(v1.h5()));
        assertEquals("Keras 3 weights (.weights.h5) + model.h5", weights.format());
        assertEquals("3.15.1", weights.kerasVersion());

        SavedModel withJson = ModelFiles.read(v1.weightsH5(), LoadOptions.defaults().withConfig(configJsonOf(v1.keras())));
        assertEquals("Keras 3 weights (.weights.h5) + config.json", withJson.format());
        assertEquals("unknown", withJson.kerasVersion(), "config.json records no version");

        SavedModel inferred = ModelFiles.read(TestData.weightsOnly().get(0).file());
        assertEquals("weights-only HDF5 (save_weights), architecture inferred", inferred.format());
        assertEquals("2.13.1", inferred.kerasVersion());
        assertEquals("tensorflow", inferred.backend());
    }

    /** {@code --config config.json}: the config.json Keras wrote into the {@code .keras}, taken out as a file. */
    @Test
    void weightsH5WithConfigJsonComputesWhatKerasComputed() throws IOException {
        Fixture v3 = TestData.fixture("keras3/v3");
        Map<String, INDArray> ref = v3.reference();
        try (TransformerModel m = TransformerModel.open(v3.weightsH5(), LoadOptions.defaults().withConfig(configJsonOf(v3.keras())))) {
            INDArray probs = m.run(ref.get("x").castTo(DataType.INT32)).probabilities();
            assertClose(ref.get("probs"), probs, 1e-5, "probabilities");
        }
    }

    /** The architecture inferred from the weights of the tf.keras 2.13 fixture is the one its config states. */
    @Test
    void inferredArchitectureIsTheOneTheOriginalConfigStates() {
        ModelConfig original = ModelFiles.read(TestData.fixture("tf-keras-2.13").h5()).config();
        ModelConfig inferred = ModelFiles.read(TestData.weightsOnly().get(0).file()).config();
        for (String name : List.of("token_and_position_embedding_21", "transformer_block_58")) {
            LayerSpec o = original.layer(name);
            LayerSpec i = inferred.layer(name);
            assertEquals(o.simpleClassName(), i.simpleClassName(), name);
            i.config().fieldNames().forEachRemaining(key ->
                    assertEquals(o.config().get(key).asLong(), i.config().get(key).asLong(), name + " " + key));
        }
        for (String dense : List.of("dense_158", "dense_159")) {
            assertEquals(original.layer(dense).config().get("units").asLong(), inferred.layer(dense).config().get("units").asLong(), dense);
            assertEquals(original.layer(dense).config().get("activation").asText(),
                    inferred.layer(dense).config().get("activation").asText(), dense);
        }
        assertArrayEquals(original.inputShape(), inferred.inputShape());
    }

    /** A config naming the class otherwise (registered under another name): the member Keras labelled with the layer's name. */
    @Test
    void layerWhoseClassNameGivesNoMemberIsFoundByTheNameKerasStored() throws IOException {
        Fixture v1 = TestData.fixture("keras3/v1");
        Path json = configJsonOf(v1.keras());
        String config = Files.readString(json);
        assertTrue(config.contains("\"class_name\": \"TransformerBlock\""), "config.json names the class");
        Files.writeString(json, config.replace("\"class_name\": \"TransformerBlock\"", "\"class_name\": \"Encoder\""));
        SavedModel renamed = ModelFiles.read(v1.weightsH5(), LoadOptions.defaults().withConfig(json));
        assertEquals("Encoder", renamed.config().layer("transformer_block").className());
        SavedModel original = ModelFiles.read(v1.keras());
        assertEquals(original.weightsOf("transformer_block").size(), renamed.weightsOf("transformer_block").size());
        for (int i = 0; i < original.weightsOf("transformer_block").size(); i++) {
            assertEquals(original.weightsOf("transformer_block").get(i).name(), renamed.weightsOf("transformer_block").get(i).name());
        }
    }

    /** A 2020-attention config without num_heads (v4's, with it cut out): --num-heads completes it. */
    @Test
    void numHeadsCompletesAConfigThatLacksIt() throws IOException {
        Fixture v4 = TestData.fixture("keras3/v4");
        String config;
        try (Hdf5File file = Hdf5File.open(v4.h5())) {
            config = file.stringAttribute("/", "model_config").orElseThrow().get(0);
        }
        assertTrue(config.contains("\"num_heads\": 4, "), "v4's config states its 4 heads");
        Path copy = tmp.resolve("no-heads.h5");
        try (Hdf5Edit edit = Hdf5Edit.copy(v4.h5(), copy)) {
            edit.writeStringAttribute("/", "model_config", config.replace("\"num_heads\": 4, ", ""));
        }
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> TransformerModel.open(copy));
        assertTrue(e.getMessage().contains("the config has no num_heads; expected num_heads given with the file"), e.getMessage());
        assertEquals(java.util.Optional.of(org.attentionprobe.errors.UserInput.NUM_HEADS), e.about(), "what the user can give");
        Map<String, INDArray> ref = v4.reference();
        try (TransformerModel model = TransformerModel.open(copy, LoadOptions.defaults().withNumHeads(4))) {
            assertEquals(4, model.summary().blocks().get(0).heads());
            INDArray attention = model.run(ref.get("x").castTo(DataType.INT32)).attention(0);
            assertClose(ref.get("block0_attention_weights"), attention, 1e-5, "attention");
        }
    }

    @Test
    void kerasSnakeCaseAndMemberNumbering() {
        // The names Keras gave these classes in the fixtures' .weights.h5 (structure.txt).
        assertEquals("token_and_position_embedding", KerasNames.snakeCase("TokenAndPositionEmbedding"));
        assertEquals("global_average_pooling1d", KerasNames.snakeCase("GlobalAveragePooling1D"));
        assertEquals("input_layer", KerasNames.snakeCase("InputLayer"));
        assertEquals("layer_normalization", KerasNames.snakeCase("LayerNormalization"));
        KerasNames names = new KerasNames();
        assertEquals(List.of("dense", "dropout", "dense_1", "dense_2", "dropout_1"),
                Stream.of("Dense", "Dropout", "Dense", "Dense", "Dropout").map(names::next).toList());
    }

    @Test
    void sublayersFollowTheClassesCreationOrderThenKerasSavingOrder() {
        SublayerOrder order = SublayerOrder.kerasIo();
        List<String> alphabetical = List.of("_dropout_layer", "_softmax", "key_dense", "output_dense", "query_dense", "value_dense");
        assertEquals(List.of("query_dense", "key_dense", "value_dense", "output_dense", "_dropout_layer", "_softmax"),
                order.order("MultiHeadAttention", alphabetical));
        assertEquals("MultiHeadAttention", order.recognise(alphabetical).orElseThrow());
        assertEquals("MultiHeadSelfAttention", order.recognise(List.of("combine_heads", "key_dense", "query_dense", "value_dense")).orElseThrow());
        assertEquals(List.of("a", "b", "_z"), order.order(null, List.of("_z", "b", "a")), "unknown class: sorted, private last");
        assertTrue(order.recognise(List.of("layers")).isEmpty());
    }

    private Path configJsonOf(Path keras) throws IOException {
        Path json = Files.createDirectories(tmp.resolve(keras.getParent().getFileName().toString())).resolve("config.json");
        try (ZipFile zip = new ZipFile(keras.toFile()); InputStream in = zip.getInputStream(zip.getEntry("config.json"))) {
            Files.copy(in, json);
        }
        return json;
    }
}

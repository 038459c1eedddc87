package org.attentionprobe.keras;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.testing.Hdf5Edit;
import org.attentionprobe.testing.TestData;
import org.attentionprobe.testing.TestData.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wrong or incomplete files and options for the Keras 3 formats and weights-only files fail with one clear line. */
class FormatErrorsTest {
    static final Fixture V1 = TestData.fixture("keras3/v1");
    static final Fixture V3 = TestData.fixture("keras3/v3");
    static final Path TF213_WEIGHTS_ONLY = TestData.weightsOnly().get(0).file();
    static final Path V4_WEIGHTS_ONLY = TestData.weightsOnly().get(1).file();

    @TempDir
    Path tmp;

    private static <T extends Throwable> String message(Class<T> type, org.junit.jupiter.api.function.Executable run) {
        String m = assertThrows(type, run).getMessage();
        assertTrue(m.lines().count() == 1, "one line: " + m);
        return m;
    }

    /** A copy of a Keras-written archive without the entries {@code drop} selects (entries stored, as Keras writes them). */
    private Path archiveWithout(Path keras, Predicate<String> drop, String name) throws IOException {
        Path copy = tmp.resolve(name);
        try (ZipFile in = new ZipFile(keras.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
            for (ZipEntry e : in.stream().toList()) {
                if (drop.test(e.getName())) {
                    continue;
                }
                byte[] data;
                try (InputStream s = in.getInputStream(e)) {
                    data = s.readAllBytes();
                }
                ZipEntry stored = new ZipEntry(e.getName());
                stored.setMethod(ZipEntry.STORED);
                stored.setSize(data.length);
                CRC32 crc = new CRC32();
                crc.update(data);
                stored.setCrc(crc.getValue());
                out.putNextEntry(stored);
                out.write(data);
                out.closeEntry();
            }
        }
        return copy;
    }

    @Test
    void kerasArchiveWithoutConfigJsonSaysWhatItHolds() throws IOException {
        Path broken = archiveWithout(V1.keras(), "config.json"::equals, "no-config.keras");
        String m = message(BrokenModelException.class, () -> TransformerModel.open(broken));
        assertEquals("no-config.keras is a zip archive without config.json; expected a Keras 3 .keras archive holding "
                + "metadata.json, config.json and model.weights.h5, it holds metadata.json, model.weights.h5", m);
    }

    @Test
    void kerasArchiveWithoutWeightsSaysSo() throws IOException {
        Path broken = archiveWithout(V1.keras(), "model.weights.h5"::equals, "no-weights.keras");
        String m = message(BrokenModelException.class, () -> TransformerModel.open(broken));
        assertEquals("no-weights.keras has no model.weights.h5; it holds metadata.json, config.json", m);
    }

    @Test
    void damagedArchiveFailsItsCrcCheck() throws IOException {
        byte[] bytes = Files.readAllBytes(V1.keras());
        bytes[bytes.length / 2] ^= 0x55; // inside model.weights.h5, which fills nearly all of the archive
        Path damaged = Files.write(tmp.resolve("damaged.keras"), bytes);
        String m = message(BrokenModelException.class, () -> TransformerModel.open(damaged));
        assertEquals("damaged.keras: model.weights.h5 fails its CRC check (the archive is damaged)", m);
    }

    @Test
    void archiveEntryUnpackingBeyondTheLimitIsRefused() throws IOException {
        Path bomb = tmp.resolve("bomb.keras");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(bomb))) {
            out.putNextEntry(new ZipEntry("config.json")); // deflated: 64 MB of spaces pack into ~64 KB
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i <= KerasArchive.MAX_JSON_BYTES >> 20; i++) {
                out.write(spaces);
            }
            out.closeEntry();
        }
        assertTrue(Files.size(bomb) < 1 << 20, "the archive itself is small");
        String m = message(BrokenModelException.class, () -> TransformerModel.open(bomb));
        assertTrue(m.startsWith("bomb.keras: config.json "), m);
        assertTrue(m.contains("than the 67108864 this tool accepts") || m.contains("unpacks to more than 67108864 bytes"), m);
    }

    @Test
    void extractedWeightsAreDeletedAfterSuccessAndAfterFailure() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("extract"));
        KerasArchive.read(V1.keras(), SublayerOrder.kerasIo(), root);
        try (var left = Files.list(root)) {
            assertEquals(List.of(), left.toList(), "after reading");
        }
        // A .keras whose weights do not fit its config: fails while the extracted copy is open.
        Path mismatched = archiveWithWeightsOf(V3.keras(), V1.keras(), "mismatched.keras");
        assertEquals("mismatched.keras (model.weights.h5) does not match its config.json: layer transformer_block_1 (TransformerBlock) "
                        + "should be stored as layers/transformer_block_1 but the file has no such group; the file holds layers dense, "
                        + "dropout, global_average_pooling1d, input_layer, token_and_position_embedding, transformer_block, dense_1, dropout_1",
                message(BrokenModelException.class, () -> KerasArchive.read(mismatched, SublayerOrder.kerasIo(), root)));
        try (var left = Files.list(root)) {
            assertEquals(List.of(), left.toList(), "after a failure");
        }
    }

    /** The config.json and metadata.json of {@code configFrom} with the model.weights.h5 of {@code weightsFrom}. */
    private Path archiveWithWeightsOf(Path configFrom, Path weightsFrom, String name) throws IOException {
        Path weights = tmp.resolve("weights-" + name + ".h5");
        try (ZipFile zip = new ZipFile(weightsFrom.toFile()); InputStream in = zip.getInputStream(zip.getEntry("model.weights.h5"))) {
            Files.copy(in, weights);
        }
        Path withoutWeights = archiveWithout(configFrom, "model.weights.h5"::equals, "part-" + name);
        Path result = tmp.resolve(name);
        try (ZipFile in = new ZipFile(withoutWeights.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(result))) {
            for (ZipEntry e : in.stream().toList()) {
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream s = in.getInputStream(e)) {
                    s.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("model.weights.h5"));
            Files.copy(weights, out);
            out.closeEntry();
        }
        return result;
    }

    @Test
    void weightsWhoseLayersDoNotMatchTheConfigNameTheFirstLayerThatDiffers() {
        // v1 has one TransformerBlock, v3 two: v3's second block is the first layer without weights in v1's file.
        String missing = message(BrokenModelException.class,
                () -> ModelFiles.read(V1.weightsH5(), LoadOptions.defaults().withConfig(V3.keras())));
        assertTrue(missing.startsWith("model.weights.h5 does not match the config in model.keras: layer transformer_block_1 (TransformerBlock) "
                + "should be stored as layers/transformer_block_1 but the file has no such group; the file holds layers "), missing);

        String extra = message(BrokenModelException.class,
                () -> ModelFiles.read(V3.weightsH5(), LoadOptions.defaults().withConfig(V1.keras())));
        assertTrue(extra.startsWith("model.weights.h5 does not match the config in model.keras: the file holds layers/transformer_block_1 "
                + "(layer transformer_block_1), which no layer of the config explains"), extra);
    }

    @Test
    void weightsWithTheSameLayersButOtherShapesNameTheWeightAndBothShapes() {
        // v1 and v4 have the same layers; v4's attention is the 2020 one, and its vocabulary 3000, not 20000.
        String m = message(BrokenModelException.class,
                () -> TransformerModel.open(V1.weightsH5(), LoadOptions.defaults().withConfig(TestData.fixture("keras3/v4").keras())));
        assertTrue(m.contains("Shape mismatch for token_and_position_embedding/token_emb/vars/0 (token embedding): "
                + "expected (3000, 32), file has (20000, 32)"), m);
    }

    /** The layout of tf.keras 2.13 to 2.15's new format (v1's weights with their list renamed as those versions name it). */
    @Test
    void tfKeras213NewFormatLayoutIsRefusedByName() throws IOException {
        Path copy = tmp.resolve("tf213.weights.h5");
        try (Hdf5Edit edit = Hdf5Edit.copy(V1.weightsH5(), copy)) {
            edit.move("layers", "_layer_checkpoint_dependencies");
        }
        String m = message(UnsupportedModelException.class, () -> TransformerModel.open(copy));
        assertTrue(m.startsWith("tf213.weights.h5 was written by tf.keras 2.13 to 2.15 in their new format"), m);
    }

    @Test
    void weightsH5WithoutConfigAsksForIt() {
        String m = message(InvalidInputException.class, () -> TransformerModel.open(V1.weightsH5()));
        assertEquals("model.weights.h5 holds weights only (Keras 3 model.save_weights) and no architecture; expected the "
                + "architecture given apart (config.json, or a .keras or .h5 of the same model)", m);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TransformerModel.open(V1.weightsH5()));
        assertEquals(java.util.Optional.of(org.attentionprobe.errors.UserInput.CONFIG), e.about(), "the command line names --config");
    }

    @Test
    void configForAFileThatCarriesItsOwnIsRefused() {
        String m = message(InvalidInputException.class,
                () -> TransformerModel.open(V1.keras(), LoadOptions.defaults().withConfig(V1.h5())));
        assertEquals("a separate architecture is for a weights-only file (a Keras 3 .weights.h5 or a tf.keras save_weights .h5), "
                + "but model.keras is a Keras 3 archive (.keras), which carries its own architecture; expected no separate architecture", m);
    }

    @Test
    void configFileWithoutAnArchitectureIsRefused() {
        String m = message(InvalidInputException.class,
                () -> TransformerModel.open(V1.weightsH5(), LoadOptions.defaults().withConfig(TF213_WEIGHTS_ONLY)));
        assertTrue(m.startsWith("tf-keras-2.13-one-block-502-classes.h5 holds no architecture (no model_config attribute)"), m);
    }

    @Test
    void jsonThatIsNoModelConfigIsRefused() throws IOException {
        Path metadata = tmp.resolve("metadata.json");
        try (ZipFile zip = new ZipFile(V1.keras().toFile()); InputStream in = zip.getInputStream(zip.getEntry("metadata.json"))) {
            Files.copy(in, metadata);
        }
        String m = message(InvalidInputException.class,
                () -> TransformerModel.open(V1.weightsH5(), LoadOptions.defaults().withConfig(metadata)));
        assertTrue(m.startsWith("metadata.json is not a usable Keras model config: model_config has no class_name"), m);
    }

    @Test
    void weightsOnly2020AttentionWithoutNumHeadsNamesTheOption() {
        String m = message(InvalidInputException.class, () -> TransformerModel.open(V4_WEIGHTS_ONLY));
        assertEquals("keras3-v4-2020-attention.h5 holds weights only, and block transformer_block uses the 2020 "
                + "MultiHeadSelfAttention, whose head count no weight shape tells; expected num_heads given with the file (a divisor of the "
                + "embedding size 32: 1, 2, 4, 8, 16, 32)", m);
    }

    @Test
    void headCountThatDoesNotDivideTheEmbeddingIsRefused() {
        String m = message(InvalidInputException.class,
                () -> TransformerModel.open(V4_WEIGHTS_ONLY, LoadOptions.defaults().withNumHeads(3)));
        assertEquals("num_heads 3 (given) does not divide the embedding size 32 of transformer_block: the 2020 "
                + "MultiHeadSelfAttention splits it evenly across heads (possible: 1, 2, 4, 8, 16, 32)", m);
    }

    @Test
    void headCountsThatDisagreeWithTheFileOrTheBlockCountAreRefused() {
        String kernels = message(InvalidInputException.class,
                () -> TransformerModel.open(TF213_WEIGHTS_ONLY, LoadOptions.defaults().withNumHeads(4)));
        assertEquals("num_heads 4 (given) disagrees with tf-keras-2.13-one-block-502-classes.h5: the attention of transformer_block_58 "
                + "has query kernel (32, 2, 32), which is 2 heads", kernels);
        String config = message(InvalidInputException.class,
                () -> TransformerModel.open(TestData.fixture("keras3/v4").keras(), LoadOptions.defaults().withNumHeads(8)));
        assertEquals("num_heads 8 (given) disagrees with the config of transformer_block, which says num_heads = 4", config);
        String count = message(InvalidInputException.class,
                () -> TransformerModel.open(V4_WEIGHTS_ONLY, LoadOptions.defaults().withNumHeads(4, 4)));
        assertEquals("2 head counts [4, 4] were given but the model has 1 transformer block; expected one count for all blocks "
                + "or one per block", count);
    }

    /** The weights of the real tf.keras file, with its pooling layer renamed: a layer the example does not have. */
    @Test
    void weightsOnlyInferenceRefusesWeightlessLayersTheExampleDoesNotHave() {
        Map<String, List<Weight>> weights;
        try (Hdf5File file = Hdf5File.open(TF213_WEIGHTS_ONLY)) {
            weights = LegacyH5Reader.readWeights(file, "/");
        }
        Map<String, List<Weight>> renamed = new LinkedHashMap<>();
        weights.forEach((k, v) -> renamed.put(k.startsWith("global_average") ? "global_max_pooling1d" : k, v));
        String m = message(UnsupportedModelException.class,
                () -> ArchitectureInference.infer("x.h5", renamed, "2.13.1", LoadOptions.defaults()));
        assertTrue(m.startsWith("cannot infer the architecture of x.h5 from its weights: layer global_max_pooling1d has no "
                + "weights and is not one of the example's weightless layers"), m);

        Map<String, List<Weight>> noEmbedding = new LinkedHashMap<>(weights);
        noEmbedding.remove("token_and_position_embedding_21");
        String e = message(UnsupportedModelException.class,
                () -> ArchitectureInference.infer("x.h5", noEmbedding, "2.13.1", LoadOptions.defaults()));
        assertTrue(e.startsWith("cannot infer the architecture of x.h5 from its weights: its first layer with weights, "
                + "transformer_block_58 "), e);
    }

    /** The output activation follows the example: softmax over several classes, sigmoid for a single unit. */
    @Test
    void singleUnitOutputIsSigmoidWiderOutputSoftmaxHiddenRelu() {
        Map<String, List<Weight>> weights;
        try (Hdf5File file = Hdf5File.open(TF213_WEIGHTS_ONLY)) {
            weights = LegacyH5Reader.readWeights(file, "/");
        }
        ModelConfig wide = ArchitectureInference.infer("x.h5", weights, "2.13.1", LoadOptions.defaults());
        assertEquals("relu", wide.layer("dense_158").config().get("activation").asText());
        assertEquals("softmax", wide.layer("dense_159").config().get("activation").asText());

        Map<String, List<Weight>> oneUnit = new LinkedHashMap<>(weights);
        oneUnit.put("dense_159", List.of(new Weight("kernel", new long[]{128, 1}, new float[128]), new Weight("bias", new long[]{1}, new float[1])));
        ModelConfig binary = ArchitectureInference.infer("x.h5", oneUnit, "2.13.1", LoadOptions.defaults());
        assertEquals("sigmoid", binary.layer("dense_159").config().get("activation").asText());
        assertEquals(1, binary.layer("dense_159").config().get("units").asLong());
    }
}

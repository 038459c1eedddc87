package org.attentionprobe.robustness;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.testing.Hdf5Edit;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A whole model is checked before its graph is built, and every problem found is named, each in what it says. */
class ModelValidationTest {
    static final Path IMDB = TestData.IMDB.resolve("model.h5");
    static final Path V4 = TestData.fixture("keras3/v4").h5();   // the 2020 attention: E = 32, 4 heads
    static final String KERNEL = "model_weights/dense_2/dense_2/kernel";   // (32, 20) float32

    @TempDir
    Path tmp;

    private Path withConfig(Path source, String from, String to) throws IOException {
        return Hdf5Edit.withConfigEdit(source, tmp.resolve("edited.h5"), from, to);
    }

    /** A copy of the IMDB model with bytes changed in the object header or data of {@link #KERNEL}. */
    private Path damagedKernel(String name, BiConsumer<Hdf5Map, ByteBuffer> damage) throws IOException {
        byte[] bytes = Files.readAllBytes(IMDB);
        damage.accept(Hdf5Map.of(IMDB), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        Path file = tmp.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private static int message(Hdf5Map map, int type) {
        return (int) map.messages().stream().filter(m -> m.path().equals(KERNEL) && m.type() == type).findFirst().orElseThrow().dataOffset();
    }

    private static String broken(Path file) {
        return assertThrows(BrokenModelException.class, () -> TransformerModel.open(file)).getMessage();
    }

    @Test
    void headsThatDoNotDivideTheEmbeddingAreNamed() throws IOException {
        assertEquals("edited.h5: layer transformer_block: embedding size 32 is not divisible by num_heads = 5 (a MultiHeadSelfAttention "
                + "splits the embedding evenly across heads)", broken(withConfig(V4, "\"num_heads\": 4", "\"num_heads\": 5")));
        assertEquals("edited.h5: layer transformer_block: num_heads = 0; expected a positive number of heads that divides the "
                + "embedding size 32", broken(withConfig(V4, "\"num_heads\": 4", "\"num_heads\": 0")));
    }

    @Test
    void everyMissingWeightIsNamedNotOnlyTheFirst() throws IOException {
        Path copy = tmp.resolve("two-missing.h5");
        try (Hdf5Edit edit = Hdf5Edit.copy(IMDB, copy)) {
            edit.deleteLink(KERNEL).deleteLink("model_weights/dense_3/dense_3/bias");
        }
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> ModelFiles.read(copy));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertEquals("two-missing.h5: 2 problems: weight dense_2/kernel of layer dense_2 is listed in weight_names but missing "
                + "(no dataset model_weights/dense_2/dense_2/kernel); weight dense_3/bias of layer dense_3 is listed in weight_names "
                + "but missing (no dataset model_weights/dense_3/dense_3/bias)", e.getMessage());
    }

    @Test
    void aWeightWhoseStorageIsShorterThanItsShapeIsBroken() throws IOException {
        Path file = damagedKernel("short.h5", (map, b) -> b.putLong(message(map, 8) + 10, 4));   // layout: storage size
        assertEquals("short.h5: " + KERNEL + " declares shape (32, 20) (2560 bytes) but stores 4 bytes", broken(file));
    }

    @Test
    void aWeightWithAnImpossibleNumberTypeIsBroken() throws IOException {
        Path file = damagedKernel("type.h5", (map, b) -> b.putInt(message(map, 3) + 4, 3));   // datatype: size 3 bytes
        assertEquals("type.h5: " + KERNEL + " has a float type of 3 bytes and 32 bits, expected 2, 4 or 8 bytes (the type is damaged)",
                broken(file));
    }

    @Test
    void aWeightBeyondTheEndOfTheFileIsBrokenNotReadAsZeros() throws IOException {
        // the weights-only file ends with the data of its last weight: cut inside it, with the superblock's end-of-file
        // address rewritten to match, and every structure is intact but that weight's data (HDF5 itself reads zeros)
        Path source = TestData.weightsOnly().get(0).file();
        String value = "transformer_block_58/transformer_block_58/multi_head_attention_58/value/kernel:0";
        Hdf5Map.Region data = Hdf5Map.of(source).regions(Hdf5Map.Kind.RAW_DATA).stream().filter(r -> r.path().equals(value))
                .findFirst().orElseThrow();
        assertEquals(Files.size(source), data.offset() + data.length(), "the weight's data ends the file");
        long end = data.offset() + 100;
        byte[] bytes = java.util.Arrays.copyOf(Files.readAllBytes(source), (int) end);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(40, end);
        Path cut = tmp.resolve("cut.h5");
        Files.write(cut, bytes);
        assertEquals("cut.h5: " + value + " lies at bytes " + data.offset() + ".." + (data.offset() + data.length())
                + " but the file ends at " + end + " (it was cut short)",
                assertThrows(BrokenModelException.class, () -> ModelFiles.read(cut)).getMessage());
    }
}

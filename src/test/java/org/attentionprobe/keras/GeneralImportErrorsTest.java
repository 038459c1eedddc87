package org.attentionprobe.keras;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.Hdf5Edit;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models of the general kind that cannot be mapped, or lack what they need, fail with one line naming what. */
class GeneralImportErrorsTest {
    static final Path GENERAL = TestData.ROOT.resolve("general");

    @TempDir
    Path tmp;

    private Path withConfig(Path source, String from, String to) throws IOException {
        return Hdf5Edit.withConfigEdit(source, tmp.resolve(source.getParent().getFileName() + ".h5"), from, to);
    }

    @Test
    void everyUnsupportedLayerIsNamedWithItsLayerInOneLine() throws IOException {
        Path file = withConfig(GENERAL.resolve("hub-encoder-post/model.h5"), "TransformerEncoder", "TransformerDecoder");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> TransformerModel.open(file));
        assertTrue(e.getMessage().contains("Unknown layer class keras_hub>TransformerDecoder (layer encoder1)"), e.getMessage());
        assertTrue(e.getMessage().contains("Unknown layer class keras_hub>TransformerDecoder (layer encoder2)"), e.getMessage());

        Cli.Result r = Cli.run(file.toString(), "--tokens", "3,4,5");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.errIsOneLine(), r.err());
        assertTrue(r.err().contains("keras_hub>TransformerDecoder (layer encoder1)") && r.err().contains("(layer encoder2)"), r.err());
    }

    @Test
    void anUnsupportedOperationIsNamedAsAnOperation() throws IOException {
        Path file = withConfig(GENERAL.resolve("hub-encoder-prenorm/model.h5"), "\"GetItem\"", "\"Einsum\"");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> TransformerModel.open(file));
        assertTrue(e.getMessage().contains("Unsupported operation Einsum (keras.src.ops, layer get_item"), e.getMessage());
        assertTrue(e.getMessage().contains("supported operations: Add, Subtract, Multiply, NotEqual"), e.getMessage());
    }

    @Test
    void aWeightsOnlyFileOfAnotherArchitectureAsksForItsConfig() {
        Path file = GENERAL.resolve("conv1d-encoder/legacy-weights.h5");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> TransformerModel.open(file));
        assertTrue(e.getMessage().startsWith("cannot infer the architecture of legacy-weights.h5 from its weights"), e.getMessage());
        assertTrue(e.getMessage().contains("expected its architecture given apart"), e.getMessage());
        assertEquals(java.util.Optional.of(org.attentionprobe.errors.UserInput.CONFIG), e.about(), "the command line names --config");
    }

    @Test
    void aWeightsOnlyFileWhoseLayersDoNotMatchTheConfigSaysBoth() {
        Path file = GENERAL.resolve("conv1d-encoder/legacy-weights.h5");
        LoadOptions other = LoadOptions.defaults().withConfig(GENERAL.resolve("mha-masked/config.json"));
        var e = assertThrows(org.attentionprobe.errors.BrokenModelException.class, () -> TransformerModel.open(file, other));
        assertTrue(e.getMessage().startsWith("legacy-weights.h5 does not match the config in config.json: expected 7 layers with weights "
                + "[embedding, attention, norm1, ff1, ff2, norm2, classes], the file has 13 [embedding, ln_a0, attention0,"), e.getMessage());
    }
}

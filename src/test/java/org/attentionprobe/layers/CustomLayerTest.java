package org.attentionprobe.layers;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.graph.GeneralParityTest;
import org.attentionprobe.io.Npy;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model with a layer of the user's own ({@code demo>ScaleShift}), mapped by a mapper the user registers. */
class CustomLayerTest {
    static final Path DIR = TestData.ROOT.resolve("general/custom-layer");

    @TestFactory
    Stream<DynamicNode> aRegisteredUserMapperRunsTheModelExactlyAsKeras() {
        LayerMappers mappers = LayerMappers.builtIn().register(ScaleShiftKind.kind());
        return Stream.concat(
                GeneralParityTest.layerTests(DIR.resolve("model.keras"), LoadOptions.defaults(), mappers, Npy.readNpz(DIR.resolve("reference.npz"))),
                GeneralParityTest.layerTests(DIR.resolve("model.h5"), LoadOptions.defaults(), mappers, Npy.readNpz(DIR.resolve("reference.npz"))));
    }

    @TestFactory
    Stream<DynamicNode> theFastPathRunsTheUserLayer() {
        return GeneralParityTest.fastPathTests(DIR.resolve("model.keras"), LayerMappers.builtIn().register(ScaleShiftKind.kind()),
                Npy.readNpz(DIR.resolve("reference.npz")));
    }

    @Test
    void withoutTheMapperTheLayerIsNamedWithHowToAddIt() {
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> TransformerModel.open(DIR.resolve("model.keras")));
        assertTrue(e.getMessage().contains("Unknown layer class demo>ScaleShift (layer scale_shift"), e.getMessage());
        assertTrue(e.getMessage().contains("register(LayerKind.of(\"demo>ScaleShift\", mapper))"), e.getMessage());
    }

    @Test
    void theCommandLineFindsAPluginOnTheClassPath() {
        assertTrue(LayerMappers.withPlugins().classNames().contains("demo>ScaleShift"));
        Cli.Result r = Cli.run(DIR.resolve("model.keras").toString(), "--tokens", "3,5,7,9,11");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("block 0 (attention), head 0"), r.out());
    }

    @Test
    void theDefaultRegistryAndTheFileReadersAgreeOnSublayerOrder() {
        assertEquals(org.attentionprobe.keras.SublayerOrder.builtIn().definitions(), LayerMappers.builtIn().sublayerOrder().definitions());
    }
}

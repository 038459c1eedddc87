package org.attentionprobe.graph;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.testing.TestData;
import org.attentionprobe.testing.TestData.Fixture;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden tests per layer against the references Keras computed (reference.npz beside each model), so a
 * mismatch names the layer: embedding, each block's input, attention weights, attention output and
 * output, then the probabilities. Tolerances from ../shared/docs: 1e-5 on attention and probabilities
 * (1e-6 on the IMDB model's nearly uniform attention), 1e-4 on hidden states.
 */
class ParityTest {
    static final double PROBABILITY_ATOL = 1e-5;
    static final double HIDDEN_ATOL = 1e-4;

    @TestFactory
    Stream<DynamicNode> everyLayerOfEveryModelMatchesKeras() {
        return TestData.fixtures().stream().map(f -> DynamicContainer.dynamicContainer(f.name(), layerTests(f, f.h5(), LoadOptions.defaults())));
    }

    /** The {@code .keras} archives hold the same model as the {@code .h5}: the same references hold. */
    @TestFactory
    Stream<DynamicNode> everyKerasArchiveMatchesKeras() {
        return TestData.keras3Fixtures().map(f -> DynamicContainer.dynamicContainer(f.name() + " model.keras",
                layerTests(f, f.keras(), LoadOptions.defaults())));
    }

    /** A Keras 3 {@code .weights.h5} with the architecture from the fixture's {@code .keras}, and from its {@code .h5}. */
    @TestFactory
    Stream<DynamicNode> everyWeightsH5WithAConfigMatchesKeras() {
        return TestData.weightsH5Fixtures().flatMap(f -> Stream.of(
                DynamicContainer.dynamicContainer(f.name() + " model.weights.h5 --config model.keras",
                        layerTests(f, f.weightsH5(), LoadOptions.defaults().withConfig(f.keras()))),
                DynamicContainer.dynamicContainer(f.name() + " model.weights.h5 --config model.h5",
                        layerTests(f, f.weightsH5(), LoadOptions.defaults().withConfig(f.h5())))));
    }

    /** Weights-only files (no config) derived from fixtures: the inferred architecture computes what Keras computed. */
    @TestFactory
    Stream<DynamicNode> everyWeightsOnlyFileMatchesKeras() {
        return TestData.weightsOnly().stream().map(w -> DynamicContainer.dynamicContainer(w.toString(), layerTests(w.fixture(), w.file(),
                w.numHeads() > 0 ? LoadOptions.defaults().withNumHeads(w.numHeads()) : LoadOptions.defaults())));
    }

    private static Stream<DynamicNode> layerTests(Fixture fixture, Path file, LoadOptions options) {
        Map<String, INDArray> ref = fixture.reference();
        Map<String, INDArray> out;
        int blocks;
        try (TransformerModel model = TransformerModel.open(file, options)) {
            blocks = model.summary().blocks().size();
            out = model.run(ref.get("x").castTo(DataType.INT32), model.graph().outputNames().toArray(String[]::new));
        }
        List<DynamicNode> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("block count", () ->
                assertEquals(ref.keySet().stream().filter(k -> k.endsWith("_attention_weights")).count(), blocks)));
        tests.add(layer("embedding", ref.get("embedding_output"), out.get("embedding"), HIDDEN_ATOL));
        for (int i = 0; i < blocks; i++) {
            String b = "block" + i;
            tests.add(layer(b + "/attention", ref.get(b + "_attention_weights"), out.get(b + "/attention"), fixture.attentionAtol()));
            tests.add(layer(b + "/attention_output", ref.get(b + "_attention_output"), out.get(b + "/attention_output"), HIDDEN_ATOL));
            if (ref.containsKey(b + "_input")) { // a bare attention layer (not a TransformerBlock) has no block input/output
                tests.add(layer(b + "/input", ref.get(b + "_input"), out.get(b + "/input"), HIDDEN_ATOL));
                tests.add(layer(b + "/output", ref.get(b + "_output"), out.get(b + "/output"), HIDDEN_ATOL));
            }
            INDArray attention = out.get(b + "/attention");
            tests.add(DynamicTest.dynamicTest(b + "/attention rows sum to 1", () -> {
                INDArray sums = attention.sum(3);
                assertClose(sums.like().assign(1.0), sums, 1e-5, b + " attention row sums");
            }));
        }
        tests.add(layer("probabilities", ref.get("probs"), out.get("probabilities"), PROBABILITY_ATOL));
        return tests.stream();
    }

    private static DynamicTest layer(String name, INDArray expected, INDArray actual, double atol) {
        if (expected == null || actual == null) {
            return DynamicTest.dynamicTest(name, () -> org.junit.jupiter.api.Assertions.fail(
                    name + ": missing " + (expected == null ? "in the Keras reference" : "among the graph's results")));
        }
        return DynamicTest.dynamicTest(name + " (atol " + atol + ")", () -> assertClose(expected, actual, atol, name));
    }
}

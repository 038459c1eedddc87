package org.attentionprobe.graph;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.io.Npy;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.layers.LayerMappers;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Models built other ways than the keras.io example ({@code testdata/general}, written by Keras 3.15.1 and KerasHub
 * 0.31.1 with {@code make_general.py}): every file format each folder holds, every attention layer's weights and
 * output, the token embedding, the hidden states Keras recorded ({@code hidden/<layer>}) and the probabilities.
 * Masked attention is compared as Keras returns it: exactly 0 in padded key columns and padded query rows.
 */
public class GeneralParityTest {
    static final double ATTENTION_ATOL = 1e-5;
    static final double PROBABILITY_ATOL = 1e-5;
    static final double HIDDEN_ATOL = 1e-4;

    /** Every folder of {@code testdata/general} with a reference, but those that need a mapper of the test's own. */
    static List<Path> folders() {
        try (Stream<Path> dirs = Files.list(TestData.ROOT.resolve("general"))) { // an empty or missing folder is a failure, not a skip
            return dirs.filter(d -> Files.isRegularFile(d.resolve("reference.npz")))
                    .filter(d -> !d.getFileName().toString().equals("custom-layer")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each format a folder holds, with the options it needs. */
    static List<Map.Entry<String, LoadOptions>> formats(Path dir) {
        List<Map.Entry<String, LoadOptions>> out = new ArrayList<>();
        LoadOptions none = LoadOptions.defaults();
        LoadOptions config = LoadOptions.defaults().withConfig(dir.resolve("config.json"));
        if (Files.exists(dir.resolve("model.keras"))) {
            out.add(Map.entry("model.keras", none));
        }
        if (Files.exists(dir.resolve("model.h5"))) {
            out.add(Map.entry("model.h5", none));
        }
        if (Files.exists(dir.resolve("model.weights.h5")) && Files.exists(dir.resolve("config.json"))) {
            out.add(Map.entry("model.weights.h5", config));
        }
        if (Files.exists(dir.resolve("legacy-weights.h5")) && Files.exists(dir.resolve("config.json"))) {
            out.add(Map.entry("legacy-weights.h5", config));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicNode> everyGeneralModelMatchesKerasInEveryFormat() {
        return folders().stream().map(dir -> DynamicContainer.dynamicContainer(dir.getFileName().toString(),
                formats(dir).stream().map(f -> DynamicContainer.dynamicContainer(f.getKey(),
                        references(dir).stream().map(ref -> DynamicContainer.dynamicContainer(ref.getFileName().toString(),
                                layerTests(dir.resolve(f.getKey()), f.getValue(), LayerMappers.builtIn(), Npy.readNpz(ref))))))));
    }

    /**
     * The fast path ({@link BatchRunner}, what corpus runs use) on every general model at batches of 1, 3 and 24 rows:
     * the attention weights, attention outputs and probabilities equal Keras's and SameDiff's own {@code sd.output}.
     */
    @TestFactory
    Stream<DynamicNode> theFastPathMatchesKerasAndSameDiffAtEveryBatchSize() {
        return folders().stream().map(dir -> DynamicContainer.dynamicContainer(dir.getFileName().toString(),
                fastPathTests(dir.resolve("model.keras"), LayerMappers.builtIn(), Npy.readNpz(dir.resolve("reference.npz")))));
    }

    public static Stream<DynamicNode> fastPathTests(Path file, LayerMappers mappers, Map<String, INDArray> ref) {
        List<DynamicNode> tests = new ArrayList<>();
        try (TransformerModel model = TransformerModel.open(file, LoadOptions.defaults(), mappers)) {
            ModelGraph graph = model.atLength((int) ref.get("x").size(1)).graph();
            List<String> names = graph.outputNames().stream()
                    .filter(n -> n.equals("probabilities") || n.endsWith("/attention") || n.endsWith("/attention_output")).toList();
            try (BatchRunner runner = graph.runner(names)) {
                for (int batch : new int[]{1, 3, 24}) {
                    INDArray x = BatchRunnerTest.rows(ref.get("x").castTo(DataType.INT32), batch);
                    Map<String, INDArray> fast = BatchRunnerTest.copies(runner.run(x));
                    Map<String, INDArray> samediff = graph.run(x, names, Map.of());
                    List<DynamicNode> layers = new ArrayList<>();
                    for (String name : names) {
                        String key = name.equals("probabilities") ? "probs"
                                : name.endsWith("/attention") ? name.replace('/', '_') + "_weights" : name.replace('/', '_');
                        double atol = name.endsWith("/attention_output") ? HIDDEN_ATOL : ATTENTION_ATOL;
                        INDArray expected = BatchRunnerTest.rows(ref.get(key), batch);
                        layers.add(compare(name + " = Keras", expected, fast.get(name), atol));
                        // hidden states: float rounding of two kernels (oneDNN vs plain) adds up over blocks, as against Keras
                        layers.add(compare(name + " = sd.output", samediff.get(name), fast.get(name),
                                name.endsWith("/attention_output") ? HIDDEN_ATOL : BatchRunnerTest.SAMEDIFF_ATOL));
                    }
                    tests.add(DynamicContainer.dynamicContainer("batch " + batch, layers));
                }
            }
        }
        return tests.stream();
    }

    /** {@code reference.npz} and, for variable-length models, references at other lengths ({@code reference_len7.npz}). */
    static List<Path> references(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("reference.*\\.npz")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The per-layer comparisons of one model file against one reference. */
    public static Stream<DynamicNode> layerTests(Path file, LoadOptions options, LayerMappers mappers, Map<String, INDArray> ref) {
        Map<String, INDArray> out;
        int blocks;
        try (TransformerModel model = TransformerModel.open(file, options, mappers)) {
            TransformerModel sized = model.atLength((int) ref.get("x").size(1));
            blocks = sized.summary().blocks().size();
            List<String> names = new ArrayList<>(sized.graph().outputNames());
            ref.keySet().stream().filter(k -> k.startsWith("hidden/")).forEach(k -> names.add("layer/" + k.substring("hidden/".length())));
            out = sized.run(ref.get("x").castTo(DataType.INT32), names.toArray(String[]::new));
        }
        List<DynamicNode> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("attention layer count", () ->
                assertEquals(ref.keySet().stream().filter(k -> k.endsWith("_attention_weights")).count(), blocks)));
        tests.add(compare("embedding", ref.get("embedding_output"), out.get("embedding"), HIDDEN_ATOL));
        for (int i = 0; i < blocks; i++) {
            String b = "block" + i;
            tests.add(compare(b + "/attention", ref.get(b + "_attention_weights"), out.get(b + "/attention"), ATTENTION_ATOL));
            tests.add(compare(b + "/attention_output", ref.get(b + "_attention_output"), out.get(b + "/attention_output"), HIDDEN_ATOL));
        }
        for (String key : ref.keySet()) {
            if (key.startsWith("hidden/")) {
                String layer = key.substring("hidden/".length());
                tests.add(compare(key, ref.get(key), out.get("layer/" + layer), HIDDEN_ATOL));
            }
        }
        tests.add(compare("probabilities", ref.get("probs"), out.get("probabilities"), PROBABILITY_ATOL));
        return tests.stream();
    }

    private static DynamicTest compare(String name, INDArray expected, INDArray actual, double atol) {
        return DynamicTest.dynamicTest(name + " (atol " + atol + ")", () -> {
            if (expected == null || actual == null) {
                fail(name + ": missing " + (expected == null ? "in the Keras reference" : "among the graph's results"));
            }
            assertClose(expected.castTo(DataType.FLOAT), actual.castTo(DataType.FLOAT), atol, name);
        });
    }
}

package org.attentionprobe.graph;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.testing.TestData;
import org.attentionprobe.testing.TestData.Fixture;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The fast path ({@link BatchRunner} over {@link ExecutionPlan}s) against Keras's references, layer by layer,
 * and against SameDiff's own {@code sd.output}, for batches of 1, 3 and more rows than the default batch.
 */
class BatchRunnerTest {
    /**
     * Between the two Java paths: the same ops on the same inputs. Not bit-equal: the plan runs ops with small
     * outputs on the plain kernels where sd.output uses oneDNN's, which round differently (2e-6 seen); a
     * wrong op would be off by far more.
     */
    static final double SAMEDIFF_ATOL = 1e-5;
    static final int[] BATCHES = {1, 3, 24};   // one, a few, and more than the default batch (BatchRunner.DEFAULT_BATCH)

    @TestFactory
    Stream<DynamicNode> everyLayerMatchesKerasAndSameDiffAtEveryBatchSize() {
        return TestData.fixtures().stream().map(f -> DynamicContainer.dynamicContainer(f.name(), fixtureTests(f)));
    }

    private static Stream<DynamicNode> fixtureTests(Fixture fixture) {
        Map<String, INDArray> ref = fixture.reference();
        List<DynamicNode> tests = new ArrayList<>();
        try (TransformerModel model = TransformerModel.open(fixture.h5())) {
            ModelGraph graph = model.graph();
            List<String> names = graph.outputNames();
            try (BatchRunner runner = graph.runner(names)) {
                for (int batch : BATCHES) {
                    INDArray x = rows(ref.get("x").castTo(DataType.INT32), batch);
                    Map<String, INDArray> fast = copies(runner.run(x));
                    Map<String, INDArray> samediff = graph.run(x, names, Map.of());
                    List<DynamicNode> layers = new ArrayList<>();
                    for (String name : names) {
                        String key = referenceKey(name);
                        double atol = name.endsWith("/attention") ? fixture.attentionAtol()
                                : name.equals("probabilities") ? ParityTest.PROBABILITY_ATOL : ParityTest.HIDDEN_ATOL;
                        INDArray expected = rows(ref.get(key), batch);
                        layers.add(DynamicTest.dynamicTest(name + " = Keras (atol " + atol + ")",
                                () -> assertClose(expected, fast.get(name), atol, name)));
                        layers.add(DynamicTest.dynamicTest(name + " = sd.output (atol " + SAMEDIFF_ATOL + ")",
                                () -> assertClose(samediff.get(name), fast.get(name), SAMEDIFF_ATOL, name)));
                    }
                    tests.add(DynamicContainer.dynamicContainer("batch " + batch, layers));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void twoThreadsWithTheirOwnRunnersGetTheSingleThreadedResults() throws Exception {
        Fixture fixture = TestData.fixtures().get(0);
        INDArray x = fixture.reference().get("x").castTo(DataType.INT32);
        try (TransformerModel model = TransformerModel.open(fixture.h5())) {
            ModelGraph graph = model.graph();
            List<String> names = List.of("probabilities", "block0/attention");
            List<INDArray> batches = List.of(rows(x, 4), rows(x, 7, 1));
            List<Map<String, INDArray>> expected = new ArrayList<>();
            try (BatchRunner single = graph.runner(names)) {
                for (INDArray b : batches) {
                    expected.add(copies(single.run(b)));
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<List<String>>> workers = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int first = t;
                    workers.add(pool.submit(() -> {
                        List<String> mismatches = new ArrayList<>();
                        try (BatchRunner runner = graph.runner(names)) {
                            for (int i = 0; i < 40; i++) {
                                int which = (first + i) % batches.size();
                                Map<String, INDArray> out = runner.run(batches.get(which));
                                for (String name : names) {
                                    if (!expected.get(which).get(name).equals(out.get(name))) {
                                        mismatches.add("run " + i + " " + name);
                                    }
                                }
                            }
                        }
                        return mismatches;
                    }));
                }
                for (Future<List<String>> w : workers) {
                    assertEquals(List.of(), w.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void resultsAreTheRunnersOwnArraysUntilItsNextRun() {
        Fixture fixture = TestData.fixtures().get(1);
        INDArray x = fixture.reference().get("x").castTo(DataType.INT32);
        try (TransformerModel model = TransformerModel.open(fixture.h5());
             BatchRunner runner = model.graph().runner(List.of("probabilities"))) {
            INDArray first = runner.run(rows(x, 2)).get("probabilities");
            INDArray kept = first.dup();
            INDArray second = runner.run(rows(x, 2, 2)).get("probabilities");
            assertEquals(first, second, "same batch size, same plan, same array");
            assertNotSame(kept, second);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.graph().runner(List.of("no such result")));
            assertEquals("no result named \"no such result\"; expected one of [embedding, block0/attention, block0/attention_output, "
                    + "block0/input, block0/output, probabilities]", e.getMessage());
        }
    }

    /** {@code n} rows cycling through the rows of {@code a}. */
    static INDArray rows(INDArray a, int n) {
        return rows(a, n, 0);
    }

    /** {@code n} rows cycling through the rows of {@code a}, starting at row {@code start}. */
    static INDArray rows(INDArray a, int n, int start) {
        long[] idx = new long[n];
        for (int i = 0; i < n; i++) {
            idx[i] = (start + i) % a.size(0);
        }
        INDArray out = Nd4j.create(a.dataType(), withFirst(a.shape(), n));
        for (int i = 0; i < n; i++) {
            out.slice(i).assign(a.slice(idx[i]));
        }
        return out;
    }

    private static long[] withFirst(long[] shape, long n) {
        long[] s = shape.clone();
        s[0] = n;
        return s;
    }

    static Map<String, INDArray> copies(Map<String, INDArray> m) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    /** Result name to reference.npz key: {@code block0/attention} → {@code block0_attention_weights}. */
    private static String referenceKey(String name) {
        return switch (name) {
            case "probabilities" -> "probs";
            case "embedding" -> "embedding_output";
            default -> name.endsWith("/attention") ? name.replace('/', '_') + "_weights" : name.replace('/', '_');
        };
    }
}

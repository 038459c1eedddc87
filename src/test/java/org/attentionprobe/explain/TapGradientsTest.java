package org.attentionprobe.explain;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.GraphOptions;
import org.attentionprobe.graph.ModelGraph;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.layers.LayerMappers;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SameDiff's gradients of F (the probability of a class) with respect to the embedding output and every block's
 * attention equal central finite differences of the same graph's forward pass, perturbed through the same taps,
 * to 1e-3 relative.
 *
 * <p>How the differences are taken, in float32. F is exact to about 1e-7, so F must change by at least 2e-4 over a
 * step for a difference good to 1e-3: only derivatives of at least 0.1 are checked, with steps of 2e-3 and 1e-3 in
 * the input (small: the models have ReLUs, and a step that straddles a kink measures the mean of two slopes, not
 * the gradient). A derivative is used only when the two steps agree within 5e-4 relative (no kink between them,
 * noise below that); the test requires at least 10 usable derivatives and twice as many usable as skipped, so it
 * cannot pass by skipping. Derivatives checked for every tap: along the whole gradient u = g/|g| (where the
 * derivative is |g|), along each head's part of it (attention) or the three strongest positions' rows (embedding),
 * and at the three largest entries.
 */
class TapGradientsTest {
    @Test
    void gradientsEqualCentralDifferencesOnThreeMixedBlocks() {
        TestData.Fixture fixture = TestData.fixture("variants/keydim-stack");   // 3 blocks: 3, 2 and 1 heads
        int[][] x = fixture.reference().get("x").castTo(DataType.INT32).toIntMatrix();
        try (TransformerModel model = tapped(fixture)) {
            TapGradients gradients = new TapGradients(model.graph());
            Checks checks = new Checks();
            for (int cls = 0; cls < 3; cls++) {
                checkAgainstDifferences(model.graph(), gradients, x[1], ClassProbability.of(3, cls), checks);
            }
            checks.requireMostUsable();
        }
    }

    @Test
    void gradientsEqualCentralDifferencesForBothClassesOfASigmoidOutput() {
        TestData.Fixture fixture = TestData.fixture("variants/sequential-sigmoid");
        int[][] x = fixture.reference().get("x").castTo(DataType.INT32).toIntMatrix();
        try (TransformerModel model = tapped(fixture)) {
            TapGradients gradients = new TapGradients(model.graph());
            Checks checks = new Checks();
            checkAgainstDifferences(model.graph(), gradients, x[0], ClassProbability.of(1, 0), checks);
            checkAgainstDifferences(model.graph(), gradients, x[1], ClassProbability.of(1, 1), checks);
            checks.requireMostUsable();
        }
    }

    @Test
    void gradientsEqualCentralDifferencesOnATrainedTwoBlockModelWithPeakedAttention() {
        TestData.Fixture fixture = TestData.fixture("keras3/v3");
        int[][] x = fixture.reference().get("x").castTo(DataType.INT32).toIntMatrix();
        try (TransformerModel model = tapped(fixture)) {
            TapGradients gradients = new TapGradients(model.graph());
            Checks checks = new Checks();
            checkAgainstDifferences(model.graph(), gradients, x[0], ClassProbability.of(2, 0), checks);
            checks.requireMostUsable();
        }
    }

    /** The gradient of class 0 of a sigmoid output (F = 1 − p) is minus that of class 1 (F = p). */
    @Test
    void theTwoClassesOfASigmoidOutputHaveOppositeGradients() {
        TestData.Fixture fixture = TestData.fixture("variants/sequential-sigmoid");
        INDArray x = fixture.reference().get("x").castTo(DataType.INT32).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2));
        try (TransformerModel model = tapped(fixture)) {
            TapGradients gradients = new TapGradients(model.graph());
            INDArray g0 = gradients.run(x, null, ClassProbability.of(1, 0).batchWeights(2), List.of(), List.of(TapGradients.EMBEDDING))
                    .gradient(TapGradients.EMBEDDING);
            INDArray g1 = gradients.run(x, null, ClassProbability.of(1, 1).batchWeights(2), List.of(), List.of(TapGradients.EMBEDDING))
                    .gradient(TapGradients.EMBEDDING);
            assertArrayEquals(new long[]{2, 16, 16}, g0.shape());
            org.attentionprobe.testing.Arrays2.assertClose(g1.neg(), g0, 1e-7, "d(1-p)/de = -dp/de");
            assertTrue(g1.norm2Number().doubleValue() > 0.1, "a gradient to compare");
        }
    }

    /**
     * The compiled gradient plans ({@code GradientPlans}, what explanations run on) give SameDiff's own
     * {@code calculateGradients} numbers, to float rounding: forward results and the gradients at every tap, with the
     * embedding moved off the input (integrated gradients' path points), at batch 1 and 3, on the keras.io family,
     * a three-block model, masked attention, KerasHub encoders and a model without attention.
     */
    @ParameterizedTest
    @ValueSource(strings = {"keras3/v1", "variants/keydim-stack", "general/mha-masked", "general/hub-encoder-prenorm",
            "general/hub-sine-tied", "general/conv1d-encoder", "general/conv-variety"})
    void compiledPlansGiveSameDiffsOwnGradients(String name) {
        TestData.Fixture fixture = name.startsWith("general/") ? new TestData.Fixture(name, TestData.ROOT.resolve(name), 1e-5)
                : TestData.fixture(name);
        INDArray x = fixture.reference().get("x").castTo(DataType.INT32);
        try (TransformerModel model = tapped(fixture); TapGradients gradients = new TapGradients(model.graph())) {
            ModelGraph graph = model.graph();
            org.nd4j.autodiff.samediff.SameDiff sd = graph.sameDiff();
            int outputs = (int) model.summary().outputs();
            List<String> attention = graph.attentionNames();
            List<String> taps = new ArrayList<>(attention);
            taps.add(TapGradients.EMBEDDING);
            for (int batch : new int[]{1, 3}) {
                INDArray ids = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch)).dup();
                INDArray embedding = graph.run(ids, List.of(TapGradients.EMBEDDING), Map.of()).get(TapGradients.EMBEDDING);
                java.util.Random random = new java.util.Random(7);
                float[] noise = new float[(int) embedding.length()];
                for (int i = 0; i < noise.length; i++) {
                    noise[i] = (float) (0.05 * random.nextGaussian());
                }
                INDArray offset = Nd4j.create(noise, embedding.shape(), 'c');
                INDArray weights = ClassProbability.of(outputs, outputs == 1 ? 1 : outputs - 1).batchWeights(batch);
                TapGradients.Pass plan = gradients.run(ids, offset, weights, List.of(TapGradients.PROBABILITIES), taps);

                // SameDiff's own pass, its taps set by hand in the graph and in the gradient function
                org.nd4j.autodiff.samediff.SameDiff gradFn = sd.getFunction("grad");
                Map<String, INDArray> feed = new java.util.HashMap<>();
                feed.put(sd.inputs().stream().filter(n -> !n.equals(TapGradients.CLASS_WEIGHTS)).findFirst().orElseThrow(), ids);
                feed.put(TapGradients.CLASS_WEIGHTS, weights);
                List<String> tapVars = new ArrayList<>();
                for (String tap : taps) {
                    INDArray value = tap.equals(TapGradients.EMBEDDING) ? offset
                            : Nd4j.zeros(DataType.FLOAT, plan.gradient(tap).shape());
                    sd.getVariable(graph.tapVariable(tap)).setArray(value);
                    gradFn.getVariable(graph.tapVariable(tap)).setArray(value);
                    tapVars.add(graph.tapVariable(tap));
                }
                String probabilities = graph.variable(TapGradients.PROBABILITIES).name();
                org.nd4j.autodiff.samediff.api.OutAndGrad own = sd.calculateGradientsAndOutputs(feed, List.of(probabilities), tapVars);

                String what = name + " at batch " + batch;
                org.attentionprobe.testing.Arrays2.assertClose(own.getOutputs().get(probabilities),
                        plan.output(TapGradients.PROBABILITIES), 1e-6, what + ": probabilities");
                for (String tap : taps) {
                    INDArray expected = own.getGradients().get(graph.tapVariable(tap));
                    double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
                    org.attentionprobe.testing.Arrays2.assertClose(expected, plan.gradient(tap), 1e-5 * scale, what + ": ∂F/∂" + tap);
                }
                assertTrue(plan.gradient(TapGradients.EMBEDDING).amaxNumber().doubleValue() > 0, what + ": a gradient to compare");
            }
        }
    }

    private static TransformerModel tapped(TestData.Fixture fixture) {
        return TransformerModel.of(ModelFiles.read(fixture.h5(), LoadOptions.defaults()), LayerMappers.builtIn(),
                GraphOptions.attributions());
    }

    /** Counts usable and skipped estimates over a test. */
    private static final class Checks {
        int usable;
        int skipped;

        void requireMostUsable() {
            assertTrue(usable >= 10 && usable >= 2 * skipped, usable + " derivatives checked, " + skipped
                    + " skipped where the two steps disagreed: too few to trust");
        }
    }

    private static void checkAgainstDifferences(ModelGraph graph, TapGradients gradients, int[] tokens,
                                                ClassProbability f, Checks checks) {
        INDArray x = Nd4j.createFromArray(new int[][]{tokens});
        List<String> taps = new ArrayList<>();
        taps.add(TapGradients.EMBEDDING);
        taps.addAll(graph.attentionNames());
        TapGradients.Pass pass = gradients.run(x, null, f.batchWeights(1), List.of(), taps);
        for (String tap : taps) {
            INDArray g = pass.gradient(tap);                 // [1, L, E] or [1, H, L, L]
            long[] expectedShape = tap.equals(TapGradients.EMBEDDING)
                    ? new long[]{1, tokens.length, graph.summary().embedDim()}
                    : new long[]{1, graph.summary().blocks().get(graph.attentionNames().indexOf(tap)).heads(), tokens.length, tokens.length};
            assertArrayEquals(expectedShape, g.shape(), tap + " gradient shape");
            double[] gv = Matrices.flat(g);
            Perturbation p = new Perturbation(graph, x, f, tap, g.shape());
            String where = "class " + f.explainedClass() + ", " + tap;

            p.check(gv, where + " along the gradient", checks);
            int groups = (int) g.size(1);                     // positions of the embedding, heads of attention
            int groupSize = gv.length / groups;
            List<Integer> chosen = IntStream.range(0, groups).boxed().toList();
            if (tap.equals(TapGradients.EMBEDDING)) {
                chosen = chosen.stream().sorted(Comparator.comparingDouble(i -> -norm(gv, i * groupSize, groupSize))).limit(3).toList();
            }
            for (int group : chosen) {
                double[] part = new double[gv.length];
                System.arraycopy(gv, group * groupSize, part, group * groupSize, groupSize);
                p.check(part, where + (tap.equals(TapGradients.EMBEDDING) ? " position " : " head ") + group, checks);
            }
            int[] largest = IntStream.range(0, gv.length).boxed()
                    .sorted(Comparator.comparingDouble(i -> -Math.abs(gv[i]))).limit(3).mapToInt(i -> i).toArray();
            for (int i : largest) {
                if (Math.abs(gv[i]) >= 0.1) {
                    double[] one = new double[gv.length];
                    one[i] = gv[i];
                    p.check(one, where + " entry " + i, checks);
                }
            }
        }
    }

    private static double norm(double[] v, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) {
            s += v[i] * v[i];
        }
        return Math.sqrt(s);
    }

    /** F as a function of an offset on one tapped result, for one input. */
    private record Perturbation(ModelGraph graph, INDArray x, ClassProbability f, String tap, long[] shape) {
        /**
         * Checks that the derivative along d = part/|part| is |part| (= g·d, since part is g restricted to some
         * entries), from steps of 2e-3 and 1e-3 along d.
         */
        void check(double[] part, String what, Checks checks) {
            double norm = norm(part, 0, part.length);
            if (norm < 0.1) {
                return;                                     // F would change by less than 2e-4: float32 noise
            }
            double[] d = Arrays.stream(part).map(v -> v / norm).toArray();
            OptionalDouble fd = derivative(d, 2e-3);
            if (fd.isEmpty()) {
                checks.skipped++;
                return;
            }
            checks.usable++;
            assertTrue(Math.abs(fd.getAsDouble() - norm) <= 1e-3 * norm, String.format(
                    "%s: autodiff %.6g, central difference %.6g", what, norm, fd.getAsDouble()));
        }

        /** The central difference at h/2, when it agrees with the one at h (else empty). */
        OptionalDouble derivative(double[] d, double h) {
            double coarse = centralDifference(d, h);
            double fine = centralDifference(d, h / 2);
            boolean smooth = Math.abs(coarse - fine) <= 5e-4 * Math.max(Math.abs(coarse), Math.abs(fine));
            return smooth ? OptionalDouble.of(fine) : OptionalDouble.empty();
        }

        double centralDifference(double[] d, double h) {
            return (value(d, h) - value(d, -h)) / (2 * h);
        }

        double value(double[] d, double t) {
            float[] offset = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                offset[i] = (float) (t * d[i]);
            }
            Map<String, INDArray> out = graph.run(x, List.of(TapGradients.PROBABILITIES),
                    Map.of(tap, Nd4j.create(offset, shape, 'c')));
            return f.value(out.get(TapGradients.PROBABILITIES).toFloatMatrix()[0]);
        }
    }
}

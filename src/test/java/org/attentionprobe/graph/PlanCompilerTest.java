package org.attentionprobe.graph;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plan's own rules on small graphs, against SameDiff: reductions over one axis as products with a row of ones, a
 * matrix product written straight into the permute that reads it, and a product's backward op as products. The models'
 * tests run these rules too ({@code BatchRunnerTest}, {@code TapGradientsTest}); this one covers every axis and every
 * transposition and checks that each rule took effect.
 */
class PlanCompilerTest {
    private static final int LENGTH = 12;

    @Test
    void reductionsAndPermutedProductsEqualSameDiff() {
        SameDiff sd = SameDiff.create();
        SDVariable tokens = sd.placeHolder("tokens", DataType.INT32, -1, LENGTH);
        SDVariable x = sd.math.sin(sd.castTo(tokens, DataType.FLOAT).mul(0.37));                  // [B, 12]
        SDVariable x3 = sd.reshape(x, -1, 3, 4);                                                   // [B, 3, 4]
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put("mean over the middle axis", sd.mean(x3, 1).name());
        outputs.put("mean over the last axis", sd.mean(x3, 2).name());
        outputs.put("sum over the first axis", sd.sum(x3, 0).name());
        outputs.put("sum over the middle axis, dimensions kept", sd.sum(x3, true, 1).name());
        SDVariable y = sd.reshape(sd.math.cos(x), -1, 4, 3);                                       // [B, 4, 3]
        SDVariable x4 = sd.reshape(x, -1, 2, 3, 2);                                                // [B, 2, 3, 2]
        SDVariable y4 = sd.reshape(sd.math.cos(x), -1, 2, 2, 3);                                   // [B, 2, 2, 3]
        // as the attention's A · V into [B, L, H, dv]: written through the inverse permutation
        outputs.put("product read by a permute", sd.permute(sd.mmul(x4, y4), 0, 2, 1, 3).name());  // [B, 3, 2, 3]
        // a transpose of the matrix itself has no unit stride along its rows: the permute runs
        outputs.put("product read by a transpose", sd.permute(sd.mmul(x3, y), 0, 2, 1).name());   // [B, 3, 3]
        SDVariable read = sd.mmul(y, x3);                                                          // [B, 4, 4]
        outputs.put("product read by a permute and more", read.name());
        outputs.put("its permute", sd.permute(read, 0, 2, 1).name());

        for (int batch : new int[]{1, 3}) {
            INDArray ids = Nd4j.create(DataType.INT32, batch, LENGTH);
            for (int i = 0; i < ids.length(); i++) {
                ids.putScalar(i, (i * 7) % 23);
            }
            try (ExecutionPlan plan = ExecutionPlan.compile(sd, "tokens", batch, LENGTH, outputs, Map.of())) {
                Map<String, INDArray> fast = plan.run(ids);
                Map<String, INDArray> reference = sd.output(Map.of("tokens", ids), List.copyOf(outputs.values()).toArray(new String[0]));
                for (Map.Entry<String, String> out : outputs.entrySet()) {
                    INDArray expected = reference.get(out.getValue());
                    assertClose(expected, fast.get(out.getKey()), 1e-6, out.getKey() + " at batch " + batch);
                }
                List<String> steps = plan.describe();
                assertEquals(4, steps.stream().filter(s -> s.startsWith("reduce_") && s.contains("(OpenBLAS)")).count(), steps.toString());
                assertEquals(2, steps.stream().filter(s -> s.startsWith("permute")).count(),
                        "one of three permutes written by its product: " + steps);
                assertTrue(steps.stream().anyMatch(s -> s.startsWith("matmul (OpenBLAS)")), steps.toString());
            }
        }
    }

    /**
     * Both gradients of a batched product, in each of its four transpositions, as the plan lays them out (direct OpenBLAS
     * calls, a transposed left operand computed as the transposed result): SameDiff's own gradients.
     */
    @Test
    void bothGradientsOfAProductInEveryTranspositionEqualSameDiffs() {
        for (boolean tx : new boolean[]{false, true}) {
            for (boolean ty : new boolean[]{false, true}) {
                SameDiff sd = SameDiff.create();
                SDVariable tokens = sd.placeHolder("tokens", DataType.INT32, -1, LENGTH);
                SDVariable base = sd.math.sin(sd.castTo(tokens, DataType.FLOAT).mul(0.37));                 // [B, 12]
                SDVariable v1 = sd.var("v1", Nd4j.linspace(-1, 1, 12, DataType.FLOAT).reshape(2, 3, 2));
                SDVariable v2 = sd.var("v2", Nd4j.linspace(2, -1, 12, DataType.FLOAT).reshape(2, 2, 3));
                // op(x) [B, 2, 3, 2] · op(y) [B, 2, 2, 3]: x stored [B, 2, 2, 3] when transposed, y [B, 2, 3, 2]
                SDVariable x = sd.reshape(base, tx ? new long[]{-1, 2, 2, 3} : new long[]{-1, 2, 3, 2}).add(tx ? sd.permute(v1, 0, 2, 1) : v1);
                SDVariable y = sd.reshape(sd.math.cos(base), ty ? new long[]{-1, 2, 3, 2} : new long[]{-1, 2, 2, 3})
                        .add(ty ? sd.permute(v2, 0, 2, 1) : v2);
                SDVariable z = sd.mmul(x, y, tx, ty, false);                                                // [B, 2, 3, 3]
                sd.sum("loss", sd.math.cos(z)).markAsLoss();
                sd.createGradFunction();
                SameDiff grad = sd.getFunction("grad");
                Map<String, String> outputs = new LinkedHashMap<>();
                outputs.put("dv1", sd.getVariable("v1").gradient().name());
                outputs.put("dv2", sd.getVariable("v2").gradient().name());
                String what = "z = " + (tx ? "xᵀ" : "x") + " · " + (ty ? "yᵀ" : "y");
                for (int batch : new int[]{1, 3}) {
                    INDArray ids = Nd4j.create(DataType.INT32, batch, LENGTH);
                    for (int i = 0; i < ids.length(); i++) {
                        ids.putScalar(i, (i * 5) % 19);
                    }
                    Map<String, INDArray> reference = sd.calculateGradients(Map.of("tokens", ids), "v1", "v2");
                    try (ExecutionPlan plan = ExecutionPlan.compile(grad, "tokens", batch, LENGTH, outputs, Map.of())) {
                        Map<String, INDArray> fast = plan.run(ids);
                        assertClose(reference.get("v1"), fast.get("dv1"), 1e-5, what + ": ∂L/∂v1 at batch " + batch);
                        assertClose(reference.get("v2"), fast.get("dv2"), 1e-5, what + ": ∂L/∂v2 at batch " + batch);
                        List<String> steps = plan.describe();
                        assertTrue(steps.stream().noneMatch(st -> st.startsWith("matmul_bp")), what + ": the products replace matmul_bp: " + steps);
                    }
                    for (String one : List.of("dv1", "dv2")) {   // one gradient read: one product
                        try (ExecutionPlan plan = ExecutionPlan.compile(grad, "tokens", batch, LENGTH, Map.of(one, outputs.get(one)), Map.of())) {
                            assertClose(reference.get(one.substring(1)), plan.run(ids).get(one), 1e-5, what + ": " + one + " alone at batch " + batch);
                        }
                    }
                }
            }
        }
    }
}

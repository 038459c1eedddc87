package org.attentionprobe.graph;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A SameDiff gradient function (forward and backward ops, as {@code sd.createGradFunction()} made them) run on the
 * fast path: an {@link ExecutionPlan} per batch size and set of results, compiled on first use, exactly as the
 * forward runner does. SameDiff's own {@code calculateGradients} re-does shape inference, allocation and dependency
 * tracking for every op of every pass, which for a batch of integrated-gradients path points costs several times
 * the arithmetic; the plan does that once. The ops are SameDiff's, so the numbers are the same to float rounding
 * ({@code TapGradientsTest} holds the two against each other).
 *
 * <p>Inputs set per pass (placeholders, and variables such as gradient taps) get arrays of their own in each plan;
 * {@link #run} copies the given values into them. Threads may run passes at the same time: each has plans of its
 * own, laid out from shapes inferred once per batch size (that inference is serialised). The returned arrays are
 * copies.
 */
public final class GradientPlans implements AutoCloseable {
    private static final int PLANS_KEPT = 4;

    private final SameDiff gradients;    // the gradient function: forward and backward ops
    private final String tokenName;
    private final int length;
    private final Map<Long, Map<Key, Compiled>> byThread = new java.util.concurrent.ConcurrentHashMap<>(); // thread id → its plans
    private final Map<Integer, Map<String, PlanCompiler.Shape>> shapesByBatch = new java.util.concurrent.ConcurrentHashMap<>();

    private record Key(long batch, List<String> results, Set<String> zeros) {
    }

    /** A plan, the arrays of its per-pass inputs by variable name, and which of them hold zeros. */
    private record Compiled(ExecutionPlan plan, Map<String, INDArray> inputs, Set<String> zeroed) {
    }

    /**
     * @param gradients the gradient function, {@code sd.getFunction("grad")} after {@code sd.createGradFunction()}
     * @param tokenName its token-id placeholder
     * @param length    the sequence length L
     */
    public GradientPlans(SameDiff gradients, String tokenName, int length) {
        this.gradients = gradients;
        this.tokenName = tokenName;
        this.length = length;
    }

    /**
     * One forward and backward pass.
     *
     * @param tokenIds int32 {@code [B, L]}, already checked
     * @param inputs   a value {@code [B, ...]} for every other placeholder and for every variable set per pass, by
     *                 variable name; the same names (and shapes) on every pass with this batch size
     * @param zeros    inputs that are all zeros on this pass (name → shape, batch first), such as gradient taps that add
     *                 nothing: a plan's array for such an input is cleared once, not copied into on every pass (8 MB
     *                 per attention block at 26 path points), and adding it is skipped
     * @param results  variable names to return: forward results and gradients ({@code name-grad})
     * @return copies of the results, by variable name
     */
    public Map<String, INDArray> run(INDArray tokenIds, Map<String, INDArray> inputs, Map<String, long[]> zeros,
                                     Collection<String> results) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        runShared(tokenIds, inputs, zeros, results).forEach((name, array) -> out.put(name, array.dup()));
        return out;
    }

    /**
     * One pass like {@link #run(INDArray, Map, Map, Collection)}, returning the plan's own arrays instead of copies:
     * valid until this thread's next pass. For a caller that reads a little of large results (one row of a batch's
     * attention gradients, 8 MB at 26 path points) on the thread that ran the pass.
     */
    public Map<String, INDArray> runShared(INDArray tokenIds, Map<String, INDArray> inputs, Map<String, long[]> zeros,
                                           Collection<String> results) {
        Map<String, long[]> shapes = new HashMap<>();
        inputs.forEach((name, value) -> shapes.put(name, value.shape()));
        shapes.putAll(zeros);
        Compiled compiled = compiled(tokenIds.size(0), shapes, List.copyOf(results), Set.copyOf(zeros.keySet()));
        for (Map.Entry<String, INDArray> in : inputs.entrySet()) {
            compiled.zeroed().remove(in.getKey());
            compiled.inputs().get(in.getKey()).assign(in.getValue());
        }
        for (String name : zeros.keySet()) {
            if (compiled.zeroed().add(name)) {
                compiled.inputs().get(name).assign(0);
            }
        }
        return compiled.plan().run(tokenIds);
    }

    private Compiled compiled(long batch, Map<String, long[]> inputs, List<String> results, Set<String> zeros) {
        Map<Key, Compiled> plans = byThread.computeIfAbsent(Thread.currentThread().getId(), t -> new LinkedHashMap<>(8, 0.75f, true));
        Key key = new Key(batch, results, zeros);
        Compiled compiled = plans.get(key);
        if (compiled == null) {
            compiled = compile(Math.toIntExact(batch), inputs, results, zeros);
            plans.put(key, compiled);
            if (plans.size() > PLANS_KEPT) {
                Key eldest = plans.keySet().iterator().next();
                plans.remove(eldest).plan().close();
            }
        }
        return compiled;
    }

    /**
     * A plan of this thread's own: every input gets an array of its own, which the plan reads (placeholders and
     * variables alike). The shapes at this batch size are inferred once, by the first compile, for every op, and
     * shared by every later compile on any thread and for any results: only that first inference runs SameDiff.
     */
    private Compiled compile(int batch, Map<String, long[]> inputs, List<String> results, Set<String> zeros) {
        Map<String, INDArray> own = new HashMap<>();
        for (Map.Entry<String, long[]> in : inputs.entrySet()) {
            own.put(in.getKey(), Nd4j.create(gradients.getVariable(in.getKey()).dataType(), in.getValue()));
        }
        Map<String, PlanCompiler.Shape> shapes = shapes(batch, own);
        Map<String, String> outputs = new LinkedHashMap<>();
        for (String name : results) {
            outputs.put(name, name);
        }
        Set<String> zeroed = new HashSet<>(own.keySet());   // Nd4j.create clears
        return new Compiled(ExecutionPlan.compile(gradients, tokenName, batch, length, outputs, own, shapes, zeros), own, zeroed);
    }

    /**
     * Every op output's shape at {@code batch}, inferred by SameDiff the first time. Its {@code sd.output} takes
     * placeholders only, so variables set per pass (the taps) are pointed at arrays of the right shape meanwhile; that
     * is what only one thread may do at a time.
     */
    private Map<String, PlanCompiler.Shape> shapes(int batch, Map<String, INDArray> inputs) {
        Map<String, PlanCompiler.Shape> known = shapesByBatch.get(batch);
        if (known != null) {
            return known;
        }
        synchronized (gradients) {
            known = shapesByBatch.get(batch);
            if (known == null) {
                Map<String, INDArray> placeholders = new HashMap<>();
                for (Map.Entry<String, INDArray> in : inputs.entrySet()) {
                    if (gradients.getVariable(in.getKey()).getVariableType() == VariableType.PLACEHOLDER) {
                        placeholders.put(in.getKey(), in.getValue());
                    } else {
                        gradients.getVariable(in.getKey()).setArray(in.getValue());
                    }
                }
                known = PlanCompiler.inferShapes(gradients, tokenName, batch, length, placeholders);
                shapesByBatch.put(batch, known);
            }
            return known;
        }
    }

    @Override
    public void close() {
        for (Map<Key, Compiled> plans : byThread.values()) {
            for (Compiled c : new ArrayList<>(plans.values())) {
                c.plan().close();
            }
        }
        byThread.clear();
    }
}

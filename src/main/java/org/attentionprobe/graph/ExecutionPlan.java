package org.attentionprobe.graph;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SameDiff graph's ops for a fixed set of results and a fixed batch size, laid out once so that a run
 * is just "copy the tokens in, execute each op":
 * <ol>
 *   <li>only the ops the requested results depend on, in the graph's own (topological) order;</li>
 *   <li>every input resolved once to an array: a constant (shared, read-only), a placeholder buffer, or
 *       an earlier op's output;</li>
 *   <li>every output array allocated once, with the shape and type SameDiff itself computes for this
 *       batch size (one {@code sd.output} call at compile time), and reused on every run;</li>
 *   <li>each op executed by nd4j's executioner with its own {@link OpContext} holding those arrays and the
 *       op's arguments, so no shape inference, allocation or dependency tracking happens per run.</li>
 * </ol>
 * SameDiff's {@code InferenceSession} does all of that bookkeeping again for every op on every call; for
 * this model that costs more than the arithmetic. {@link PlanCompiler} also turns reshapes, unstacks and
 * matmul-bound permutes into views, runs the softmax in place and lets intermediates share buffers. The ops themselves are SameDiff's: the plan only reads
 * them (op name, hash and arguments), so plans on different threads may share one graph.
 *
 * <p>Not thread-safe: one plan per thread. Results are the plan's own arrays, overwritten by the next run.
 */
final class ExecutionPlan implements AutoCloseable {
    private final INDArray tokens;             // int32 [B, L], the token placeholder's buffer
    private final List<Step> steps;
    private final Map<String, INDArray> results; // requested name -> array written by a step (or a constant)
    private final List<OpContext> contexts;
    private final List<DataBuffer> buffers;      // the native memory behind every intermediate and result
    private final long bytes;

    /** One step of a run. */
    sealed interface Step permits OpStep, GatherRows, BlasProduct {
        void exec(OpExecutioner executioner);

        /** The op's name and kind with its output shapes (for profiles). */
        String describe();
    }

    /** A SameDiff op, run by nd4j's executioner with its own context. */
    record OpStep(DifferentialFunction op, OpContext context) implements Step {
        @Override
        public void exec(OpExecutioner executioner) {
            if (op instanceof CustomOp custom) {
                executioner.exec(custom, context);
            } else {
                executioner.exec((Op) op, context);
            }
        }

        @Override
        public String describe() {
            StringBuilder sb = new StringBuilder(op.opName());
            for (INDArray a : context.getOutputArrays()) {
                sb.append(' ').append(java.util.Arrays.toString(a.shape()));
            }
            return sb.toString();
        }
    }

    /**
     * SameDiff's {@code gather} of whole rows ({@code out[i] = table[ids[i]]}, axis 0) as bulk copies between the
     * arrays' native buffers: libnd4j's kernel costs 5–8 times as much for an embedding lookup (0.66 against 0.14 ms
     * for 3,200 rows of 32 floats, measured). An id outside the table fails with an exception, never a stray read.
     *
     * @param table  {@code [rows, width]} c order (its buffer may be longer)
     * @param ids    {@code count} int32 ids, c order
     * @param out    {@code [count, width]} c order
     */
    record GatherRows(java.nio.FloatBuffer table, int rows, java.nio.IntBuffer ids, java.nio.FloatBuffer out, int width,
                      int count, String shape) implements Step {
        @Override
        public void exec(OpExecutioner executioner) {
            for (int i = 0; i < count; i++) {
                int id = ids.get(i);
                if (id < 0 || id >= rows) {
                    throw new IndexOutOfBoundsException("gather: id " + id + " outside the table's " + rows + " rows");
                }
                out.put(i * width, table, id * width, width);
            }
        }

        @Override
        public String describe() {
            return "gather (rows copied) " + shape;
        }
    }

    private ExecutionPlan(INDArray tokens, List<Step> steps, Map<String, INDArray> results, List<OpContext> contexts,
                          List<DataBuffer> buffers, long bytes) {
        this.buffers = buffers;
        this.bytes = bytes;
        this.tokens = tokens;
        this.steps = steps;
        this.results = results;
        this.contexts = contexts;
    }

    /**
     * Lays out the ops computing {@code outputs} for batches of {@code batch} rows.
     *
     * @param outputs      result name -> graph variable name
     * @param placeholders a value for every placeholder but the tokens ({@code [batch, ...]}), e.g. zero taps
     */
    static ExecutionPlan compile(SameDiff sd, String tokenName, int batch, int length, Map<String, String> outputs,
                                 Map<String, INDArray> placeholders) {
        return new PlanCompiler(sd, tokenName, batch, length, outputs, placeholders, null, Set.of()).compile();
    }

    /**
     * Lays out the ops like {@link #compile(SameDiff, String, int, int, Map, Map)}, with every intermediate's shape
     * already known ({@link PlanCompiler#inferShapes}): no {@code sd.output} call, so {@code inputs} may hold variables
     * as well, which the plan then reads from these arrays instead of the graph's. Inputs named in {@code zeroInputs}
     * hold zeros on every run of the plan: adding them is skipped.
     */
    static ExecutionPlan compile(SameDiff sd, String tokenName, int batch, int length, Map<String, String> outputs,
                                 Map<String, INDArray> inputs, Map<String, PlanCompiler.Shape> shapes, Set<String> zeroInputs) {
        return new PlanCompiler(sd, tokenName, batch, length, outputs, inputs, shapes, zeroInputs).compile();
    }

    /** Called by {@link PlanCompiler} once everything is laid out. */
    static ExecutionPlan of(INDArray tokens, List<Step> steps, Map<String, INDArray> results, List<DataBuffer> buffers, long bytes) {
        List<OpContext> contexts = new ArrayList<>();
        for (Step step : steps) {
            if (step instanceof OpStep op) {
                contexts.add(op.context());
            }
        }
        return new ExecutionPlan(tokens, List.copyOf(steps), java.util.Collections.unmodifiableMap(results), contexts,
                buffers, bytes);
    }

    /** Runs the ops on {@code tokenIds} (int32 {@code [B, L]}, already checked); returns the plan's result arrays. */
    Map<String, INDArray> run(INDArray tokenIds) {
        tokens.assign(tokenIds);
        OpExecutioner executioner = Nd4j.getExecutioner();
        for (Step step : steps) {
            step.exec(executioner);
        }
        return results;
    }

    /**
     * Runs like {@link #run} and adds each op's time to {@code nanos} (one entry per op, in order), measured
     * with {@code clock} (e.g. this thread's CPU time, which a busy machine disturbs less than wall time).
     */
    void runTimed(INDArray tokenIds, long[] nanos, java.util.function.LongSupplier clock) {
        tokens.assign(tokenIds);
        OpExecutioner executioner = Nd4j.getExecutioner();
        for (int i = 0; i < steps.size(); i++) {
            long t0 = clock.getAsLong();
            steps.get(i).exec(executioner);
            nanos[i] += clock.getAsLong() - t0;
        }
    }

    /** Each op's name and kind with its output shapes, in execution order (for profiles). */
    List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Step step : steps) {
            out.add(step.describe());
        }
        return out;
    }

    /** Bytes of the plan's own arrays (intermediates and results, after buffer reuse). */
    long bytes() {
        return bytes;
    }

    int opCount() {
        return steps.size();
    }

    /** Frees the plan's native memory now (not at some later garbage collection): its results become invalid. */
    @Override
    public void close() {
        for (OpContext ctx : contexts) {
            try {
                ctx.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        for (DataBuffer buffer : buffers) {
            buffer.close();
        }
        if (tokens.closeable()) {
            tokens.close();
        }
    }
}

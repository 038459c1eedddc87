package org.attentionprobe.graph;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one graph for one caller thread, batch after batch, through {@link ExecutionPlan}s: a plan per batch
 * size, compiled on first use (the last few are kept, so a corpus's last, shorter batch does not evict the
 * full-size one).
 *
 * <p>Not thread-safe: give each thread its own runner; runners of one graph share its weights, which are only
 * read. The arrays {@link #run} returns belong to the runner and are overwritten by its next run: copy what
 * you keep ({@code dup()}).
 */
public final class BatchRunner implements AutoCloseable {
    /**
     * Rows per batch for corpus runs, chosen by measurement (docs/speed.md): for the keras.io model the model's own
     * CPU time per review is flat from 8 to 64 rows (within the noise, {@code probe bench --sweep}) and grows at 128;
     * a corpus run, which reads each review's attention again for its summary once the batch is done, is 5–10%
     * faster at 4 or 8 rows than at 16, as the batch's attention ({@code [B, H, L, L]} and its logits, 640 KB per
     * review) stays in the caches. The runner's memory grows with the batch (0.8 MB per row).
     */
    public static final int DEFAULT_BATCH = 8;
    private static final int PLANS_KEPT = 3;

    private final ModelGraph graph;
    private final List<String> outputs;
    private final Map<Integer, ExecutionPlan> plans = new LinkedHashMap<>(4, 0.75f, true);

    BatchRunner(ModelGraph graph, List<String> outputs) {
        for (String name : outputs) {
            graph.variable(name); // fails now, naming the known results, for an unknown name
        }
        this.graph = graph;
        this.outputs = List.copyOf(outputs);
    }

    /**
     * Runs a batch of token ids.
     *
     * @param tokenIds integer {@code [B, L]}, every id in {@code [0, vocab)} (checked)
     * @return the named results, owned by this runner until its next run
     */
    public Map<String, INDArray> run(INDArray tokenIds) {
        graph.checkTokens(tokenIds);
        INDArray ids = tokenIds.dataType() == DataType.INT32 ? tokenIds : tokenIds.castTo(DataType.INT32);
        return plan(Math.toIntExact(ids.size(0))).run(ids);
    }

    /** One op of a plan and the time it took, summed over a profile's runs. */
    public record OpTime(int index, String op, long nanos) {
    }

    /**
     * Runs {@code tokenIds} {@code runs} times and returns each op's time, measured with {@code clock}
     * (e.g. this thread's CPU time: a busy machine disturbs it less than wall time), in execution order.
     */
    public List<OpTime> profile(INDArray tokenIds, int runs, java.util.function.LongSupplier clock) {
        graph.checkTokens(tokenIds);
        INDArray ids = tokenIds.dataType() == DataType.INT32 ? tokenIds : tokenIds.castTo(DataType.INT32);
        ExecutionPlan plan = plan(Math.toIntExact(ids.size(0)));
        long[] nanos = new long[plan.opCount()];
        for (int r = 0; r < runs; r++) {
            plan.runTimed(ids, nanos, clock);
        }
        List<String> ops = plan.describe();
        List<OpTime> out = new java.util.ArrayList<>();
        for (int i = 0; i < nanos.length; i++) {
            out.add(new OpTime(i, ops.get(i), nanos[i]));
        }
        return out;
    }

    private ExecutionPlan plan(int batch) {
        ExecutionPlan plan = plans.get(batch);
        if (plan == null) {
            plan = graph.plan(batch, outputs);
            plans.put(batch, plan);
            if (plans.size() > PLANS_KEPT) {
                Iterator<ExecutionPlan> eldest = plans.values().iterator();
                eldest.next().close();
                eldest.remove();
            }
        }
        return plan;
    }

    /** Bytes held by this runner's plans (intermediates and results). */
    public long bytes() {
        return plans.values().stream().mapToLong(ExecutionPlan::bytes).sum();
    }

    /**
     * Frees the plans' native memory now and hands it back to the system: glibc keeps freed blocks in its
     * per-thread arenas (the resident size of a process that opens runner after runner otherwise only grows).
     */
    @Override
    public void close() {
        plans.values().forEach(ExecutionPlan::close);
        plans.clear();
        NativeBackend.trimMemory();
    }
}

package org.attentionprobe;

import org.attentionprobe.layers.Results;
import org.attentionprobe.graph.BatchRunner;
import org.attentionprobe.graph.ModelGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Probabilities and every block's attention, batch after batch, as fast as this machine allows: the corpus
 * path. One runner per thread ({@link TransformerModel#newRunner()}); runners of one model share its weights.
 *
 * <pre>{@code
 * try (ModelRunner runner = model.newRunner()) {
 *     for (INDArray batch : batches) {                 // int32 [B, L], B = BatchRunner.DEFAULT_BATCH say
 *         ModelOutput out = runner.run(batch);         // valid until the next run: consume or dup() it
 *         write(out.probabilities(), out.attention(0));
 *     }
 * }
 * }</pre>
 */
public final class ModelRunner implements AutoCloseable {
    private final BatchRunner runner;
    private final List<String> attentionNames;
    private final List<String> logitNames;   // empty unless asked for

    ModelRunner(ModelGraph graph, boolean withLogits) {
        this.attentionNames = graph.attentionNames();
        this.logitNames = new ArrayList<>();
        if (withLogits) {
            for (int i = 0; i < attentionNames.size(); i++) {
                logitNames.add(Results.attentionLogits(i));
            }
        }
        List<String> names = new ArrayList<>();
        names.add(Results.PROBABILITIES);
        names.addAll(attentionNames);
        names.addAll(logitNames);
        this.runner = graph.runner(names);
    }

    /**
     * Runs one batch. The arrays returned belong to this runner and are overwritten by its next run.
     *
     * @param tokenIds integer {@code [B, L]}, ids in {@code [0, vocab)}
     */
    public ModelOutput run(INDArray tokenIds) {
        Map<String, INDArray> out = runner.run(tokenIds);
        List<INDArray> attention = new ArrayList<>(attentionNames.size());
        for (String name : attentionNames) {
            attention.add(out.get(name));
        }
        List<INDArray> logits = new ArrayList<>(logitNames.size());
        for (String name : logitNames) {
            logits.add(out.get(name));
        }
        return new ModelOutput(out.get(Results.PROBABILITIES), List.copyOf(attention), List.copyOf(logits));
    }

    /** Bytes this runner holds for its batches (intermediates and results). */
    public long bytes() {
        return runner.bytes();
    }

    @Override
    public void close() {
        runner.close();
    }
}

package org.attentionprobe.graph;

import org.attentionprobe.layers.Results;
import org.attentionprobe.io.Shapes;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.layers.LayerMappers;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model as one SameDiff graph, built once and run for every batch. Input: the placeholder
 * {@code tokens}, int32 {@code [batch, L]}. Named results:
 * <ul>
 *   <li>{@code probabilities} {@code [B, classes]}: the model output</li>
 *   <li>{@code embedding} {@code [B, L, E]}: the output of the token (and position) embedding</li>
 *   <li>{@code block{i}/input}, {@code block{i}/output} {@code [B, L, E]}: a transformer block's input and output</li>
 *   <li>{@code block{i}/attention} {@code [B, H, L, L]}: {@code softmax(QKᵀ/√d)}, rows = query, columns = key</li>
 *   <li>{@code block{i}/attention_output} {@code [B, L, E]}: the attention layer's output after its projection</li>
 *   <li>{@code layer/<name>}: any Keras layer's output (its first call's first output), not listed in {@link #outputNames()}</li>
 *   <li>{@code block{i}/attention_logits} {@code [B, H, L, L]}: the softmax's input ({@link Results#attentionLogits}), not listed either</li>
 * </ul>
 * It knows nothing about files: it is built from a {@link SavedModel} by the layer mappers.
 */
public final class ModelGraph implements AutoCloseable {
    private final SameDiff sd;
    private final String tokens;
    private final Map<String, SDVariable> named;
    private final Map<String, SDVariable> layerResults;
    private final Map<String, String> taps;
    private final Map<String, long[]> tapShapes;
    private final ModelSummary summary;

    ModelGraph(SameDiff sd, String tokens, Map<String, SDVariable> named, Map<String, SDVariable> layerResults,
               Map<String, String> taps, Map<String, long[]> tapShapes, ModelSummary summary) {
        this.sd = sd;
        this.tokens = tokens;
        this.named = new LinkedHashMap<>(named);
        this.layerResults = new LinkedHashMap<>(layerResults);
        this.taps = new LinkedHashMap<>(taps);
        this.tapShapes = new LinkedHashMap<>(tapShapes);
        this.summary = summary;
    }

    /** Builds the graph of a saved model with the given mappers. */
    public static ModelGraph build(SavedModel model, LayerMappers mappers, GraphOptions options) {
        return new GraphBuilder(model, mappers, options).build();
    }

    public ModelSummary summary() {
        return summary;
    }

    /** The names of the results {@link #run} can return, in graph order. */
    public List<String> outputNames() {
        return List.copyOf(named.keySet());
    }

    /** The attention result names, one per block: {@code block0/attention}, ... */
    public List<String> attentionNames() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < summary.blocks().size(); i++) {
            out.add(Results.attention(i));
        }
        return out;
    }

    /** Runs a batch of token ids {@code [B, L]} and returns the requested named results. */
    public Map<String, INDArray> run(int[][] tokenIds, String... outputs) {
        return run(tokenArray(tokenIds), List.of(outputs), Map.of());
    }

    /**
     * Runs a batch and returns the requested named results.
     *
     * @param tokenIds int32 {@code [B, L]}, checked against the vocabulary
     * @param outputs  names from {@link #outputNames()}
     * @param tapInput offsets for gradient taps by result name, {@code [B, ...]} (zeros when absent)
     */
    public Map<String, INDArray> run(INDArray tokenIds, Collection<String> outputs, Map<String, INDArray> tapInput) {
        Map<String, INDArray> feed = feed(tokenIds, tapInput);
        List<String> varNames = new ArrayList<>(outputs.size());
        for (String name : outputs) {
            varNames.add(variable(name).name());
        }
        Map<String, INDArray> raw = sd.output(feed, varNames);
        Map<String, INDArray> result = new LinkedHashMap<>();
        for (String name : outputs) {
            result.put(name, raw.get(variable(name).name()));
        }
        return result;
    }

    /**
     * The placeholder values for one run: the checked tokens. Every tap variable gets its offsets (zeros
     * unless given) — which makes runs of a graph built with taps single-threaded.
     */
    Map<String, INDArray> feed(INDArray tokenIds, Map<String, INDArray> tapInput) {
        checkTokens(tokenIds);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(tokens, tokenIds.dataType() == DataType.INT32 ? tokenIds : tokenIds.castTo(DataType.INT32));
        long batch = tokenIds.size(0);
        for (Map.Entry<String, String> tap : taps.entrySet()) {
            INDArray given = tapInput.get(tap.getKey());
            if (given == null) {
                long[] shape = tapShapes.get(tap.getKey()).clone();
                shape[0] = batch;
                given = Nd4j.zeros(DataType.FLOAT, shape);
            }
            sd.getVariable(tap.getValue()).setArray(given); // a variable, set per run (see GraphBuilder)
        }
        return feed;
    }

    /**
     * A fast runner of the named results for one thread: the same ops as {@link #run}, laid out once per batch
     * size (see {@link ExecutionPlan}). Gradient taps, if the graph has any, are zero.
     */
    public BatchRunner runner(List<String> outputs) {
        return new BatchRunner(this, outputs);
    }

    /**
     * An execution plan computing the named results for batches of exactly {@code batch} rows (taps zero).
     * Compiling runs {@code sd.output} once, so plans are compiled one at a time.
     */
    synchronized ExecutionPlan plan(int batch, Collection<String> outputs) {
        Map<String, String> varNames = new LinkedHashMap<>();
        for (String name : outputs) {
            varNames.put(name, variable(name).name());
        }
        Map<String, INDArray> zeroTaps = new HashMap<>();
        for (Map.Entry<String, String> tap : taps.entrySet()) {
            long[] shape = tapShapes.get(tap.getKey()).clone();
            shape[0] = batch;
            zeroTaps.put(tap.getValue(), Nd4j.zeros(DataType.FLOAT, shape));
        }
        return ExecutionPlan.compile(sd, tokens, batch, summary.sequenceLength(), varNames, zeroTaps);
    }

    /** The graph variable behind a named result; an error listing the names when unknown. */
    public SDVariable variable(String name) {
        SDVariable v = named.containsKey(name) ? named.get(name) : layerResults.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no result named \"" + name + "\"; expected one of " + named.keySet());
        }
        return v;
    }

    /** The name of the tap variable for a result, when the graph was built with that tap. */
    public String tapVariable(String name) {
        return taps.get(name);
    }

    /** The underlying SameDiff graph, for callers that need more (gradients, custom ops). */
    public SameDiff sameDiff() {
        return sd;
    }

    /** Token ids must be a {@code [B, L]} integer array with every id in {@code [0, vocab)}. */
    public void checkTokens(INDArray tokenIds) {
        int length = summary.sequenceLength();
        if (tokenIds.rank() != 2 || tokenIds.size(1) != length) {
            throw new InvalidInputException("expected token ids of shape (batch, " + length + "), got "
                    + org.attentionprobe.io.Shapes.format(tokenIds.shape()));
        }
        if (tokenIds.size(0) == 0) {
            throw new InvalidInputException("expected at least one sequence of token ids, got none");
        }
        if (!tokenIds.dataType().isIntType()) {
            throw new InvalidInputException("expected integer token ids, got " + tokenIds.dataType());
        }
        long vocab = summary.vocabSize();
        int[] flat = isPlainInt32(tokenIds) ? tokenIds.data().asInt() : tokenIds.castTo(DataType.INT32).dup('c').data().asInt();
        for (int i = 0; i < flat.length; i++) {
            if (flat[i] < 0 || flat[i] >= vocab) {
                throw badTokenId(flat[i], vocab, "at row " + (i / length) + ", position " + (i % length));
            }
        }
    }

    /** The one message for an id outside {@code [0, vocab)}; {@code where} places it, e.g. {@code at row 1, position 7}. */
    public static InvalidInputException badTokenId(int id, long vocab, String where) {
        return new InvalidInputException("token id " + id + " " + where + " "
                + (id < 0 ? "is negative" : "is not below the model's vocabulary size " + vocab) + "; expected ids in [0, " + vocab + ")");
    }

    /** An int32 array that is its whole buffer in c order: its ids can be read without a native copy. */
    private static boolean isPlainInt32(INDArray a) {
        return a.dataType() == DataType.INT32 && a.ordering() == 'c' && a.offset() == 0 && !a.isView()
                && a.data().length() == a.length();
    }

    /** {@code int[B][L]} as an int32 array; rows must all have length L. */
    public INDArray tokenArray(int[][] tokenIds) {
        int length = summary.sequenceLength();
        for (int r = 0; r < tokenIds.length; r++) {
            if (tokenIds[r].length != length) {
                throw new InvalidInputException("row " + r + " has " + tokenIds[r].length + " token ids, expected " + length
                        + " (pad like keras.utils.pad_sequences)");
            }
        }
        if (tokenIds.length == 0) {
            throw new InvalidInputException("expected at least one sequence of token ids, got none");
        }
        return Nd4j.createFromArray(tokenIds);
    }

    @Override
    public void close() {
        named.clear();
    }
}

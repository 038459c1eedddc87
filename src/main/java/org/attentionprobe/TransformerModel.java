package org.attentionprobe;

import org.attentionprobe.graph.GraphOptions;
import org.attentionprobe.graph.ModelGraph;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.graph.NativeBackend;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.layers.LayerMappers;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Keras transformer text classifier on the JVM: the entry point of the Java API.
 *
 * <pre>{@code
 * try (TransformerModel model = TransformerModel.open(Path.of("model.keras"))) {   // or .h5, or with LoadOptions
 *     ModelSummary s = model.summary();             // blocks, heads, vocab, maxlen, classes
 *     ModelOutput out = model.run(tokenIds);        // int[batch][maxlen]
 *     INDArray p = out.probabilities();             // [batch, classes]
 *     INDArray a = out.attention(0);                // [batch, heads, L, L], rows = query, columns = key
 * }
 * }</pre>
 *
 * <p>Process-wide effect: the first model opened sets the system property
 * {@code org.bytedeco.javacpp.platform.extension} (which of nd4j's native builds JavaCPP loads, {@link NativeBackend}),
 * unless the caller set it before.
 */
public final class TransformerModel implements AutoCloseable {
    private final SavedModel saved;
    private final ModelGraph graph;
    private final LayerMappers mappers;
    private final GraphOptions options;
    private final Map<Integer, TransformerModel> byLength = new java.util.HashMap<>(); // variable-length models: guarded by this
    private ModelRunner shared; // for run(): guarded by this

    private TransformerModel(SavedModel saved, ModelGraph graph, LayerMappers mappers, GraphOptions options) {
        this.saved = saved;
        this.graph = graph;
        this.mappers = mappers;
        this.options = options;
    }

    /** Opens a model file ({@code .h5}, {@code .keras}, weights-only {@code .h5}) with the built-in layer mappers. */
    public static TransformerModel open(Path file) {
        return open(file, LoadOptions.defaults());
    }

    /**
     * Opens a model file with what it may not say by itself, e.g. the architecture of a Keras 3
     * {@code .weights.h5}: {@code open(Path.of("model.weights.h5"), LoadOptions.defaults().withConfig(Path.of("config.json")))}.
     */
    public static TransformerModel open(Path file, LoadOptions options) {
        return open(file, options, LayerMappers.builtIn());
    }

    /** Opens a model file with your own registry (built-ins plus your custom layers). */
    public static TransformerModel open(Path file, LayerMappers mappers) {
        return open(file, LoadOptions.defaults(), mappers);
    }

    public static TransformerModel open(Path file, LoadOptions options, LayerMappers mappers) {
        NativeBackend.select();
        return of(ModelFiles.read(file, options.withSublayerOrder(mappers.sublayerOrder())), mappers, GraphOptions.inference());
    }

    /** Builds a model from what was already read (for other formats or inferred architectures). */
    public static TransformerModel of(SavedModel saved, LayerMappers mappers, GraphOptions options) {
        NativeBackend.select();
        return new TransformerModel(saved, ModelGraph.build(saved, mappers, options), mappers, options);
    }

    /**
     * True when the model takes token sequences of any length ({@code Input(shape=(None,))}). Its {@link #graph()} is
     * built for the length the model declares, else {@link org.attentionprobe.graph.GraphOptions#sequenceLength()
     * 128}; {@link #run} takes any length and {@link #atLength} gives the model for one length.
     */
    public boolean variableLength() {
        long[] shape = saved.config().inputShape();
        return shape != null && shape.length == 2 && shape[1] < 0;
    }

    /** This model built for sequences of {@code length} tokens: itself unless it is {@link #variableLength()}. */
    public synchronized TransformerModel atLength(int length) {
        if (!variableLength() || length == graph.summary().sequenceLength()) {
            return this;
        }
        return byLength.computeIfAbsent(length, l -> new TransformerModel(saved,
                ModelGraph.build(saved, mappers, options.withSequenceLength(l)), mappers, options.withSequenceLength(l)));
    }

    /** The layer kinds this model was built with. */
    public LayerMappers mappers() {
        return mappers;
    }

    public ModelSummary summary() {
        return graph.summary();
    }

    /** What was read from the file (config and weights). */
    public SavedModel saved() {
        return saved;
    }

    public ModelGraph graph() {
        return graph;
    }

    /** Probabilities and every block's attention for a batch of token ids {@code [B][L]}. */
    public ModelOutput run(int[][] tokenIds) {
        TransformerModel m = tokenIds.length > 0 ? atLength(tokenIds[0].length) : this;
        return m == this ? run(graph.tokenArray(tokenIds)) : m.run(tokenIds);
    }

    /**
     * Probabilities and every block's attention for an int32 array {@code [B, L]}, in new arrays. Runs on the
     * fast path, one call at a time; for many batches or several threads use {@link #newRunner()}.
     */
    public synchronized ModelOutput run(INDArray tokenIds) {
        TransformerModel m = tokenIds.rank() == 2 ? atLength((int) tokenIds.size(1)) : this;
        if (m != this) {
            return m.run(tokenIds);
        }
        if (shared == null) {
            shared = newRunner();
        }
        ModelOutput out = shared.run(tokenIds);
        List<INDArray> attention = new ArrayList<>();
        for (INDArray a : out.attention()) {
            attention.add(a.dup());
        }
        return new ModelOutput(out.probabilities().dup(), List.copyOf(attention));
    }

    /**
     * A runner for the corpus path: probabilities and attention batch after batch, without allocating,
     * for one thread (make one per thread; they share this model's weights).
     */
    public ModelRunner newRunner() {
        return new ModelRunner(graph, false);
    }

    /**
     * A runner that also returns every block's attention logits ({@link ModelOutput#logits()}): what a corpus run's
     * entropy needs (one logarithm per row, not per weight: {@code AttentionEntropy}).
     * The softmax then cannot overwrite its input, so the runner holds one more {@code [B, H, L, L]} per block.
     */
    public ModelRunner newRunnerWithLogits() {
        return new ModelRunner(graph, true);
    }

    /** Any named results ({@link ModelGraph#outputNames()}), e.g. {@code embedding}, {@code block0/output}. */
    public Map<String, INDArray> run(INDArray tokenIds, String... outputs) {
        TransformerModel m = tokenIds.rank() == 2 ? atLength((int) tokenIds.size(1)) : this;
        return m.graph.run(tokenIds, List.of(outputs), Map.of());
    }

    @Override
    public synchronized void close() {
        byLength.values().forEach(TransformerModel::close);
        byLength.clear();
        if (shared != null) {
            shared.close();
            shared = null;
        }
        graph.close();
    }
}

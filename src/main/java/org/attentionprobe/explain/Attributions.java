package org.attentionprobe.explain;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.GraphOptions;
import org.attentionprobe.graph.BatchRunner;
import org.attentionprobe.graph.ModelGraph;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.graph.NativeBackend;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.layers.LayerMappers;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Attributions for a model's decisions, beyond raw attention: attention rollout, gradient × attention and
 * integrated gradients, for F = the model's probability of one class (post-softmax; the predicted class unless
 * another is asked for). Gradients come from SameDiff's autodiff on a second copy of the graph built with gradient
 * taps; it is built once here (the gradient function takes seconds to create) and reused for every sequence.
 *
 * <pre>{@code
 * try (TransformerModel model = TransformerModel.open(Path.of("model.h5"));
 *      Attributions attributions = Attributions.of(model)) {
 *     Explanation e = attributions.explain(tokenIds);                        // int[L], predicted class, defaults
 *     double[] ig = e.integratedGradients();                                 // [L]
 *     double gap = e.completenessGap();                                      // Σ IG − (F(x) − F(baseline))
 *     Explanation neg = attributions.explain(tokenIds, OptionalInt.of(0), ExplainOptions.defaults().withSteps(100));
 * }
 * }</pre>
 *
 * Calls are serialised. Each call runs the integrated-gradients path in parts on as many worker threads as there are
 * CPUs, each with one op thread, and puts ND4J's process-wide thread settings back when it returns.
 *
 * <p>Process-wide effect: building the gradient graph ({@link #of}) replaces {@code System.out} with a stream that
 * discards for the duration of that one call, because SameDiff prints a line per differentiated op; what other
 * threads print to {@code System.out} meanwhile is lost.
 */
public final class Attributions implements AutoCloseable {
    private final TransformerModel model;        // built with taps, owned
    private final TapGradients gradients;
    private final IntegratedGradientsPath path;
    private final BatchRunner forward;           // probabilities and the embedding on the fast path (taps zero)
    private final int workers;                   // parts of the integrated-gradients path run at once
    private final ExecutorService pool;          // their threads (daemons)
    private final java.util.Map<Integer, Attributions> byLength = new java.util.HashMap<>(); // variable-length models
    private final java.util.Map<Integer, double[]> padBaselines = new java.util.HashMap<>(); // pad id → e' [L * E]

    private Attributions(TransformerModel model) {
        this.model = model;
        this.gradients = new TapGradients(model.graph());
        this.path = new IntegratedGradientsPath(gradients, model.graph().attentionNames());
        List<String> forwardResults = new java.util.ArrayList<>(List.of(TapGradients.PROBABILITIES, TapGradients.EMBEDDING));
        forwardResults.addAll(model.graph().attentionNames());
        this.forward = model.graph().runner(forwardResults);
        this.workers = Runtime.getRuntime().availableProcessors();
        this.pool = Executors.newFixedThreadPool(workers, task -> {
            Thread t = new Thread(task, "explain-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Initialises what building a gradient graph needs and takes long the first time: ND4J's op registry (SameDiff's
     * {@code createGradFunction} copies every op through it; 0.3–0.7 s of class loading and reflection). A command
     * line calls it on a background thread while the model loads; calling it is never required.
     */
    public static void warmUp() {
        org.nd4j.imports.converters.DifferentialFunctionClassHolder.getInstance();
    }

    /** For a model opened with the built-in layer mappers (one opened with your own: {@link #of(SavedModel, LayerMappers)}). */
    public static Attributions of(TransformerModel model) {
        return of(model.saved(), model.mappers());
    }

    public static Attributions of(SavedModel saved, LayerMappers mappers) {
        return new Attributions(TransformerModel.of(saved, mappers, GraphOptions.attributions()));
    }

    public ModelSummary summary() {
        return model.summary();
    }

    /** Explains the predicted class with the default options. */
    public Explanation explain(int[] tokens) {
        return explain(tokens, OptionalInt.empty(), ExplainOptions.defaults());
    }

    /**
     * @param tokens         {@code [L]} token ids, already padded to the model's length
     * @param explainedClass the class whose probability to explain; the predicted class when empty
     */
    public synchronized Explanation explain(int[] tokens, OptionalInt explainedClass, ExplainOptions options) {
        if (model.variableLength() && tokens.length != model.summary().sequenceLength()) {
            // the same model built for this length (owned and closed by this one's model)
            return byLength.computeIfAbsent(tokens.length, l -> new Attributions(model.atLength(l))).explain(tokens, explainedClass, options);
        }
        ModelGraph graph = model.graph();
        INDArray x = graph.tokenArray(new int[][]{tokens});          // [1, L]; the runner checks the ids
        Map<String, INDArray> first = forward.run(x);                              // the runner's arrays, until its next run
        float[] outputs = first.get(TapGradients.PROBABILITIES).toFloatMatrix()[0]; // [C]
        int predicted = ClassProbability.predicted(outputs);
        ClassProbability f = ClassProbability.of(outputs.length, explainedClass.orElse(predicted));

        // Attention at the input (rollout, gradient × attention), from the same one-row pass as the prediction.
        List<INDArray> attention = new java.util.ArrayList<>();                    // per block [H, L, L]
        for (String name : graph.attentionNames()) {
            attention.add(first.get(name).slice(0).dup());
        }

        // Integrated gradients on the embedding output; the path's last point, the input, gives ∂F/∂A at the input.
        double[] input = Matrices.flat(first.get(TapGradients.EMBEDDING));     // e [L * E]
        double[] baseline = baseline(options, tokens.length, input.length);       // e' [L * E]
        IntegratedGradientsPath.Result path;
        NativeBackend.OpThreads before = NativeBackend.OpThreads.current();      // the workers set one op thread each
        try {
            path = this.path.integrate(tokens, input, baseline, (int) model.summary().embedDim(), f, options.baseline(),
                    options.steps(), workers, pool);
        } finally {
            before.restore();
        }
        List<INDArray> attentionGradients = path.attentionGradients();
        RelevanceMap rollout = model.summary().rolloutNotApplicable().isEmpty() ? AttentionRollout.of(attention) : null;
        RelevanceMap gradAttention = attention.isEmpty() ? null : GradientAttention.of(attention, attentionGradients);
        IntegratedGradients ig = path.integratedGradients();

        boolean[] real = new boolean[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            real[i] = tokens[i] != options.padId();
        }
        return new Explanation(tokens.clone(), real, ClassProbability.classProbabilities(outputs), predicted,
                f.explainedClass(), attention, attentionGradients, rollout, gradAttention, ig);
    }

    /** e': the embedding of an all-padding sequence, or zeros. */
    private double[] baseline(ExplainOptions options, int length, int size) {
        return switch (options.baseline()) {
            case ZEROS -> new double[size];
            case PAD -> {
                if (options.padId() >= model.summary().vocabSize()) {
                    throw new InvalidInputException("padding id " + options.padId() + " is not below the vocabulary size "
                            + model.summary().vocabSize());
                }
                yield padBaselines.computeIfAbsent(options.padId(), pad -> {   // the same for every sequence: once
                    int[] pads = new int[length];
                    Arrays.fill(pads, pad);
                    return Matrices.flat(forward.run(model.graph().tokenArray(new int[][]{pads})).get(TapGradients.EMBEDDING));
                }).clone();
            }
        };
    }

    @Override
    public void close() {
        byLength.values().forEach(a -> {   // their models belong to this one's model
            a.gradients.close();
            a.forward.close();
            a.pool.shutdownNow();
        });
        byLength.clear();
        pool.shutdownNow();
        gradients.close();
        forward.close();
        model.close();
    }
}

package org.attentionprobe.explain;

import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.GraphOptions;
import org.attentionprobe.graph.BatchRunner;
import org.attentionprobe.graph.ModelGraph;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.layers.LayerMappers;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

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
 * Calls are serialised: the gradient graph sets its taps per pass.
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
    private final java.util.Map<Integer, Attributions> byLength = new java.util.HashMap<>(); // variable-length models

    private Attributions(TransformerModel model) {
        this.model = model;
        this.gradients = new TapGradients(model.graph());
        this.path = new IntegratedGradientsPath(gradients);
        this.forward = model.graph().runner(List.of(TapGradients.PROBABILITIES, TapGradients.EMBEDDING));
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
        INDArray x = graph.tokenArray(new int[][]{tokens});          // [1, L], checked
        graph.checkTokens(x);
        float[] outputs = forward.run(x).get(TapGradients.PROBABILITIES).toFloatMatrix()[0];   // [C]
        int predicted = ClassProbability.predicted(outputs);
        ClassProbability f = ClassProbability.of(outputs.length, explainedClass.orElse(predicted));

        // Attention and ∂F/∂A at the input: rollout and gradient × attention.
        List<String> attentionNames = graph.attentionNames();
        List<String> wanted = new ArrayList<>(attentionNames);
        wanted.add(TapGradients.EMBEDDING);
        TapGradients.Pass atInput = gradients.run(x, null, f.batchWeights(1), wanted, attentionNames);
        List<INDArray> attention = new ArrayList<>();          // per block [H, L, L]
        List<INDArray> attentionGradients = new ArrayList<>();
        for (String name : attentionNames) {
            attention.add(atInput.output(name).slice(0).dup());
            attentionGradients.add(atInput.gradient(name).slice(0).dup());
        }
        RelevanceMap rollout = model.summary().rolloutNotApplicable().isEmpty() ? AttentionRollout.of(attention) : null;
        RelevanceMap gradAttention = attention.isEmpty() ? null : GradientAttention.of(attention, attentionGradients);

        // Integrated gradients on the embedding output.
        double[] input = Matrices.flat(atInput.output(TapGradients.EMBEDDING));   // e [L * E]
        double[] baseline = baseline(options, tokens.length, input.length);       // e' [L * E]
        IntegratedGradients ig = path.integrate(tokens, input, baseline, (int) model.summary().embedDim(), f,
                options.baseline(), options.steps());

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
                int[] pads = new int[length];
                Arrays.fill(pads, options.padId());
                yield Matrices.flat(forward.run(model.graph().tokenArray(new int[][]{pads})).get(TapGradients.EMBEDDING));
            }
        };
    }

    @Override
    public void close() {
        byLength.values().forEach(a -> {   // their models belong to this one's model
            a.gradients.close();
            a.forward.close();
        });
        byLength.clear();
        gradients.close();
        forward.close();
        model.close();
    }
}

package org.attentionprobe.explain;

import org.attentionprobe.layers.Results;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.graph.GradientPlans;
import org.attentionprobe.graph.ModelGraph;
import org.attentionprobe.graph.ModelSummary;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph built with {@code GraphOptions.attributions()} made differentiable: SameDiff's own autodiff gives
 * {@code ∂F/∂embedding} and {@code ∂F/∂A_l} for every block through the gradient taps (zero-valued variables
 * added to those results, so the gradient with respect to a tap is the gradient with respect to the result).
 *
 * <p>The graph gets one placeholder, {@code explain/class_weights} {@code [B, C]}, and one loss,
 * {@code Σ_b Σ_c weights[b, c] · probabilities[b, c]}. Rows of a batch never interact in an inference graph, so
 * row b of a gradient is {@code ∂F_b/∂(row b)}: a batch is a set of independent inputs (the integrated-gradients
 * path points). The gradient function is created once, here; passes run it on the fast path
 * ({@link GradientPlans}: a compiled plan per batch size, as the forward runner does).
 *
 * <p>Threads may run passes at the same time: every pass copies its tap values into plans of the calling thread.
 */
final class TapGradients implements AutoCloseable {
    static final String CLASS_WEIGHTS = "explain/class_weights";
    static final String EMBEDDING = Results.EMBEDDING;
    static final String PROBABILITIES = Results.PROBABILITIES;

    private final ModelGraph graph;
    private final SameDiff sd;
    private final String tokens;                       // the token-id placeholder
    private final Map<String, long[]> tapShapes = new LinkedHashMap<>(); // result name → shape, batch first (-1)
    private final GradientPlans plans;                 // the gradient function on the fast path

    TapGradients(ModelGraph graph) {
        this.graph = graph;
        this.sd = graph.sameDiff();
        ModelSummary s = graph.summary();
        tapShapes.put(EMBEDDING, new long[]{-1, s.sequenceLength(), s.embedDim()});
        List<String> attention = graph.attentionNames();
        for (int b = 0; b < attention.size(); b++) {
            tapShapes.put(attention.get(b), new long[]{-1, s.blocks().get(b).heads(), s.sequenceLength(), s.sequenceLength()});
        }
        for (String name : tapShapes.keySet()) {
            if (graph.tapVariable(name) == null) {
                throw new UnsupportedModelException("the graph has no gradient tap on " + name
                        + "; build it with GraphOptions.attributions()");
            }
        }
        List<String> placeholders = sd.inputs();
        if (placeholders.size() != 1) {
            throw new IllegalStateException("expected the token ids as the graph's only placeholder, found " + placeholders);
        }
        this.tokens = placeholders.get(0);
        SDVariable weights = sd.placeHolder(CLASS_WEIGHTS, DataType.FLOAT, -1, s.outputs());
        SDVariable score = sd.sum("explain/score", graph.variable(PROBABILITIES).mul(weights));
        score.markAsLoss();
        createGradFunctionQuietly(sd);
        this.plans = new GradientPlans(sd.getFunction("grad"), tokens, s.sequenceLength());
    }

    /** One forward and backward pass: the requested results and the gradients of F at every row. */
    record Pass(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {
        INDArray output(String name) {
            return outputs.get(name);
        }

        /** {@code ∂F_b/∂result} for every row b, shaped like the result. */
        INDArray gradient(String name) {
            return gradients.get(name);
        }
    }

    /**
     * @param tokenIds        int32 {@code [B, L]}
     * @param embeddingOffset {@code [B, L, E]} added to the embedding output (the path points of integrated
     *                        gradients), or null for none
     * @param classWeights    {@code [B, C]}: F per row (see {@link ClassProbability})
     * @param outputs         result names to return ({@code probabilities}, {@code block0/attention}, ...)
     * @param gradientsOf     result names whose gradients to return ({@code embedding}, {@code block0/attention}, ...)
     */
    Pass run(INDArray tokenIds, INDArray embeddingOffset, INDArray classWeights, Collection<String> outputs,
             Collection<String> gradientsOf) {
        return pass(tokenIds, embeddingOffset, classWeights, outputs, gradientsOf, false);
    }

    /**
     * Like {@link #run}, with the plan's own arrays instead of copies: valid until this thread's next pass. Read what
     * you need on this thread.
     */
    Pass runShared(INDArray tokenIds, INDArray embeddingOffset, INDArray classWeights, Collection<String> outputs,
                   Collection<String> gradientsOf) {
        return pass(tokenIds, embeddingOffset, classWeights, outputs, gradientsOf, true);
    }

    private Pass pass(INDArray tokenIds, INDArray embeddingOffset, INDArray classWeights, Collection<String> outputs,
                      Collection<String> gradientsOf, boolean shared) {
        graph.checkTokens(tokenIds);
        long batch = tokenIds.size(0);
        Map<String, INDArray> inputs = new LinkedHashMap<>();
        Map<String, long[]> zeros = new LinkedHashMap<>();    // taps that add nothing: the plan keeps them cleared
        for (Map.Entry<String, long[]> tap : tapShapes.entrySet()) {
            long[] shape = tap.getValue().clone();
            shape[0] = batch;
            if (tap.getKey().equals(EMBEDDING) && embeddingOffset != null) {
                inputs.put(graph.tapVariable(tap.getKey()), embeddingOffset.castTo(DataType.FLOAT));
            } else {
                zeros.put(graph.tapVariable(tap.getKey()), shape);
            }
        }
        inputs.put(CLASS_WEIGHTS, classWeights.castTo(DataType.FLOAT));
        List<String> variables = new ArrayList<>();
        for (String name : outputs) {
            variables.add(graph.variable(name).name());
        }
        for (String name : gradientsOf) {
            variables.add(gradientName(name));
        }
        INDArray ids = tokenIds.castTo(DataType.INT32);
        Map<String, INDArray> r = shared ? plans.runShared(ids, inputs, zeros, variables) : plans.run(ids, inputs, zeros, variables);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : outputs) {
            out.put(name, r.get(graph.variable(name).name()));
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String name : gradientsOf) {
            grads.put(name, r.get(gradientName(name)));
        }
        return new Pass(out, grads);
    }

    /** The gradient function's variable holding {@code ∂F/∂result}: the gradient of the result's tap. */
    private String gradientName(String result) {
        return sd.getVariable(graph.tapVariable(result)).gradient().name();
    }

    /**
     * SameDiff prints a line per differentiated op to standard output while it creates the gradient function;
     * the command line's standard output must stay clean, so it goes nowhere for that one call.
     */
    private static void createGradFunctionQuietly(SameDiff sd) {
        synchronized (System.class) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction();
            } finally {
                System.setOut(out);
            }
        }
    }

    /** Frees the compiled plans' native memory. */
    @Override
    public void close() {
        plans.close();
    }
}

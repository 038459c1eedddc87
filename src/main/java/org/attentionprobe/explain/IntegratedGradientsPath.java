package org.attentionprobe.explain;

import org.attentionprobe.errors.TaskFailures;
import org.attentionprobe.graph.NativeBackend;
import org.attentionprobe.io.NativeArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Walks the straight path from the baseline to the input embedding and averages F's gradients along it (see
 * {@link IntegratedGradients} for the formulas). The path points go through the embedding tap (offset = point − e,
 * so the embedding output becomes the point) in batches of up to {@value #CHUNK} points, split over the workers: each
 * worker runs its part of the path on one op thread, and the gradients are summed in the order of the points (the
 * parts' batch sizes follow the number of workers, which changes results by float rounding only). Every part has the
 * same batch size and asks for the same results, the last padded with rows whose weight is zero: each worker then
 * compiles one plan, once, from shapes inferred once. The last point is the input itself: its pass also gives
 * {@code ∂F/∂A} at the input, for gradient × attention.
 */
final class IntegratedGradientsPath {
    static final int CHUNK = 64;
    /** At most this many parts at once, and parts of at least this many points: more only adds compiles. */
    static final int MAX_PARTS = 4;
    static final int MIN_POINTS_PER_PART = 8;

    private final TapGradients gradients;
    private final List<String> attentionNames;

    IntegratedGradientsPath(TapGradients gradients, List<String> attentionNames) {
        this.gradients = gradients;
        this.attentionNames = List.copyOf(attentionNames);
    }

    /** Integrated gradients, and per block {@code ∂F/∂A} at the input ({@code [H, L, L]}). */
    record Result(IntegratedGradients integratedGradients, List<INDArray> attentionGradients) {
    }

    /** One batch of path points: points {@code [from, to)}. */
    private record Part(int from, int to) {
    }

    /**
     * @param tokens   {@code [L]} the input's token ids
     * @param input    e, {@code [L * E]} row-major
     * @param baseline e', {@code [L * E]} row-major
     * @param workers  how many parts to run at once on {@code executor} (1: all on this thread)
     */
    Result integrate(int[] tokens, double[] input, double[] baseline, int embedDim, ClassProbability f,
                     Baseline kind, int steps, int workers, Executor executor) {
        int length = tokens.length;
        int size = length * embedDim;
        double[] diff = new double[size];                  // e − e'
        for (int i = 0; i < size; i++) {
            diff[i] = input[i] - baseline[i];
        }
        int points = steps + 1;
        // each worker compiles a plan of its own the first time: a few parts of several points each
        int wanted = Math.max(Math.min(Math.min(workers, MAX_PARTS), Math.max(1, points / MIN_POINTS_PER_PART)),
                (points + CHUNK - 1) / CHUNK);
        int batch = (points + wanted - 1) / wanted;         // every part's batch size
        int parts = (points + batch - 1) / batch;           // none empty
        List<CompletableFuture<PartResult>> passes = new ArrayList<>();
        List<Part> layout = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            Part part = new Part(p * batch, Math.min(points, (p + 1) * batch));
            layout.add(part);
            passes.add(parts == 1 || workers <= 1
                    ? CompletableFuture.completedFuture(pass(part, batch, tokens, input, baseline, diff, size, embedDim, f, steps))
                    : CompletableFuture.supplyAsync(() -> {
                        NativeBackend.setOpThreads(1);   // this worker's OpenMP; the caller restores the process-wide settings
                        return pass(part, batch, tokens, input, baseline, diff, size, embedDim, f, steps);
                    }, executor));
        }
        double[] meanGradient = new double[size];           // Σ_k w_k ∂F/∂e(α_k), summed in the order of k
        double inputValue = Double.NaN;
        double baselineValue = Double.NaN;
        List<INDArray> attentionGradients = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            Part part = layout.get(p);
            PartResult pass = TaskFailures.join(passes.get(p));
            double[] grad = pass.embeddingGradient();            // [batch, L, E]
            float[][] probabilities = pass.probabilities();      // [batch, C]
            for (int k = part.from(); k < part.to(); k++) {
                int b = k - part.from();
                double w = (k == 0 || k == steps ? 0.5 : 1.0) / steps;
                for (int i = 0; i < size; i++) {
                    meanGradient[i] += w * grad[b * size + i];
                }
                if (k == 0) {
                    baselineValue = f.value(probabilities[b]);
                }
                if (k == steps) {
                    inputValue = f.value(probabilities[b]);
                    attentionGradients.addAll(pass.attentionGradientsAtInput());
                }
            }
        }
        double[] scores = new double[length];
        double[][] attributions = new double[length][embedDim];
        for (int p = 0; p < length; p++) {
            for (int j = 0; j < embedDim; j++) {
                int i = p * embedDim + j;
                attributions[p][j] = diff[i] * meanGradient[i];
                scores[p] += attributions[p][j];
            }
        }
        return new Result(new IntegratedGradients(scores, attributions, kind, steps, inputValue, baselineValue),
                List.copyOf(attentionGradients));
    }

    /**
     * What the path keeps of one part's pass: {@code ∂F/∂e} at every row {@code [batch * L * E]}, the outputs
     * {@code [batch][C]}, and, for the part holding the input (the last point), {@code ∂F/∂A} at it per block
     * {@code [H, L, L]} (else empty).
     */
    private record PartResult(double[] embeddingGradient, float[][] probabilities, List<INDArray> attentionGradientsAtInput) {
    }

    /**
     * The forward and backward pass of one part, as a batch of {@code batch} rows: its points, then copies of its last
     * point weighted zero. Every part's plan computes the attention's gradients too (one plan for all parts); the part
     * holding the input copies out its row of them, on the thread that ran the pass (the plan's arrays are its own).
     */
    private PartResult pass(Part part, int batch, int[] tokens, double[] input, double[] baseline, double[] diff,
                            int size, int embedDim, ClassProbability f, int steps) {
        int n = part.to() - part.from();
        float[] offsets = new float[batch * size];      // [batch, L, E]: e(α_k) − e
        int[] ids = new int[batch * tokens.length];     // [batch, L]
        for (int b = 0; b < batch; b++) {
            double alpha = (double) (part.from() + Math.min(b, n - 1)) / steps;
            for (int i = 0; i < size; i++) {
                offsets[b * size + i] = (float) (baseline[i] + alpha * diff[i] - input[i]);
            }
            System.arraycopy(tokens, 0, ids, b * tokens.length, tokens.length);
        }
        INDArray offset = NativeArrays.floats(offsets, batch, tokens.length, embedDim);
        List<String> gradientsOf = new ArrayList<>(List.of(TapGradients.EMBEDDING));
        gradientsOf.addAll(attentionNames);
        TapGradients.Pass pass = gradients.runShared(Nd4j.createFromArray(ids).reshape(batch, tokens.length), offset,
                f.batchWeights(batch, n), List.of(TapGradients.PROBABILITIES), gradientsOf);
        List<INDArray> atInput = new ArrayList<>();
        if (part.to() == steps + 1) {
            for (String name : attentionNames) {
                atInput.add(pass.gradient(name).slice(n - 1).dup());
            }
        }
        return new PartResult(Matrices.flat(pass.gradient(TapGradients.EMBEDDING)),
                pass.output(TapGradients.PROBABILITIES).toFloatMatrix(), List.copyOf(atInput));
    }
}

package org.attentionprobe.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * Walks the straight path from the baseline to the input embedding and averages F's gradients along it (see
 * {@link IntegratedGradients} for the formulas). The path points go through the embedding tap (offset = point − e,
 * so the embedding output becomes the point) in batches of up to {@value #CHUNK} points.
 */
final class IntegratedGradientsPath {
    static final int CHUNK = 64;

    private final TapGradients gradients;

    IntegratedGradientsPath(TapGradients gradients) {
        this.gradients = gradients;
    }

    /**
     * @param tokens   {@code [L]} the input's token ids
     * @param input    e, {@code [L * E]} row-major
     * @param baseline e', {@code [L * E]} row-major
     */
    IntegratedGradients integrate(int[] tokens, double[] input, double[] baseline, int embedDim, ClassProbability f,
                                  Baseline kind, int steps) {
        int length = tokens.length;
        int size = length * embedDim;
        double[] diff = new double[size];                  // e − e'
        for (int i = 0; i < size; i++) {
            diff[i] = input[i] - baseline[i];
        }
        double[] meanGradient = new double[size];           // Σ_k w_k ∂F/∂e(α_k)
        double inputValue = Double.NaN;
        double baselineValue = Double.NaN;
        int points = steps + 1;
        for (int start = 0; start < points; start += CHUNK) {
            int n = Math.min(CHUNK, points - start);
            float[] offsets = new float[n * size];          // [n, L, E]: e(α_k) − e
            int[][] ids = new int[n][];
            for (int b = 0; b < n; b++) {
                double alpha = (double) (start + b) / steps;
                for (int i = 0; i < size; i++) {
                    offsets[b * size + i] = (float) (baseline[i] + alpha * diff[i] - input[i]);
                }
                ids[b] = tokens;
            }
            INDArray offset = Nd4j.create(offsets, new long[]{n, length, embedDim}, 'c');
            TapGradients.Pass pass = gradients.run(Nd4j.createFromArray(ids), offset, f.batchWeights(n),
                    List.of(TapGradients.PROBABILITIES), List.of(TapGradients.EMBEDDING));
            double[] grad = Matrices.flat(pass.gradient(TapGradients.EMBEDDING));  // [n, L, E]
            float[][] probabilities = pass.output(TapGradients.PROBABILITIES).toFloatMatrix(); // [n, C]
            for (int b = 0; b < n; b++) {
                int k = start + b;
                double w = (k == 0 || k == steps ? 0.5 : 1.0) / steps;
                for (int i = 0; i < size; i++) {
                    meanGradient[i] += w * grad[b * size + i];
                }
                if (k == 0) {
                    baselineValue = f.value(probabilities[b]);
                }
                if (k == steps) {
                    inputValue = f.value(probabilities[b]);
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
        return new IntegratedGradients(scores, attributions, kind, steps, inputValue, baselineValue);
    }
}

package org.attentionprobe.explain;

/**
 * A relevance matrix and the per-token scores read off it.
 *
 * @param matrix {@code [L][L]}: row i = position i at the top of the stack, column j = input token j
 * @param scores {@code [L]}: {@code mean_i matrix[i][j]}
 */
public record RelevanceMap(double[][] matrix, double[] scores) {
}

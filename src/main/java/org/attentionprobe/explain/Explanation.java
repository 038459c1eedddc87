package org.attentionprobe.explain;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Why the model gave one sequence its class probability: per-token scores by several methods, all over the full L
 * positions (padding included, as the model reads it). F is the model's probability of the explained class.
 *
 * @param tokens             {@code [L]} the token ids
 * @param real               {@code [L]} true for real tokens, false for padding (id = the padding id)
 * @param classProbabilities {@code [K]} every class's probability (K = 2 for one sigmoid output)
 * @param predictedClass     the most probable class
 * @param explainedClass     the class whose probability F is explained (the predicted one unless asked otherwise)
 * @param attention          per block {@code [H, L, L]}: rows = query, columns = key
 * @param attentionGradients per block {@code ∂F/∂A} {@code [H, L, L]}
 * @param rolloutMap         {@link AttentionRollout}
 * @param gradAttentionMap   {@link GradientAttention}
 * @param integrated         {@link IntegratedGradients}
 */
public record Explanation(int[] tokens, boolean[] real, double[] classProbabilities, int predictedClass,
                          int explainedClass, List<INDArray> attention, List<INDArray> attentionGradients,
                          RelevanceMap rolloutMap, RelevanceMap gradAttentionMap, IntegratedGradients integrated) {
    public Explanation {
        attention = List.copyOf(attention);
        attentionGradients = List.copyOf(attentionGradients);
    }

    /** F(x): the probability of the explained class. */
    public double probability() {
        return classProbabilities[explainedClass];
    }

    /** L. */
    public int length() {
        return tokens.length;
    }

    /** The positions of the real tokens, ascending. */
    public int[] realPositions() {
        return IntStream.range(0, tokens.length).filter(i -> real[i]).toArray();
    }

    /** One block's attention {@code [H, L, L]}. */
    public INDArray attention(int block) {
        return attention.get(block);
    }

    /** {@code [L]}: attention received in the last block, {@code mean_h mean_i A_N[h, i, j]}. */
    public double[] attentionReceived() {
        if (attention.isEmpty()) {
            return null;
        }
        return Matrices.meanOfRows(Matrices.meanOverHeads(attention.get(attention.size() - 1)));
    }

    /** {@code [L]}: attention rollout scores; they sum to 1. Null when rollout does not apply to the model. */
    public double[] rollout() {
        return rolloutMap == null ? null : rolloutMap.scores();
    }

    /** {@code [L][L]}: the rollout matrix R, rows sum to 1; null when rollout does not apply. */
    public double[][] rolloutMatrix() {
        return rolloutMap == null ? null : rolloutMap.matrix();
    }

    /** The methods that apply to this model, in {@link AttributionMethod} order (rollout only for residual self-attention blocks). */
    public List<AttributionMethod> methods() {
        return java.util.Arrays.stream(AttributionMethod.values())
                .filter(m -> m != AttributionMethod.ROLLOUT || rolloutMap != null)
                .filter(m -> m == AttributionMethod.INTEGRATED_GRADIENTS || m == AttributionMethod.ROLLOUT || !attention.isEmpty())
                .toList();
    }

    /** {@code [L]}: gradient × attention scores. */
    public double[] gradAttention() {
        return gradAttentionMap == null ? null : gradAttentionMap.scores();
    }

    public double[][] gradAttentionMatrix() {
        return gradAttentionMap == null ? null : gradAttentionMap.matrix();
    }

    /** {@code [L]}: integrated-gradients scores, summed over the embedding dimension. */
    public double[] integratedGradients() {
        return integrated.scores();
    }

    /** {@code Σ IG − (F(x) − F(baseline))}. */
    public double completenessGap() {
        return integrated.completenessGap();
    }

    /** The scores of one method {@code [L]}. */
    public double[] scores(AttributionMethod method) {
        return switch (method) {
            case ATTENTION -> attentionReceived();
            case ROLLOUT -> rollout();
            case GRAD_ATTENTION -> gradAttention();
            case INTEGRATED_GRADIENTS -> integratedGradients();
        };
    }
}

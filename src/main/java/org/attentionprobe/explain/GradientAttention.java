package org.attentionprobe.explain;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Gradient-weighted attention relevance (Chefer, Gur &amp; Wolf 2021, "Generic Attention-model Explainability for
 * Interpreting Bi-Modal and Encoder-Decoder Transformers", the self-attention rule), with y = F, the probability of
 * the explained class:
 * <pre>
 * Ā_l = mean_h ( ∂F/∂A_l[h] ⊙ A_l[h] )⁺      [L, L], elementwise product, negatives clamped to 0, mean over heads
 * R   = I;  for l = 1..N:  R ← R + Ā_l · R    [L, L]
 * score_j = mean_i R[i, j]                    no CLS token: the classifier mean-pools every position, so every
 *                                             row counts equally (as for rollout)
 * </pre>
 * The identity is kept, as in the paper: every score includes {@code 1/L} from it, and rows of R do not sum to 1.
 * ∂F/∂A_l is the gradient with respect to the softmax output as the rest of the network uses it (the model's
 * own autodiff, through the gradient tap on {@code block{l}/attention}).
 */
public final class GradientAttention {
    private GradientAttention() {
    }

    /**
     * @param attention per block {@code [H, L, L]}
     * @param gradients per block {@code ∂F/∂A} {@code [H, L, L]}
     */
    public static RelevanceMap of(List<INDArray> attention, List<INDArray> gradients) {
        if (attention.size() != gradients.size()) {
            throw new IllegalArgumentException(attention.size() + " attention blocks but " + gradients.size() + " gradients");
        }
        int n = (int) attention.get(0).size(1);
        double[][] r = Matrices.identity(n);
        for (int l = 0; l < attention.size(); l++) {
            double[][] weighted = Matrices.meanOverHeads(attention.get(l), gradients.get(l));
            r = Matrices.add(r, l == 0 ? weighted : Matrices.multiply(weighted, r));   // weighted · I = weighted, exactly
        }
        return new RelevanceMap(r, Matrices.meanOfRows(r));
    }
}

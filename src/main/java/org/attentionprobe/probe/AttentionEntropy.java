package org.attentionprobe.probe;

/**
 * The entropy of attention rows: how spread out a query's attention is over the keys.
 *
 * <p>For one query row {@code a} (a distribution over all L key positions, padding included):
 * {@code H = −Σ_k a_k ln a_k} in nats, with {@code 0 ln 0 = 0}. It ranges from 0 (all attention on one key) to
 * {@code ln L} (uniform attention). A head's entropy for a sequence is the mean of H over its real-token query rows.
 *
 * <p>A head takes {@code R·L} logarithms per review this way (R real tokens), as many as its attention weights, and
 * {@link Math#log} made that cost as much as the model. {@link #ln} is the single-precision logarithm of FreeBSD's
 * {@code e_logf.c} (also musl's): branch-free, within 1 ulp of the float result, 2–3× faster here. The products and
 * sums are taken in double.
 *
 * <p>Given the row's logits as well (the softmax's input, {@code a = softmax(s)}), the entropy needs one logarithm
 * per row instead of one per weight: {@code ln a_k = s_k − c} for every key, with {@code c = logsumexp(s)}, so
 * <pre>
 * H = −Σ_k a_k ln a_k = c · Σ_k a_k − Σ_k a_k s_k,     c = s_t − ln a_t   for t = the row's largest weight
 * </pre>
 * {@link #ofRow(float[], float[], int, int)} takes that path, 10× cheaper; the two agree to float rounding (tested on
 * the models' own attention). A corpus run takes the same sums with OpenBLAS where its runner left the attention
 * ({@code NativeHeadSums}).
 */
public final class AttentionEntropy {
    private static final float LN2_HI = 6.9313812256e-01f;
    private static final float LN2_LO = 9.0580006145e-06f;
    private static final float LG1 = 0.66666662693f;
    private static final float LG2 = 0.40000972152f;
    private static final float LG3 = 0.28498786688f;
    private static final float LG4 = 0.24279078841f;

    private AttentionEntropy() {
    }

    /**
     * {@code −Σ_k a_k ln a_k} of the {@code length} weights {@code w[from .. from + length)}, in nats. Zeros add 0;
     * a NaN weight makes the result NaN.
     */
    public static double ofRow(float[] w, int from, int length) {
        double h = 0;
        for (int k = from; k < from + length; k++) {
            float a = w[k];
            h -= a * (double) ln(a);   // 0 * finite for a == 0: ln returns a finite value there
        }
        return h;
    }

    /**
     * {@code −Σ_k a_k ln a_k} of the weights {@code w[from .. from + length)} from their logits {@code s} at the same
     * indices ({@code a = softmax(s)} over the row, masked keys and rows zeroed or not): one logarithm per row. A row
     * of zeros (a fully masked query) gives 0; a NaN weight gives NaN.
     */
    public static double ofRow(float[] w, float[] s, int from, int length) {
        double sum = 0;          // Σ a_k
        double dot = 0;          // Σ a_k s_k
        float top = -1f;         // the largest weight a_t
        int at = from;           // t
        for (int k = from; k < from + length; k++) {
            float a = w[k];
            sum += a;
            dot += a * (double) s[k];
            if (a > top) {
                top = a;
                at = k;
            }
        }
        if (!(top > 0)) {
            return sum == sum ? 0 : Double.NaN;
        }
        return (s[at] - Math.log(top)) * sum - dot;
    }

    /** {@code ln x} for a positive normal float, within 1 ulp; finite (not −∞) for 0 and subnormals, NaN for NaN. */
    public static float ln(float x) {
        int ix = Float.floatToRawIntBits(x);
        // x = 2^k · m with m in [√½, √2): shift the exponent so that the mantissa lands in that range
        ix += 0x3f800000 - 0x3f3504f3;
        int k = (ix >> 23) - 0x7f;
        ix = (ix & 0x007fffff) + 0x3f3504f3;
        float f = Float.intBitsToFloat(ix) - 1f;   // m - 1 in [√½ - 1, √2 - 1)
        float s = f / (2f + f);
        float z = s * s;
        float w = z * z;
        float t1 = w * (LG2 + w * LG4);
        float t2 = z * (LG1 + w * LG3);
        float r = t2 + t1;
        float hfsq = 0.5f * f * f;
        float dk = k;
        float y = s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI;
        return x != x ? x : y;   // NaN in, NaN out
    }
}

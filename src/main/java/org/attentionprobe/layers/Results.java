package org.attentionprobe.layers;

/**
 * The names of a model graph's results: one contract between the mappers that name them
 * ({@link LayerContext#output}) and everyone who reads them (runners, attributions, reports, exports).
 * "Block i" is the i-th attention layer in call order.
 */
public final class Results {
    /** The model output {@code [B, classes]}. */
    public static final String PROBABILITIES = "probabilities";
    /** The token (and position) embedding's output {@code [B, L, E]}: where integrated gradients start. */
    public static final String EMBEDDING = "embedding";
    /** The prefix of every layer's own output ({@code layer/<name>}). */
    public static final String LAYER_PREFIX = "layer/";
    private static final String ATTENTION = "/attention";
    private static final String LOGITS = "/attention_logits";

    private Results() {
    }

    /** Block {@code i}'s attention weights {@code [B, H, Lq, Lk]}, rows = query, columns = key. */
    public static String attention(int block) {
        return "block" + block + ATTENTION;
    }

    /**
     * Block {@code i}'s attention logits {@code [B, H, Lq, Lk]}: the softmax's input, the scaled scores with the mask
     * applied, so that {@code attention = softmax(logits)} row by row (then zeroed where Keras 3 masks). Not listed in
     * {@code outputNames()}; a runner asks for them to take the attention entropy without a logarithm per weight.
     */
    public static String attentionLogits(int block) {
        return "block" + block + LOGITS;
    }

    /** Block {@code i}'s attention layer output after its projection {@code [B, Lq, E_out]}. */
    public static String attentionOutput(int block) {
        return "block" + block + "/attention_output";
    }

    /** A transformer block's input {@code [B, L, E]}. */
    public static String blockInput(int block) {
        return "block" + block + "/input";
    }

    /** A transformer block's output {@code [B, L, E]}. */
    public static String blockOutput(int block) {
        return "block" + block + "/output";
    }

    /** A Keras layer's output (its first call's first output). */
    public static String layer(String name) {
        return LAYER_PREFIX + name;
    }

    /** Whether a result name is a block's attention logits. */
    public static boolean isAttentionLogits(String name) {
        return name.endsWith(LOGITS);
    }

    /** Whether a result name is a block's attention weights. */
    public static boolean isAttention(String name) {
        return name.endsWith(ATTENTION);
    }
}

package org.attentionprobe.graph;

import org.attentionprobe.layers.Results;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Predicate;

/**
 * How to build a graph.
 *
 * @param gradientTaps   named results ({@code "embedding"}, {@code "block0/attention"}) that get a zero-valued
 *                       offset variable {@code tap/<name>} (a trainable SameDiff variable, since SameDiff
 *                       differentiates only towards variables), so gradients with respect to them can be
 *                       taken; none for inference
 * @param sequenceLength the token length L to build a variable-length model ({@code Input(shape=(None,))}) for;
 *                       0 to use the length the model declares (its input shape, else a layer's {@code maxlen}
 *                       or {@code sequence_length})
 */
public record GraphOptions(Predicate<String> gradientTaps, int sequenceLength) {
    public GraphOptions(Predicate<String> gradientTaps) {
        this(gradientTaps, 0);
    }

    /** Plain inference: no taps. */
    public static GraphOptions inference() {
        return new GraphOptions(name -> false);
    }

    /** Taps on the embedding output and every block's attention weights, for attributions. */
    public static GraphOptions attributions() {
        return new GraphOptions(name -> name.equals(Results.EMBEDDING) || Results.isAttention(name));
    }

    public static GraphOptions taps(Set<String> names) {
        return new GraphOptions(names::contains);
    }

    /** The same options for a variable-length model built for {@code length} tokens. */
    public GraphOptions withSequenceLength(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("a sequence length must be positive, got " + length);
        }
        return new GraphOptions(gradientTaps, length);
    }

    public OptionalInt requestedLength() {
        return sequenceLength > 0 ? OptionalInt.of(sequenceLength) : OptionalInt.empty();
    }
}

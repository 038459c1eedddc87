package org.attentionprobe.graph;

import java.util.Set;
import java.util.function.Predicate;

/**
 * How to build a graph.
 *
 * @param gradientTaps named results ({@code "embedding"}, {@code "block0/attention"}) that get a zero-valued
 *                     offset variable {@code tap/<name>} (a trainable SameDiff variable, since SameDiff
 *                     differentiates only towards variables), so gradients with respect to them can be
 *                     taken; none for inference
 */
public record GraphOptions(Predicate<String> gradientTaps) {
    /** Plain inference: no taps. */
    public static GraphOptions inference() {
        return new GraphOptions(name -> false);
    }

    /** Taps on the embedding output and every block's attention weights, for attributions. */
    public static GraphOptions attributions() {
        return new GraphOptions(name -> name.equals("embedding") || name.endsWith("/attention"));
    }

    public static GraphOptions taps(Set<String> names) {
        return new GraphOptions(names::contains);
    }
}

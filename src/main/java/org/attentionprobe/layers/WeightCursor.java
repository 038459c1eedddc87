package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.io.NativeArrays;
import org.attentionprobe.io.Shapes;
import org.attentionprobe.keras.Weight;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A layer's weights taken one by one in creation order (the order of Keras's {@code weight_names}),
 * each checked against the shape the layer's config implies. Sublayer names are auto-numbered by Keras
 * ({@code dense_4}), so weights are matched by position and shape, never by exact name.
 */
public final class WeightCursor {
    private final String layerName;
    private final List<Weight> weights;
    private int position;

    public WeightCursor(String layerName, List<Weight> weights) {
        this.layerName = layerName;
        this.weights = List.copyOf(weights);
    }

    /** The next weight, checked against {@code expected} ({@link Shapes#ANY} matches any size). */
    public Weight nextWeight(String role, long... expected) {
        if (position >= weights.size()) {
            throw new BrokenModelException("layer " + layerName + ": weight " + role + " " + Shapes.format(expected)
                    + " is missing: the file has " + weights.size() + " weights for this layer, the config needs more");
        }
        Weight w = weights.get(position);
        if (!Shapes.matches(expected, w.shape())) {
            throw new BrokenModelException("Shape mismatch for " + qualified(w) + " (" + role + "): expected "
                    + Shapes.format(expected) + ", file has " + Shapes.format(w.shape()));
        }
        position++;
        return w;
    }

    /** The next weight as an array of its own shape. */
    public INDArray next(String role, long... expected) {
        Weight w = nextWeight(role, expected);
        return NativeArrays.floats(w.values(), w.shape());
    }

    /** The weight {@code offset} places ahead without taking it, or null. */
    public Weight peek(int offset) {
        int i = position + offset;
        return i < weights.size() ? weights.get(i) : null;
    }

    public int total() {
        return weights.size();
    }

    /** Fails when weights are left over: the file holds a different layer than its config says. */
    public void requireConsumed(String what) {
        if (position < weights.size()) {
            String extra = weights.subList(position, weights.size()).stream().map(this::qualified)
                    .limit(4).collect(Collectors.joining(", "));
            throw new BrokenModelException("layer " + layerName + ": the file has " + weights.size() + " weights but "
                    + what + " uses " + position + "; unexpected: " + extra + (weights.size() - position > 4 ? ", ..." : ""));
        }
    }

    private String qualified(Weight w) {
        String base = w.baseName();
        return base.startsWith(layerName + "/") ? base : layerName + "/" + base;
    }
}

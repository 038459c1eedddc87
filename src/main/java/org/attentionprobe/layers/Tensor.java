package org.attentionprobe.layers;

import org.attentionprobe.keras.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A layer's output in the graph with its static shape, batch dimension first as {@link Shapes#ANY}:
 * e.g. {@code (None, 200, 32)}. Mappers use the shape to check weights before building anything.
 */
public record Tensor(SDVariable var, long[] shape) {
    public int rank() {
        return shape.length;
    }

    /** The size of the last dimension (features). */
    public long lastDim() {
        return shape[shape.length - 1];
    }

    public Tensor with(SDVariable newVar, long... newShape) {
        return new Tensor(newVar, newShape);
    }

    @Override
    public String toString() {
        return var.name() + " " + Shapes.format(shape);
    }
}

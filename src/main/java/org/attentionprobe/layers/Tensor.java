package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A layer's output in the graph with its static shape, batch dimension first as {@link Shapes#ANY}:
 * e.g. {@code (None, 200, 32)}, and its Keras mask when it carries one. Mappers use the shape to check
 * weights before building anything.
 *
 * @param mask float {@code [B, L]}, 1 at real positions and 0 at masked ones, as Keras's boolean
 *             {@code _keras_mask}; null when the tensor carries no mask
 */
public record Tensor(SDVariable var, long[] shape, SDVariable mask) {
    public Tensor(SDVariable var, long[] shape) {
        this(var, shape, null);
    }

    public int rank() {
        return shape.length;
    }

    /** The size of the last dimension (features). */
    public long lastDim() {
        return shape[shape.length - 1];
    }

    /** A new value of the same layer, without a mask (the graph builder sets masks by the layer's {@link Masking}). */
    public Tensor with(SDVariable newVar, long... newShape) {
        return new Tensor(newVar, newShape);
    }

    public Tensor withMask(SDVariable newMask) {
        return new Tensor(var, shape, newMask);
    }

    public boolean masked() {
        return mask != null;
    }

    @Override
    public String toString() {
        return var.name() + " " + Shapes.format(shape);
    }
}

package org.attentionprobe.keras;

import org.attentionprobe.io.Shapes;

/**
 * One weight array as Keras saved it.
 *
 * @param name   the name Keras gave it, e.g. {@code transformer_block/multi_head_attention/query/kernel}
 *               (Keras 2 names end in {@code :0}); for {@code .weights.h5} files, the attribute path
 * @param shape  its shape, e.g. {@code [32, 2, 32]}
 * @param values its values in row-major (C) order, as float32
 */
public record Weight(String name, long[] shape, float[] values) {
    public Weight {
        if (Shapes.size(shape) != values.length) {
            throw new IllegalArgumentException(name + ": shape " + Shapes.format(shape) + " needs "
                    + Shapes.size(shape) + " values, got " + values.length);
        }
    }

    /** The name without Keras 2's {@code :0} suffix. */
    public String baseName() {
        int colon = name.lastIndexOf(':');
        return colon > 0 && name.substring(colon + 1).chars().allMatch(Character::isDigit) ? name.substring(0, colon) : name;
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public String toString() {
        return name + " " + Shapes.format(shape);
    }
}

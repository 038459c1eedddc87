package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.io.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/**
 * Keras {@code Concatenate} along {@code axis} (default -1). Mask as Keras computes it for the feature axis: the
 * AND of the inputs' masks, an unmasked input counting as all ones; none when no input has one.
 */
public final class ConcatenateMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        List<Tensor> inputs = ctx.inputs();
        if (inputs.size() < 2) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": Concatenate takes at least two inputs, the config gives it "
                    + inputs.size());
        }
        Tensor first = inputs.get(0);
        int rank = first.rank();
        int axis = (int) ctx.config().optLong("axis").orElse(-1);
        if (axis < 0) {
            axis += rank;
        }
        if (axis <= 0 || axis >= rank) {
            throw new UnsupportedModelException("layer " + ctx.layer().name() + ": Concatenate along axis " + axis + " of rank " + rank
                    + " inputs is not supported; supported: a non-batch axis");
        }
        long[] shape = first.shape().clone();
        shape[axis] = 0;
        SDVariable[] vars = new SDVariable[inputs.size()];
        for (int i = 0; i < vars.length; i++) {
            Tensor t = inputs.get(i);
            for (int d = 1; d < rank; d++) {
                if (d != axis && t.rank() == rank && t.shape()[d] != first.shape()[d]) {
                    throw new BrokenModelException("layer " + ctx.layer().name() + ": Concatenate of shapes " + Shapes.format(first.shape())
                            + " and " + Shapes.format(t.shape()) + "; expected equal sizes except on axis " + axis);
                }
            }
            shape[axis] += t.shape()[axis];
            vars[i] = t.var();
        }
        SDVariable out = ctx.sd().concat(axis, vars);
        SDVariable mask = null;
        if (axis == rank - 1 && rank == 3) {
            for (Tensor t : inputs) {
                if (t.mask() != null) {
                    mask = mask == null ? t.mask() : mask.mul(t.mask());
                }
            }
        } else if (inputs.stream().anyMatch(Tensor::masked)) {
            throw new UnsupportedModelException("layer " + ctx.layer().name() + ": Concatenate of masked inputs along axis " + axis
                    + " is not supported; supported: masked inputs along the last axis");
        }
        return new Tensor(out, shape, mask);
    }
}

package org.attentionprobe.layers;

import org.attentionprobe.BrokenModelException;
import org.attentionprobe.keras.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/** Keras {@code Add}: the element-wise sum of its inputs, all of one shape. */
public final class AddMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        List<Tensor> inputs = ctx.inputs();
        if (inputs.isEmpty()) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": Add has no inputs");
        }
        SDVariable sum = inputs.get(0).var();
        for (Tensor t : inputs.subList(1, inputs.size())) {
            if (!Shapes.matches(inputs.get(0).shape(), t.shape())) {
                throw new BrokenModelException("layer " + ctx.layer().name() + ": Add of shapes " + Shapes.format(inputs.get(0).shape())
                        + " and " + Shapes.format(t.shape()));
            }
            sum = sum.add(t.var());
        }
        return inputs.get(0).with(sum, inputs.get(0).shape());
    }
}

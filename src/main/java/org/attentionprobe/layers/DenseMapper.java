package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.attentionprobe.io.Shapes.ANY;

/** Keras {@code Dense}: {@code activation(x · kernel + bias)}, kernel {@code (in, units)}, bias {@code (units,)}. */
public final class DenseMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        LayerConfig config = ctx.config();
        long units = config.optLong("units").orElse(ANY);
        boolean useBias = config.bool("use_bias", true);
        String activation = config.activation("activation", "linear");
        Ops.requireActivation(ctx, activation);
        INDArray kernel = ctx.weights().next("kernel", x.lastDim(), units);
        INDArray bias = useBias ? ctx.weights().next("bias", kernel.size(1)) : null;
        ctx.weights().requireConsumed("a Dense with use_bias=" + useBias);
        return Ops.dense(ctx, "dense", x, kernel, bias, activation);
    }
}

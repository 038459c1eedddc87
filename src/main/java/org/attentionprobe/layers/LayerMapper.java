package org.attentionprobe.layers;

/**
 * Turns one Keras layer into SameDiff operations. One implementation per Keras class name, registered
 * in {@link LayerMappers}. A mapper reads its config and takes its weights in creation order from
 * {@link LayerContext#weights()}, checking each shape against what the config implies, so that a wrong
 * file fails at import with the weight's name and both shapes.
 *
 * <p>To support your own custom layer, implement this and register it:
 * <pre>{@code
 * LayerMappers mappers = LayerMappers.builtIn().register("MyLayer", ctx -> {
 *     Tensor x = ctx.input();
 *     INDArray w = ctx.weights().next("kernel", x.lastDim(), 16);
 *     return x.with(ctx.sd().mmul(x.var(), ctx.constant("kernel", w)), -1, 16);
 * });
 * }</pre>
 */
@FunctionalInterface
public interface LayerMapper {
    /** Builds the layer and returns its output. Throw a {@code ProbeException} for bad configs or weights. */
    Tensor map(LayerContext ctx);
}

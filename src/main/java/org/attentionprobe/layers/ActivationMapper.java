package org.attentionprobe.layers;

/** Keras {@code Activation}: a named activation on its input. */
public final class ActivationMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        return x.with(Ops.activation(ctx, x.var(), ctx.config().activation("activation", "linear"), x.rank()), x.shape());
    }
}

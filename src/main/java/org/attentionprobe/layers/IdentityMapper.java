package org.attentionprobe.layers;

/** Layers that do nothing at inference: {@code Dropout} and its relatives. */
public final class IdentityMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        ctx.weights().requireConsumed("a " + ctx.layer().simpleClassName());
        return ctx.input();
    }
}

package org.attentionprobe.layers;

/** {@code InputLayer}: the token-id placeholder {@code [batch, L]}. */
public final class InputLayerMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        return ctx.tokenInput();
    }
}

package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;

/**
 * Keras {@code GlobalMaxPooling1D}: the maximum over the steps axis (1 for channels_last, 2 for channels_first).
 * Keras 3 ignores masks here (the layer does not support masking): padded positions count.
 */
public final class GlobalMaxPooling1DMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        if (x.rank() != 3) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": expected a (batch, steps, features) input, got " + x);
        }
        GlobalAveragePooling1DMapper.Pooling p = GlobalAveragePooling1DMapper.Pooling.of(ctx, x);
        return new Tensor(ctx.sd().max(x.var(), p.keepDims(), p.axis()), p.shape());
    }
}

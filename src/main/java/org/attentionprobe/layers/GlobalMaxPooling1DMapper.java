package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import org.attentionprobe.errors.BrokenModelException;

import static org.attentionprobe.io.Shapes.ANY;

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
        boolean channelsFirst = ctx.config().optString("data_format").orElse("channels_last").equals("channels_first");
        boolean keepDims = ctx.config().bool("keepdims", false);
        int axis = channelsFirst ? 2 : 1;
        long kept = channelsFirst ? x.shape()[1] : x.shape()[2];
        long[] shape = keepDims ? (channelsFirst ? new long[]{ANY, kept, 1} : new long[]{ANY, 1, kept}) : new long[]{ANY, kept};
        return new Tensor(ctx.sd().max(x.var(), keepDims, axis), shape);
    }
}

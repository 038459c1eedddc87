package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import org.attentionprobe.errors.BrokenModelException;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * Keras {@code GlobalAveragePooling1D}: the mean over the steps axis (1 for channels_last, 2 for channels_first).
 * With a mask, the mean over real positions only ({@code sum(x·m) / sum(m)}), as Keras; without one, padded
 * positions count. The output carries no mask.
 */
public final class GlobalAveragePooling1DMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        if (x.rank() != 3) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": expected a (batch, steps, features) input, got " + x);
        }
        SameDiff sd = ctx.sd();
        Pooling p = Pooling.of(ctx, x);
        if (x.mask() == null) {
            return new Tensor(sd.mean(x.var(), p.keepDims(), p.axis()), p.shape());
        }
        SDVariable m = sd.expandDims(x.mask(), p.axis() == 2 ? 1 : 2);                     // [B, L, 1] or [B, 1, L]
        SDVariable sum = sd.sum(x.var().mul(m), p.keepDims(), p.axis());
        SDVariable count = sd.sum(m, p.keepDims(), p.axis());
        return new Tensor(sum.div(count), p.shape());
    }

    /**
     * The steps axis a 1D global pooling reduces (1 for channels_last, 2 for channels_first), whether it keeps it,
     * and the output shape.
     */
    record Pooling(int axis, boolean keepDims, long[] shape) {
        static Pooling of(LayerContext ctx, Tensor x) {
            boolean channelsFirst = ctx.config().optString("data_format").orElse("channels_last").equals("channels_first");
            boolean keepDims = ctx.config().bool("keepdims", false);
            long kept = channelsFirst ? x.shape()[1] : x.shape()[2];
            long[] shape = keepDims ? (channelsFirst ? new long[]{ANY, kept, 1} : new long[]{ANY, 1, kept}) : new long[]{ANY, kept};
            return new Pooling(channelsFirst ? 2 : 1, keepDims, shape);
        }
    }
}

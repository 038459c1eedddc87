package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;

/** Keras {@code Flatten}: {@code [B, d1, d2, ...]} as {@code [B, d1·d2·...]}. */
public final class FlattenMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        long n = 1;
        for (int i = 1; i < x.rank(); i++) {
            if (x.shape()[i] == Shapes.ANY) {
                throw new org.attentionprobe.errors.UnsupportedModelException("layer " + ctx.layer().name() + ": Flatten of " + Shapes.format(x.shape())
                        + " needs every size but the batch; give the model a fixed input length");
            }
            n *= x.shape()[i];
        }
        return new Tensor(ctx.sd().reshape(x.var(), -1, n), new long[]{Shapes.ANY, n});
    }
}

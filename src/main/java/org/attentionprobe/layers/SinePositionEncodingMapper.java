package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * KerasHub's {@code SinePositionEncoding} (Vaswani et al.), broadcast to the input's shape {@code [B, L, E]}:
 * <pre>
 * timescale_j = (1 / max_wavelength) ^ (2·⌊j/2⌋ / E)
 * P[p, j]     = sin(p · timescale_j) for even j, cos(p · timescale_j) for odd j
 * </pre>
 * Computed once at import in float32 steps as Keras does, then a graph constant.
 */
public final class SinePositionEncodingMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        if (x.rank() != 3) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": expected a (batch, length, features) input, got " + x);
        }
        int length = (int) x.shape()[1];
        int e = (int) x.lastDim();
        double maxWavelength = ctx.config().optDouble("max_wavelength").orElse(10000);
        float minFreq = (float) (1.0 / maxWavelength);
        INDArray p = Nd4j.create(DataType.FLOAT, length, e);
        for (int j = 0; j < e; j++) {
            float exponent = (float) (2 * (j / 2)) / (float) e;
            float timescale = (float) Math.pow(minFreq, exponent);
            for (int pos = 0; pos < length; pos++) {
                float angle = (float) pos * timescale;
                p.putScalar(pos, j, (float) (j % 2 == 0 ? Math.sin(angle) : Math.cos(angle)));
            }
        }
        return new Tensor(ctx.sd().zerosLike(x.var()).add(ctx.constant("encoding", p)), x.shape());
    }
}

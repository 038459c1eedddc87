package org.attentionprobe.layers;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.UnsupportedModelException;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Keras {@code LayerNormalization} over the last axis; gamma and beta {@code (E,)} when scale/center. */
public final class LayerNormalizationMapper implements LayerMapper {
    /** Keras's default epsilon for LayerNormalization (the keras.io TransformerBlock passes 1e-6). */
    static final double KERAS_DEFAULT_EPSILON = 1e-3;

    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        LayerConfig config = ctx.config();
        JsonNode axis = config.json().path("axis");
        boolean lastAxis = axis.isMissingNode() || axis.isNull()
                || (axis.isInt() && (axis.asInt() == -1 || axis.asInt() == x.rank() - 1))
                || (axis.isArray() && axis.size() == 1 && (axis.get(0).asInt() == -1 || axis.get(0).asInt() == x.rank() - 1));
        if (!lastAxis) {
            throw new UnsupportedModelException("layer " + ctx.layer().name() + ": LayerNormalization over axis " + axis
                    + " is not supported; supported: the last axis");
        }
        if (config.bool("rms_scaling", false)) {
            throw new UnsupportedModelException("layer " + ctx.layer().name() + ": LayerNormalization with rms_scaling is not supported");
        }
        long e = x.lastDim();
        INDArray gamma = config.bool("scale", true) ? ctx.weights().next("gamma", e) : null;
        INDArray beta = config.bool("center", true) ? ctx.weights().next("beta", e) : null;
        ctx.weights().requireConsumed("a LayerNormalization");
        double eps = config.optDouble("epsilon").orElse(KERAS_DEFAULT_EPSILON);
        return x.with(Ops.layerNorm(ctx, "layernorm", x, gamma, beta, eps), x.shape());
    }
}

package org.attentionprobe.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A user's own layer, as a user would add it: the test model's {@code demo>ScaleShift} ({@code x · scale + shift},
 * weights {@code scale (E,)} and {@code shift (E,)}, masks passed on) in one registration. Also offered to the
 * command line through {@code META-INF/services/org.attentionprobe.layers.LayerKindProvider} on the test class path.
 */
public final class ScaleShiftKind implements LayerKindProvider {
    public static LayerKind kind() {
        return LayerKind.of("demo>ScaleShift", ctx -> {
            Tensor x = ctx.input();
            INDArray scale = ctx.weights().next("scale", x.lastDim());   // (E,)
            INDArray shift = ctx.weights().next("shift", x.lastDim());   // (E,)
            return x.with(x.var().mul(ctx.constant("scale", scale)).add(ctx.constant("shift", shift)), x.shape());
        }).passingMasks();
    }

    @Override
    public List<LayerKind> layerKinds() {
        return List.of(kind());
    }
}

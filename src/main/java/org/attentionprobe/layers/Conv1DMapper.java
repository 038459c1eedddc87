package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.UnsupportedModelException;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * Keras {@code Conv1D} (channels_last, stride 1, one group) as a sum of shifted matrix products:
 * <pre>
 * x_pad = pad(x, left, right) along time          valid: 0, 0   same: ⌊t/2⌋, t − ⌊t/2⌋   causal: t, 0   (t = d·(k − 1))
 * y[l]  = Σ_j x_pad[l + j·d] · W[j] + b           W (k, in, filters), b (filters,)        L_out = L + left + right − t
 * out   = activation(y)
 * </pre>
 * A kernel of size 1 is one matrix product, the feed-forward of the keras.io timeseries encoder. Keras 3's Conv1D
 * does not support masking: the output carries no mask.
 */
public final class Conv1DMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Tensor x = ctx.input();
        LayerConfig config = ctx.config();
        String layer = ctx.layer().name();
        if (x.rank() != 3) {
            throw new BrokenModelException("layer " + layer + ": expected a (batch, steps, channels) input, got " + x);
        }
        if (config.optString("data_format").orElse("channels_last").equals("channels_first")) {
            throw new UnsupportedModelException("layer " + layer + ": Conv1D with data_format channels_first is not supported; supported: channels_last");
        }
        int k = (int) first(config, "kernel_size", 1);
        int stride = (int) first(config, "strides", 1);
        int d = (int) first(config, "dilation_rate", 1);
        long groups = config.optLong("groups").orElse(1);
        if (stride != 1 || groups != 1) {
            throw new UnsupportedModelException("layer " + layer + ": Conv1D with strides " + stride + " and groups " + groups
                    + " is not supported; supported: strides 1, groups 1");
        }
        long in = x.lastDim();
        long filters = config.optLong("filters").orElse(ANY);
        INDArray kernel = ctx.weights().next("kernel", k, in, filters);                   // (k, in, filters)
        filters = kernel.size(2);
        INDArray bias = config.bool("use_bias", true) ? ctx.weights().next("bias", filters) : null;
        ctx.weights().requireConsumed("a Conv1D");

        String padding = config.optString("padding").orElse("valid");
        int total = d * (k - 1);
        int left = switch (padding) {
            case "valid" -> 0;
            case "same" -> total / 2;
            case "causal" -> total;
            default -> throw new UnsupportedModelException("layer " + layer + ": Conv1D padding '" + padding
                    + "' is not supported; supported: valid, same, causal");
        };
        int right = padding.equals("valid") ? 0 : total - left;
        long length = x.shape()[1];
        long outLength = length + left + right - total;
        if (outLength <= 0) {
            throw new BrokenModelException("layer " + layer + ": a Conv1D of kernel " + k + " and dilation " + d
                    + " on " + length + " steps without padding leaves no output");
        }
        SameDiff sd = ctx.sd();
        SDVariable padded = x.var();
        if (left + right > 0) {
            INDArray pads = Nd4j.createFromArray(new int[][]{{0, 0}, {left, right}, {0, 0}});
            padded = sd.nn.pad(x.var(), sd.constant(ctx.varName("padding"), pads), 0.0);
        }
        SDVariable y = null;
        for (int j = 0; j < k; j++) {
            SDVariable shifted = k == 1 && left + right == 0 ? padded
                    : sd.slice(padded, new int[]{0, j * d, 0}, -1, (int) outLength, (int) in);   // [B, L_out, in]
            SDVariable rows = sd.reshape(shifted, -1, in);
            SDVariable tap = sd.mmul(rows, ctx.constant("kernel_" + j, kernel.slice(j).dup()));          // [B·L_out, filters]
            y = y == null ? tap : y.add(tap);
        }
        if (bias != null) {
            y = y.add(ctx.constant("bias", bias));
        }
        y = Ops.activation(ctx, y, config.activation("activation", "linear"), 2);
        return new Tensor(sd.reshape(y, -1, outLength, filters), new long[]{ANY, outLength, filters});
    }

    /** The first entry of a tuple option ({@code "kernel_size": [3]}) or the number itself. */
    private static long first(LayerConfig config, String key, long defaultValue) {
        var node = config.json().path(key);
        if (node.isArray() && !node.isEmpty()) {
            return node.get(0).asLong();
        }
        return node.isNumber() ? node.asLong() : defaultValue;
    }
}

package org.attentionprobe.layers;

import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.io.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/** The few computations several mappers share, written to follow Keras's own arithmetic. */
public final class Ops {
    /** Activations accepted in configs (Keras names). */
    public static final List<String> ACTIVATIONS = List.of("linear", "relu", "gelu", "gelu_approximate", "tanh", "sigmoid",
            "softmax", "silu", "swish");

    private Ops() {
    }

    /**
     * {@code activation(x · kernel + bias)} over the last axis of an input of any rank, like Keras's Dense.
     *
     * @param kernel (in, units)
     * @param bias   (units,) or null
     */
    public static Tensor dense(LayerContext ctx, String name, Tensor x, INDArray kernel, INDArray bias, String activation) {
        SameDiff sd = ctx.sd();
        long in = kernel.size(0);
        long units = kernel.size(1);
        SDVariable flat = x.rank() == 2 ? x.var() : sd.reshape(x.var(), -1, in);
        SDVariable y = sd.mmul(flat, ctx.constant(name + "_kernel", kernel));
        if (bias != null) {
            y = y.add(ctx.constant(name + "_bias", bias));
        }
        y = activation(ctx, y, activation, 2);
        long[] outShape = x.shape().clone();
        outShape[outShape.length - 1] = units;
        if (x.rank() != 2) {
            y = sd.reshape(y, reshapeTarget(outShape));
        }
        return new Tensor(y, outShape);
    }

    /** A static shape as reshape arguments, the batch dimension as -1. */
    public static long[] reshapeTarget(long[] shape) {
        long[] target = shape.clone();
        for (int i = 1; i < target.length; i++) {
            if (target[i] == Shapes.ANY) {
                throw new UnsupportedModelException("a hidden state of shape " + Shapes.format(shape)
                        + " has an unknown size besides the batch; give the model a fixed input length");
            }
        }
        target[0] = -1;
        return target;
    }

    /** Fails for an activation this tool cannot compute, naming the supported ones. */
    public static void requireActivation(LayerContext ctx, String name) {
        if (!ACTIVATIONS.contains(name)) {
            throw new UnsupportedModelException("layer " + ctx.layer().name() + ": activation '" + name
                    + "' is not supported; supported: " + String.join(", ", ACTIVATIONS));
        }
    }

    /**
     * Applies a Keras activation by name to a tensor of the given rank (softmax over the last axis).
     * Axes are always given as non-negative numbers: nd4j 1.0.0-M2.1's keep-dims reductions over
     * axis -1 return wrong values for batch rows after the first.
     */
    public static SDVariable activation(LayerContext ctx, SDVariable x, String activation, int rank) {
        String name = activation.substring(activation.lastIndexOf('>') + 1); // keras_hub>gelu_approximate
        requireActivation(ctx, name);
        SameDiff sd = ctx.sd();
        return switch (name) {
            case "linear" -> x;
            case "relu" -> sd.nn.relu(x, 0);
            // Keras's "gelu" is the exact form (approximate=False): 0.5·x·(1 + erf(x/√2)).
            case "gelu" -> x.mul(0.5).mul(sd.math.erf(x.mul(1.0 / Math.sqrt(2.0))).add(1.0));
            // KerasHub's gelu_approximate, Keras's gelu(approximate=True): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            case "gelu_approximate" -> x.mul(sd.math.tanh(x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1.0)).mul(0.5);
            case "tanh" -> sd.math.tanh(x);
            case "sigmoid" -> sd.nn.sigmoid(x);
            case "softmax" -> sd.nn.softmax(x, rank - 1);
            case "silu", "swish" -> x.mul(sd.nn.sigmoid(x));
            default -> throw new IllegalStateException("activation " + name);
        };
    }

    /**
     * Layer normalization over the last axis as Keras computes it:
     * {@code out = (x − mean) · rsqrt(var + eps) · gamma + beta}, the variance as the mean squared deviation.
     * Both means are products with a constant column of {@code 1/E} over the rows {@code [N, E]}: one matrix
     * product each, where nd4j's legacy reduce ops cost several times more per call (they allocate their
     * dimension buffers on every call), which matters for small batches. {@code inv · gamma} is an outer product
     * {@code [N, 1] × [1, E]} (one multiplication per entry, as a broadcast would be): its gradient is a matrix product,
     * where libnd4j's broadcasting {@code multiply_bp} costs 40 times the plain one (a quarter of an integrated-gradients
     * pass, measured).
     *
     * @param gamma (E,) or null
     * @param beta  (E,) or null
     */
    public static SDVariable layerNorm(LayerContext ctx, String name, Tensor x, INDArray gamma, INDArray beta, double epsilon) {
        SameDiff sd = ctx.sd();
        long e = x.lastDim();
        SDVariable rows = x.rank() == 2 ? x.var() : sd.reshape(x.var(), -1, e);                  // [N, E]
        SDVariable averaging = ctx.constant(name + "_averaging", Nd4j.valueArrayOf(new long[]{e, 1}, 1.0 / e, DataType.FLOAT));
        SDVariable mean = sd.mmul(rows, averaging);                                               // [N, 1]
        SDVariable centered = rows.sub(mean);                                                     // [N, E]
        SDVariable variance = sd.mmul(centered.mul(centered), averaging);                         // [N, 1]
        SDVariable inv = sd.math.rsqrt(variance.add(epsilon));                                   // [N, 1]
        INDArray row = gamma != null ? gamma.reshape(1, e) : Nd4j.ones(DataType.FLOAT, 1, e);
        SDVariable scale = sd.mmul(inv, ctx.constant(name + "_gamma", row));                      // [N, E] = inv_i · gamma_j
        SDVariable out = centered.mul(scale);
        if (beta != null) {
            out = out.add(ctx.constant(name + "_beta", beta));
        }
        return x.rank() == 2 ? out : sd.reshape(out, reshapeTarget(x.shape()));
    }

}

package org.attentionprobe.layers;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.keras.Call;
import org.attentionprobe.io.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.function.BinaryOperator;

/**
 * The element-wise Keras 3 operation nodes transformer code records ({@code x + y}, {@code x - y}, {@code x * y},
 * {@code ops.not_equal(x, 0)}, {@code ops.cast}, {@code ops.expand_dims}): operands are tensors or numbers, shapes
 * broadcast as in NumPy. Booleans are 1/0 floats in the graph. Operation nodes drop Keras masks.
 */
public final class OperationMapper implements LayerMapper {
    public static final OperationMapper ADD = binary("add", SDVariable::add);
    public static final OperationMapper SUBTRACT = binary("subtract", SDVariable::sub);
    public static final OperationMapper MULTIPLY = binary("multiply", SDVariable::mul);
    public static final OperationMapper NOT_EQUAL = binary("not_equal", (a, b) -> a.neq(b).castTo(DataType.FLOAT));
    public static final OperationMapper EQUAL = binary("equal", (a, b) -> a.eq(b).castTo(DataType.FLOAT));
    public static final OperationMapper CAST = new OperationMapper("cast", null);
    public static final OperationMapper EXPAND_DIMS = new OperationMapper("expand_dims", null);

    private final String name;
    private final BinaryOperator<SDVariable> op;

    private OperationMapper(String name, BinaryOperator<SDVariable> op) {
        this.name = name;
        this.op = op;
    }

    private static OperationMapper binary(String name, BinaryOperator<SDVariable> op) {
        return new OperationMapper(name, op);
    }

    @Override
    public Tensor map(LayerContext ctx) {
        Call call = ctx.call();
        return switch (name) {
            case "cast" -> cast(ctx, ctx.tensor(call.args().get(0)), ctx.config().optString("dtype")
                    .orElseGet(() -> constant(ctx.argument("dtype", 1)).asText("float32")));
            case "expand_dims" -> expandDims(ctx, ctx.tensor(call.args().get(0)), (int) ctx.config().optLong("axis")
                    .orElseGet(() -> constant(ctx.argument("axis", 1)).asLong()));
            default -> {
                if (call.args().size() != 2) {
                    throw new BrokenModelException("layer " + ctx.layer().name() + ": " + name + " takes two operands, the config gives "
                            + call.args().size());
                }
                yield apply(ctx, call.args().get(0), call.args().get(1));
            }
        };
    }

    /** {@code a op b} for two arguments, each a tensor or a number. */
    Tensor apply(LayerContext ctx, Call.Arg a, Call.Arg b) {
        Operand x = operand(ctx, a);
        Operand y = operand(ctx, b);
        if (x.tensor == null && y.tensor == null) {
            throw new UnsupportedModelException("layer " + ctx.layer().name() + ": " + name + " of two constants is not supported");
        }
        SameDiff sd = ctx.sd();
        SDVariable xv = x.tensor != null ? asFloat(sd, x.tensor.var()) : sd.constant(ctx.varName("operand"), (float) x.number);
        SDVariable yv = y.tensor != null ? asFloat(sd, y.tensor.var()) : sd.constant(ctx.varName("operand"), (float) y.number);
        long[] shape = x.tensor == null ? y.tensor.shape() : y.tensor == null ? x.tensor.shape() : broadcast(ctx, x.tensor.shape(), y.tensor.shape());
        return new Tensor(op.apply(xv, yv), shape);
    }

    private record Operand(Tensor tensor, double number) {
    }

    private static Operand operand(LayerContext ctx, Call.Arg arg) {
        if (arg instanceof Call.ConstArg c && c.value().isNumber()) {
            return new Operand(null, c.value().asDouble());
        }
        if (arg instanceof Call.ConstArg c && c.value().isBoolean()) {
            return new Operand(null, c.value().asBoolean() ? 1 : 0);
        }
        return new Operand(ctx.tensor(arg), 0);
    }

    private static JsonNode constant(Call.Arg arg) {
        return arg instanceof Call.ConstArg c ? c.value() : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /** Token ids stay int32 only where they are indices; arithmetic and comparisons run on floats. */
    static SDVariable asFloat(SameDiff sd, SDVariable v) {
        return v.dataType() == DataType.FLOAT ? v : sd.castTo(v, DataType.FLOAT);
    }

    static Tensor cast(LayerContext ctx, Tensor x, String dtype) {
        SameDiff sd = ctx.sd();
        if (dtype.startsWith("float") || dtype.startsWith("bfloat")) {
            return new Tensor(asFloat(sd, x.var()), x.shape());
        }
        if (dtype.equals("bool")) {
            return new Tensor(sd.castTo(sd.neq(asFloat(sd, x.var()), 0.0), DataType.FLOAT), x.shape());
        }
        if (dtype.startsWith("int") || dtype.startsWith("uint")) {
            if (x.var().dataType().isIntType()) {
                return new Tensor(x.var(), x.shape());
            }
            // truncation toward zero, kept as floats
            return new Tensor(sd.castTo(sd.castTo(x.var(), DataType.INT32), DataType.FLOAT), x.shape());
        }
        throw new UnsupportedModelException("layer " + ctx.layer().name() + ": cast to " + dtype
                + " is not supported; supported: float*, int*, bool");
    }

    static Tensor expandDims(LayerContext ctx, Tensor x, int axis) {
        int rank = x.rank() + 1;
        int a = axis < 0 ? axis + rank : axis;
        if (a <= 0 || a >= rank) {
            throw new UnsupportedModelException("layer " + ctx.layer().name() + ": expand_dims at axis " + axis + " of "
                    + Shapes.format(x.shape()) + " is not supported; supported: a non-batch axis");
        }
        long[] shape = new long[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            shape[i] = i == a ? 1 : x.shape()[j++];
        }
        return new Tensor(ctx.sd().expandDims(x.var(), a), shape);
    }

    private long[] broadcast(LayerContext ctx, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1 && da != Shapes.ANY && db != Shapes.ANY) {
                throw new BrokenModelException("layer " + ctx.layer().name() + ": " + name + " of shapes " + Shapes.format(a) + " and "
                        + Shapes.format(b) + ", which do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }
}

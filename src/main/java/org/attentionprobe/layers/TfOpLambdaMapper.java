package org.attentionprobe.layers;

import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.keras.Call;

import java.util.List;
import java.util.Map;

/**
 * tf.keras 2's {@code TFOpLambda}: a TensorFlow function applied to tensors in a functional model, named by
 * {@code config.function} ({@code __operators__.add} for {@code x + y}, {@code math.not_equal}, {@code cast},
 * {@code __operators__.getitem}). The first operand is the call's tensor; the second is its {@code y} keyword.
 */
public final class TfOpLambdaMapper implements LayerMapper {
    private static final Map<String, OperationMapper> BINARY = Map.of(
            "__operators__.add", OperationMapper.ADD, "math.add", OperationMapper.ADD,
            "math.subtract", OperationMapper.SUBTRACT, "math.multiply", OperationMapper.MULTIPLY,
            "math.not_equal", OperationMapper.NOT_EQUAL, "math.equal", OperationMapper.EQUAL);
    private static final List<String> OTHERS = List.of("cast", "__operators__.getitem", "expand_dims");

    @Override
    public Tensor map(LayerContext ctx) {
        String function = ctx.config().optString("function").orElse("?");
        Call call = ctx.call();
        Call.Arg x = call.args().isEmpty() ? null : call.args().get(0);
        OperationMapper binary = BINARY.get(function);
        if (binary != null) {
            return binary.apply(ctx, x, ctx.argument("y", 1));
        }
        return switch (function) {
            case "cast" -> OperationMapper.cast(ctx, ctx.tensor(x), ((Call.ConstArg) ctx.argument("dtype", 1)).value().asText());
            case "expand_dims" -> OperationMapper.expandDims(ctx, ctx.tensor(x), ((Call.ConstArg) ctx.argument("axis", 1)).value().asInt());
            case "__operators__.getitem" -> GetItemMapper.index(ctx, ctx.tensor(x), GetItemMapper.items(ctx.argument("slice_spec", 1)));
            default -> throw new UnsupportedModelException("Unsupported TFOpLambda function tf." + function + " (layer "
                    + ctx.layer().name() + "); supported: " + String.join(", ", BINARY.keySet().stream().sorted().toList()) + ", "
                    + String.join(", ", OTHERS));
        };
    }
}

package org.attentionprobe.layers;

import org.attentionprobe.io.Shapes;
import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.keras.Call;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.ArrayList;
import java.util.List;

import static org.attentionprobe.io.Shapes.ANY;

/**
 * NumPy indexing recorded by Keras 3 as a {@code GetItem} operation node ({@code x[:, 0]}, {@code x[:, 0, :]},
 * {@code x[:, 1:3]}, {@code m[:, None, :]}): slices with constant bounds and steps, integers and {@code None}
 * (a new axis). The batch axis must be taken whole.
 */
public final class GetItemMapper implements LayerMapper {
    @Override
    public Tensor map(LayerContext ctx) {
        Call call = ctx.call();
        if (call.args().size() != 2) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": GetItem takes a tensor and an index, the config gives "
                    + call.args().size() + " arguments");
        }
        return index(ctx, ctx.tensor(call.args().get(0)), items(call.args().get(1)));
    }

    /** The index items: a list argument's entries, or one item. */
    static List<JsonNode> items(Call.Arg key) {
        List<JsonNode> out = new ArrayList<>();
        if (key instanceof Call.ListArg list) {
            for (Call.Arg a : list.items()) {
                if (!(a instanceof Call.ConstArg c)) {
                    throw new UnsupportedModelException("indexing with a tensor is not supported; supported: constant slices and integers");
                }
                out.add(c.value());
            }
        } else if (key instanceof Call.ConstArg c) {
            if (c.value().isArray()) {
                c.value().forEach(out::add);
            } else {
                out.add(c.value());
            }
        } else {
            throw new UnsupportedModelException("indexing with a tensor is not supported; supported: constant slices and integers");
        }
        return out;
    }

    /** {@code x[items]} with NumPy's rules for slices, integers and {@code None}. */
    static Tensor index(LayerContext ctx, Tensor x, List<JsonNode> items) {
        int rank = x.rank();
        long[] begin = new long[rank];
        long[] end = new long[rank];
        long[] strides = new long[rank];
        int beginMask = 0;
        int endMask = 0;
        int shrinkMask = 0;
        List<Long> outShape = new ArrayList<>();
        List<Integer> newAxes = new ArrayList<>();
        int dim = 0;
        for (JsonNode item : items) {
            if (item.isNull()) {
                newAxes.add(outShape.size());
                outShape.add(1L);
                continue;
            }
            if (dim >= rank) {
                throw new BrokenModelException("layer " + ctx.layer().name() + ": too many indices for a tensor of rank " + rank);
            }
            long size = x.shape()[dim];
            if (item.isIntegralNumber()) {
                if (dim == 0) {
                    throw unsupportedBatch(ctx);
                }
                long i = item.asLong() < 0 ? item.asLong() + size : item.asLong();
                begin[dim] = i;
                end[dim] = i + 1;
                strides[dim] = 1;
                shrinkMask |= 1 << dim;
            } else if (item.isObject() && "__slice__".equals(item.path("class_name").asText()) || isTfSlice(item)) {
                JsonNode cfg = item.has("config") ? item.get("config") : item;
                long step = cfg.path("step").isNull() || cfg.path("step").isMissingNode() ? 1 : cfg.get("step").asLong();
                if (step <= 0) {
                    throw new UnsupportedModelException("layer " + ctx.layer().name() + ": slice step " + step + " is not supported; supported: positive steps");
                }
                boolean fromStart = cfg.path("start").isNull() || cfg.path("start").isMissingNode();
                boolean toEnd = cfg.path("stop").isNull() || cfg.path("stop").isMissingNode();
                if (dim == 0 && (!fromStart || !toEnd || step != 1)) {
                    throw unsupportedBatch(ctx);
                }
                long start = fromStart ? 0 : clamp(cfg.get("start").asLong(), size);
                long stop = toEnd ? size : clamp(cfg.get("stop").asLong(), size);
                begin[dim] = start;
                end[dim] = stop;
                strides[dim] = step;
                if (fromStart) {
                    beginMask |= 1 << dim;
                }
                if (toEnd) {
                    endMask |= 1 << dim;
                }
                outShape.add(size == ANY ? ANY : Math.max(0, (stop - start + step - 1) / step));
            } else {
                throw new UnsupportedModelException("layer " + ctx.layer().name() + ": index " + item
                        + " is not supported; supported: slices with constant bounds, integers, None");
            }
            dim++;
        }
        for (; dim < rank; dim++) {
            strides[dim] = 1;
            beginMask |= 1 << dim;
            endMask |= 1 << dim;
            outShape.add(x.shape()[dim]);
        }
        SDVariable v = ctx.sd().stridedSlice(x.var(), begin, end, strides, beginMask, endMask, 0, 0, shrinkMask);
        for (int axis : newAxes) {
            v = ctx.sd().expandDims(v, axis);
        }
        return new Tensor(v, outShape.stream().mapToLong(Long::longValue).toArray());
    }

    private static boolean isTfSlice(JsonNode item) {
        return item.isObject() && item.has("start") && item.has("stop") && item.has("step");
    }

    private static long clamp(long i, long size) {
        if (size == ANY) {
            return i;
        }
        long v = i < 0 ? i + size : i;
        return Math.max(0, Math.min(size, v));
    }

    private static UnsupportedModelException unsupportedBatch(LayerContext ctx) {
        return new UnsupportedModelException("layer " + ctx.layer().name() + ": indexing the batch axis is not supported; "
                + "supported: the batch axis taken whole (x[:, ...])");
    }
}

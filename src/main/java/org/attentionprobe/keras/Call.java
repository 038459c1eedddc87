package org.attentionprobe.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.io.Json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One call of a layer in the model graph, as Keras recorded it in {@code inbound_nodes}, made dialect-neutral:
 * the positional and keyword arguments, with the tensors among them as {@link TensorRef}s.
 *
 * <pre>
 * Keras 3    {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["emb", 0, 0]}}, 2],
 *             "kwargs": {"attention_mask": {...__keras_tensor__...}}}
 * tf.keras 2 [["emb", 0, 0, {"value": ["emb", 0, 0]}]]     one entry: one tensor argument;
 *                                                          several entries: one list argument [a, b, ...]
 * </pre>
 *
 * @param args   positional arguments in order
 * @param kwargs keyword arguments in the order saved
 */
public record Call(List<Arg> args, Map<String, Arg> kwargs) {
    public Call {
        args = List.copyOf(args);
        kwargs = Collections.unmodifiableMap(new LinkedHashMap<>(kwargs));
    }

    /** An argument: a tensor, a list of arguments, or a constant (a number, a string, a slice, null). */
    public sealed interface Arg permits TensorArg, ListArg, ConstArg {
    }

    /** Output {@code index} of call {@code node} of layer {@code layer}. */
    public record TensorRef(String layer, int node, int index) {
        @Override
        public String toString() {
            return node == 0 && index == 0 ? layer : layer + "[" + node + "][" + index + "]";
        }
    }

    public record TensorArg(TensorRef ref) implements Arg {
    }

    public record ListArg(List<Arg> items) implements Arg {
    }

    public record ConstArg(JsonNode value) implements Arg {
    }

    /** A call with tensor arguments only: {@code layer(a)} for one, {@code layer([a, b])} for several. */
    public static Call ofTensors(List<TensorRef> refs) {
        if (refs.isEmpty()) {
            return new Call(List.of(), Map.of());
        }
        if (refs.size() == 1) {
            return new Call(List.of(new TensorArg(refs.get(0))), Map.of());
        }
        return new Call(List.of(new ListArg(refs.stream().<Arg>map(TensorArg::new).toList())), Map.of());
    }

    /** Every tensor the call reads, positional arguments first, depth first. */
    public List<TensorRef> tensors() {
        List<TensorRef> out = new ArrayList<>();
        args.forEach(a -> collect(a, out));
        kwargs.values().forEach(a -> collect(a, out));
        return out;
    }

    private static void collect(Arg arg, List<TensorRef> out) {
        if (arg instanceof TensorArg t) {
            out.add(t.ref());
        } else if (arg instanceof ListArg l) {
            l.items().forEach(a -> collect(a, out));
        }
    }

    /** Parses one Keras 3 inbound node ({@code {"args": [...], "kwargs": {...}}}). */
    static Call parseKeras3(JsonNode node, String layerName) {
        List<Arg> args = new ArrayList<>();
        JsonNode argsNode = node.path("args");
        if (argsNode.isArray()) {
            argsNode.forEach(a -> args.add(keras3Arg(a)));
        } else if (!argsNode.isMissingNode() && !argsNode.isNull()) {
            throw new BrokenModelException("layer " + layerName + " has inbound args that are not a list: " + abbreviate(argsNode));
        }
        Map<String, Arg> kwargs = new LinkedHashMap<>();
        node.path("kwargs").fields().forEachRemaining(e -> kwargs.put(e.getKey(), keras3Arg(e.getValue())));
        return new Call(args, kwargs);
    }

    private static Arg keras3Arg(JsonNode node) {
        if (node.isObject() && "__keras_tensor__".equals(node.path("class_name").asText(null))) {
            JsonNode history = node.path("config").path("keras_history");
            if (!history.isArray() || history.isEmpty() || !history.get(0).isTextual()) {
                throw new BrokenModelException("a tensor in inbound_nodes has no keras_history: " + abbreviate(node));
            }
            return new TensorArg(new TensorRef(history.get(0).asText(), history.path(1).asInt(0), history.path(2).asInt(0)));
        }
        if (node.isArray()) {
            List<Arg> items = new ArrayList<>();
            node.forEach(n -> items.add(keras3Arg(n)));
            return new ListArg(items);
        }
        return new ConstArg(node);
    }

    /** Parses one tf.keras 2 inbound node ({@code [["emb", 0, 0, {kwargs}], ...]}). */
    static Call parseKeras2(JsonNode node, String layerName) {
        List<Arg> tensors = new ArrayList<>();
        Map<String, Arg> kwargs = new LinkedHashMap<>();
        for (JsonNode entry : node) {
            if (!isKeras2Tensor(entry)) {
                throw new BrokenModelException("layer " + layerName + " has an unreadable inbound node: " + abbreviate(entry));
            }
            tensors.add(keras2Tensor(entry));
            if (kwargs.isEmpty() && entry.size() > 3 && entry.get(3).isObject()) {
                entry.get(3).fields().forEachRemaining(e -> kwargs.put(e.getKey(), keras2Arg(e.getValue())));
            }
        }
        List<Arg> args = tensors.size() == 1 ? tensors : List.of(new ListArg(tensors));
        return new Call(args, kwargs);
    }

    private static boolean isKeras2Tensor(JsonNode entry) {
        return entry.isArray() && entry.size() >= 3 && entry.get(0).isTextual() && entry.get(1).isIntegralNumber()
                && entry.get(2).isIntegralNumber();
    }

    private static Arg keras2Tensor(JsonNode entry) {
        return new TensorArg(new TensorRef(entry.get(0).asText(), entry.get(1).asInt(), entry.get(2).asInt()));
    }

    private static Arg keras2Arg(JsonNode value) {
        if (isKeras2Tensor(value) && (value.size() == 3 || (value.size() == 4 && value.get(3).isObject()))) {
            return keras2Tensor(value);
        }
        return new ConstArg(value);
    }

    /** The call as JSON, for the isolated read's codec (isolation.SavedModelCodec); {@link #fromJson} reads it back. */
    public JsonNode toJson() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode a = out.putArray("args");
        args.forEach(arg -> a.add(toJson(arg)));
        ObjectNode k = out.putObject("kwargs");
        kwargs.forEach((name, arg) -> k.set(name, toJson(arg)));
        return out;
    }

    private static JsonNode toJson(Arg arg) {
        if (arg instanceof TensorArg t) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("class_name", "__keras_tensor__");
            ArrayNode h = o.putObject("config").putArray("keras_history");
            h.add(t.ref().layer()).add(t.ref().node()).add(t.ref().index());
            return o;
        }
        if (arg instanceof ListArg l) {
            ArrayNode a = Json.MAPPER.createArrayNode();
            l.items().forEach(i -> a.add(toJson(i)));
            return a;
        }
        return ((ConstArg) arg).value();
    }

    public static Call fromJson(JsonNode node) {
        return parseKeras3(node, "?");
    }

    private static String abbreviate(JsonNode node) {
        String s = node.toString();
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }
}

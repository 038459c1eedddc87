package org.attentionprobe.keras;

import org.attentionprobe.io.Shapes;
import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.io.Json;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model's architecture, read from Keras's {@code model_config} / {@code config.json} and made
 * dialect-neutral: a list of layers in call order, each naming the layers it takes input from.
 *
 * <p>Dialects read: tf.keras 2.x ({@code batch_input_shape}, inbound nodes as nested lists, dtype as
 * a string) and Keras 3 ({@code batch_shape}, inbound nodes as {@code __keras_tensor__} args, dtype as
 * a {@code DTypePolicy} object, {@code package>Class} registered names); {@code Functional},
 * {@code Model} and {@code Sequential} top levels.
 */
public final class ModelConfig {
    /** Which Keras wrote the config. */
    public enum Dialect { KERAS_2, KERAS_3 }

    private final String modelClass;
    private final String modelName;
    private final Dialect dialect;
    private final List<LayerSpec> layers;
    private final String inputLayer;
    private final Call.TensorRef output;
    private final long[] inputShape;

    /** Every part given (the isolated read's codec rebuilds a config this way); Keras JSON goes through {@link #parse}. */
    public ModelConfig(String modelClass, String modelName, Dialect dialect, List<LayerSpec> layers,
                       String inputLayer, Call.TensorRef output, long[] inputShape) {
        this.modelClass = modelClass;
        this.modelName = modelName;
        this.dialect = dialect;
        this.layers = List.copyOf(layers);
        this.inputLayer = inputLayer;
        this.output = output;
        this.inputShape = inputShape;
    }

    /** Builds a config directly, for models whose architecture was inferred rather than read. */
    public static ModelConfig of(String modelName, Dialect dialect, List<LayerSpec> layers, long[] inputShape) {
        return new ModelConfig("Functional", modelName, dialect, layers, layers.get(0).name(),
                new Call.TensorRef(layers.get(layers.size() - 1).name(), 0, 0), inputShape);
    }

    /**
     * The same model with some layers' configs replaced (e.g. completed from options): names, classes,
     * order and connections must stay as they are.
     */
    public ModelConfig withLayers(List<LayerSpec> replaced) {
        if (replaced.size() != layers.size()) {
            throw new IllegalArgumentException("expected " + layers.size() + " layers, got " + replaced.size());
        }
        for (int i = 0; i < replaced.size(); i++) {
            LayerSpec a = layers.get(i);
            LayerSpec b = replaced.get(i);
            if (!a.name().equals(b.name()) || !a.className().equals(b.className()) || !a.calls().equals(b.calls())) {
                throw new IllegalArgumentException("layer " + i + " changed from " + a.name() + " to " + b.name());
            }
        }
        return new ModelConfig(modelClass, modelName, dialect, replaced, inputLayer, output, inputShape);
    }

    /** Parses a top-level model config ({@code {"class_name": "Functional", "config": {...}}}). */
    public static ModelConfig parse(JsonNode root) {
        if (!root.isObject() || !root.hasNonNull("class_name")) {
            throw new BrokenModelException("model_config has no class_name, expected a Keras model config "
                    + "like {\"class_name\": \"Functional\", \"config\": {...}}");
        }
        String cls = root.get("class_name").asText();
        JsonNode config = root.get("config");
        if (config == null || config.isNull()) {
            throw new BrokenModelException("model_config of class " + cls + " has no config");
        }
        return switch (cls) {
            case "Functional", "Model" -> parseFunctional(cls, config);
            case "Sequential" -> parseSequential(config);
            default -> throw new UnsupportedModelException("model class " + cls
                    + " is not supported; supported: Functional, Model, Sequential");
        };
    }

    private static ModelConfig parseFunctional(String cls, JsonNode config) {
        JsonNode layersNode = config.get("layers");
        if (layersNode == null || !layersNode.isArray() || layersNode.isEmpty()) {
            throw new BrokenModelException("model_config of class " + cls + " has no layers");
        }
        Dialect dialect = Dialect.KERAS_2;
        List<LayerSpec> layers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode layer : layersNode) {
            String className = className(layer);
            if (className == null) {
                throw new BrokenModelException("a layer in model_config has no class_name: " + abbreviate(layer));
            }
            JsonNode layerConfig = layer.path("config");
            String name = text(layer, "name");
            if (name == null) {
                name = text(layerConfig, "name");
            }
            if (name == null) {
                throw new BrokenModelException("a " + className + " layer in model_config has no name");
            }
            if (isModelClass(className)) {
                throw new UnsupportedModelException("layer " + name + " is a nested model (" + className
                        + "); nested models are not supported, save the inner layers in one Functional model");
            }
            if (!seen.add(name)) {
                throw new BrokenModelException("model_config has two layers named " + name);
            }
            if (isKeras3(layer)) {
                dialect = Dialect.KERAS_3;
            }
            List<Call> calls = parseInbound(layer.path("inbound_nodes"), name);
            for (Call call : calls) {
                for (Call.TensorRef in : call.tensors()) {
                    if (!seen.contains(in.layer())) {
                        throw new BrokenModelException("layer " + name + " takes input from " + in.layer()
                                + ", which is not defined before it in model_config");
                    }
                }
            }
            layers.add(new LayerSpec(name, className, module(layer, calls), layerConfig, calls));
        }
        String input = singleEndpoint(config.get("input_layers"), "input").layer();
        Call.TensorRef output = singleEndpoint(config.get("output_layers"), "output");
        Map<String, LayerSpec> byName = index(layers);
        if (!byName.containsKey(input) || !byName.containsKey(output.layer())) {
            throw new BrokenModelException("model_config names input " + input + " and output " + output.layer()
                    + " but its layers are " + byName.keySet());
        }
        long[] inputShape = inputShapeOf(byName.get(input).config());
        return new ModelConfig(cls, text(config, "name"), dialect, layers, input, output, inputShape);
    }

    private static ModelConfig parseSequential(JsonNode config) {
        JsonNode layersNode = config.isArray() ? config : config.get("layers");
        if (layersNode == null || !layersNode.isArray() || layersNode.isEmpty()) {
            throw new BrokenModelException("model_config of class Sequential has no layers");
        }
        Dialect dialect = Dialect.KERAS_2;
        List<LayerSpec> layers = new ArrayList<>();
        long[] inputShape = null;
        JsonNode build = config.path("build_input_shape");
        if (build.isArray()) {
            inputShape = shapeOf(build);
        }
        String previous = null;
        for (JsonNode layer : layersNode) {
            String className = className(layer);
            JsonNode layerConfig = layer.path("config");
            String name = text(layerConfig, "name");
            if (className == null || name == null) {
                throw new BrokenModelException("a layer of the Sequential model_config has no class_name or name: "
                        + abbreviate(layer));
            }
            if (isModelClass(className)) {
                throw new UnsupportedModelException("layer " + name + " is a nested model (" + className
                        + "); nested models are not supported");
            }
            if (isKeras3(layer)) {
                dialect = Dialect.KERAS_3;
            }
            if (previous == null) {
                long[] declared = inputShapeOf(layerConfig);
                if (declared != null) {
                    inputShape = declared;
                }
                if (!className.equals("InputLayer")) {
                    // Keras 2 puts the input shape on the first layer; make the input explicit.
                    layers.add(new LayerSpec("input", "InputLayer", Json.MAPPER.createObjectNode(), List.of()));
                    previous = "input";
                }
            }
            layers.add(new LayerSpec(name, className, text(layer, "module"), layerConfig, previous == null ? List.of()
                    : List.of(Call.ofTensors(List.of(new Call.TensorRef(previous, 0, 0))))));
            previous = name;
        }
        return new ModelConfig("Sequential", text(config, "name"), dialect, layers, layers.get(0).name(),
                new Call.TensorRef(previous, 0, 0), inputShape);
    }

    /**
     * Every call of a layer: Keras 2 {@code [[["input_2", 0, 0, {}]]]} (kwargs may hold more tensors as
     * {@code ["x", 0, 0]}); Keras 3 {@code [{"args": [...], "kwargs": {...}}]} with {@code __keras_tensor__}
     * entries whose {@code keras_history} is {@code [layer, node, index]}. See {@link Call}.
     */
    static List<Call> parseInbound(JsonNode nodes, String layerName) {
        if (nodes == null || nodes.isMissingNode() || nodes.isNull() || nodes.isEmpty()) {
            return List.of();
        }
        if (!nodes.isArray()) {
            throw new BrokenModelException("layer " + layerName + " has inbound_nodes that are not a list");
        }
        List<Call> calls = new ArrayList<>();
        for (JsonNode node : nodes) {
            if (node.isArray()) {
                calls.add(Call.parseKeras2(node, layerName));
            } else if (node.isObject()) {
                calls.add(Call.parseKeras3(node, layerName));
            } else {
                throw new BrokenModelException("layer " + layerName + " has an unreadable inbound node: " + abbreviate(node));
            }
        }
        return calls;
    }

    /**
     * The module Keras 3 recorded. Its legacy {@code .h5} drops modules, so an operation node ({@code x + y}) is then
     * told from a layer ({@code layers.Add()}) by its config: a layer's always holds {@code trainable}, an operation's
     * only its name and arguments ({@code {"name": "add"}}). Such nodes are given the module {@code keras.src.ops}.
     */
    private static String module(JsonNode layer, List<Call> calls) {
        String module = text(layer, "module");
        JsonNode config = layer.path("config");
        boolean keras3Node = !calls.isEmpty() && layer.path("inbound_nodes").path(0).isObject();
        if (module == null && keras3Node && config.isObject() && !config.has("trainable")) {
            return "keras.src.ops";
        }
        return module;
    }

    /** The registered name ({@code keras_hub>TransformerEncoder}) when Keras 3 saved one, else {@code class_name}. */
    private static String className(JsonNode layer) {
        String registered = text(layer, "registered_name");
        String cls = text(layer, "class_name");
        return registered != null && registered.contains(">") ? registered : cls;
    }

    /** {@code input_layers}: Keras 2 {@code [["input_1", 0, 0]]}, Keras 3 {@code ["input_layer", 0, 0]}. */
    private static Call.TensorRef singleEndpoint(JsonNode node, String what) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new BrokenModelException("model_config has no " + what + "_layers");
        }
        if (node.get(0).isTextual()) {
            return new Call.TensorRef(node.get(0).asText(), node.path(1).asInt(0), node.path(2).asInt(0));
        }
        if (node.size() > 1) {
            throw new UnsupportedModelException("the model has " + node.size() + " " + what
                    + "s; only models with one " + what + " are supported");
        }
        JsonNode first = node.get(0);
        if (first.isArray() && !first.isEmpty() && first.get(0).isTextual()) {
            return new Call.TensorRef(first.get(0).asText(), first.path(1).asInt(0), first.path(2).asInt(0));
        }
        throw new BrokenModelException("model_config has an unreadable " + what + "_layers: " + abbreviate(node));
    }

    /** {@code batch_shape} (Keras 3) or {@code batch_input_shape} (Keras 2), batch dimension as -1. */
    private static long[] inputShapeOf(JsonNode config) {
        for (String key : new String[]{"batch_shape", "batch_input_shape"}) {
            JsonNode node = config.get(key);
            if (node != null && node.isArray()) {
                return shapeOf(node);
            }
        }
        return null;
    }

    private static long[] shapeOf(JsonNode node) {
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = node.get(i).isNumber() ? node.get(i).asLong() : Shapes.ANY;
        }
        return shape;
    }

    private static boolean isKeras3(JsonNode layer) {
        JsonNode inbound = layer.path("inbound_nodes");
        return layer.path("config").has("batch_shape")
                || layer.path("config").path("dtype").isObject()
                || layer.has("module")
                || (inbound.isArray() && !inbound.isEmpty() && inbound.get(0).isObject());
    }

    private static boolean isModelClass(String className) {
        return className.equals("Functional") || className.equals("Model") || className.equals("Sequential");
    }

    private static Map<String, LayerSpec> index(List<LayerSpec> layers) {
        Map<String, LayerSpec> byName = new LinkedHashMap<>();
        layers.forEach(l -> byName.put(l.name(), l));
        return byName;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static String abbreviate(JsonNode node) {
        String s = node.toString();
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    public String modelClass() {
        return modelClass;
    }

    public String modelName() {
        return modelName;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The layers in the order Keras listed them (a valid call order). */
    public List<LayerSpec> layers() {
        return layers;
    }

    public String inputLayer() {
        return inputLayer;
    }

    public String outputLayer() {
        return output.layer();
    }

    /** The model's output tensor: output {@code index} of call {@code node} of a layer. */
    public Call.TensorRef output() {
        return output;
    }

    /** The declared input shape with the batch dimension, e.g. {@code [-1, 200]}; null if not declared. */
    public long[] inputShape() {
        return inputShape == null ? null : inputShape.clone();
    }

    public LayerSpec layer(String name) {
        return layers.stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
    }
}

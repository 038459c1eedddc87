package org.attentionprobe.layers;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.BrokenModelException;

import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Typed access to a layer's {@code config}. Real files carry constructor arguments only, full Keras
 * configs, or whole nested sublayer configs; {@link #find} also looks inside nested configs.
 */
public final class LayerConfig {
    private final String layerName;
    private final JsonNode node;

    public LayerConfig(String layerName, JsonNode node) {
        this.layerName = layerName;
        this.node = node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node;
    }

    public JsonNode json() {
        return node;
    }

    /** A top-level integer entry. */
    public OptionalLong optLong(String key) {
        JsonNode v = node.get(key);
        return v != null && v.isNumber() ? OptionalLong.of(v.asLong()) : OptionalLong.empty();
    }

    public OptionalDouble optDouble(String key) {
        JsonNode v = node.get(key);
        return v != null && v.isNumber() ? OptionalDouble.of(v.asDouble()) : OptionalDouble.empty();
    }

    public Optional<String> optString(String key) {
        JsonNode v = node.get(key);
        return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
    }

    public boolean bool(String key, boolean defaultValue) {
        JsonNode v = node.get(key);
        return v != null && v.isBoolean() ? v.asBoolean() : defaultValue;
    }

    /**
     * An integer entry at the top level or, failing that, in a nested sublayer config
     * (e.g. {@code "att": {"class_name": "MultiHeadAttention", "config": {"num_heads": 2, ...}}}).
     */
    public OptionalLong findLong(String key) {
        OptionalLong top = optLong(key);
        return top.isPresent() ? top : findNested(node, key, 0);
    }

    private static OptionalLong findNested(JsonNode n, String key, int depth) {
        if (depth > 8 || !n.isContainerNode()) {
            return OptionalLong.empty();
        }
        JsonNode v = n.get(key);
        if (depth > 0 && v != null && v.isNumber()) {
            return OptionalLong.of(v.asLong());
        }
        for (JsonNode child : n) {
            OptionalLong found = findNested(child, key, depth + 1);
            if (found.isPresent()) {
                return found;
            }
        }
        return OptionalLong.empty();
    }

    /** A nested sublayer config by attribute name ({@code "att"}), its inner {@code config} if wrapped. */
    public Optional<LayerConfig> nested(String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new LayerConfig(layerName + "/" + key, v.has("config") ? v.get("config") : v));
    }

    /**
     * An activation entry: {@code "relu"}, {@code null} (linear), or a serialized object
     * ({@code {"class_name": "function", "config": "relu"}} / {@code {"config": {"name": "relu"}}}).
     */
    public String activation(String key, String defaultValue) {
        JsonNode v = node.get(key);
        if (v == null || v.isMissingNode()) {
            return defaultValue;
        }
        if (v.isNull()) {
            return "linear";
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isObject()) {
            JsonNode cfg = v.get("config");
            if (cfg != null && cfg.isTextual()) {
                return cfg.asText();
            }
            if (cfg != null && cfg.has("name") && cfg.get("name").isTextual()) {
                return cfg.get("name").asText();
            }
            if (v.has("class_name") && v.get("class_name").isTextual()) {
                return v.get("class_name").asText();
            }
        }
        throw new BrokenModelException("layer " + layerName + ": unreadable activation " + v);
    }
}

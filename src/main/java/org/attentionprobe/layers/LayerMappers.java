package org.attentionprobe.layers;

import org.attentionprobe.keras.LayerSpec;
import org.attentionprobe.keras.SublayerOrder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The registry of layer kinds ({@link LayerKind}), keyed by Keras class name. An instance, not a global:
 * start from {@link #builtIn()} and {@link #register} your own layers on your copy.
 *
 * <p>Lookup tries the class name as saved ({@code keras_hub>TransformerEncoder}) and then without the package
 * ({@code TransformerEncoder}). Keras 3 operation nodes ({@code x + y}) are looked up as {@code ops>Add}.
 */
public final class LayerMappers {
    /** The key prefix of Keras 3 operation nodes. */
    public static final String OPS = "ops>";

    private final Map<String, LayerKind> byClass = new LinkedHashMap<>();

    /** An empty registry. */
    public LayerMappers() {
    }

    /** A registry holding every layer kind this project provides ({@link BuiltInLayers}). */
    public static LayerMappers builtIn() {
        LayerMappers mappers = new LayerMappers();
        BuiltInLayers.kinds().forEach(mappers::register);
        return mappers;
    }

    /** The built-in kinds plus those of every {@link LayerKindProvider} on the class path (the command line's registry). */
    public static LayerMappers withPlugins() {
        LayerMappers mappers = builtIn();
        for (LayerKindProvider provider : ServiceLoader.load(LayerKindProvider.class)) {
            provider.layerKinds().forEach(mappers::register);
        }
        return mappers;
    }

    /** Adds or replaces a layer kind under each of its class names. */
    public LayerMappers register(LayerKind kind) {
        for (String name : kind.classNames()) {
            byClass.put(name, kind);
        }
        return this;
    }

    /**
     * Adds or replaces the mapper for a Keras class name (with or without a {@code package>} prefix), as a kind
     * that drops masks, like a Keras layer without {@code compute_mask}. Use {@link #register(LayerKind)} for more.
     */
    public LayerMappers register(String kerasClassName, LayerMapper mapper) {
        return register(LayerKind.of(Objects.requireNonNull(kerasClassName), Objects.requireNonNull(mapper)));
    }

    /** A copy that can be extended without changing this one. */
    public LayerMappers copy() {
        LayerMappers copy = new LayerMappers();
        copy.byClass.putAll(byClass);
        return copy;
    }

    /** The kind of a layer, or null when none is registered. */
    public LayerKind find(LayerSpec layer) {
        if (layer.isOperation()) {
            return byClass.get(OPS + layer.simpleClassName());
        }
        LayerKind kind = byClass.get(layer.className());
        return kind != null ? kind : byClass.get(layer.simpleClassName());
    }

    /** The message for a layer no kind maps. */
    public String unknown(LayerSpec layer) {
        if (layer.isOperation()) {
            return "Unsupported operation " + layer.simpleClassName() + " (" + layer.module() + ", layer " + layer.name()
                    + "); supported operations: " + String.join(", ", names(true));
        }
        return "Unknown layer class " + layer.className() + " (layer " + layer.name() + "); supported: "
                + String.join(", ", names(false)) + ". To add it, register a LayerKind: LayerMappers.builtIn().register(LayerKind.of(\""
                + layer.className() + "\", mapper)), or on the command line put a jar with a LayerKindProvider on the class path";
    }

    private List<String> names(boolean operations) {
        List<String> out = new ArrayList<>();
        for (String name : byClass.keySet()) {
            if (name.startsWith(OPS) == operations) {
                out.add(operations ? name.substring(OPS.length()) : name);
            }
        }
        return out;
    }

    /** The creation order of every registered kind's sublayers, for reading a Keras 3 {@code .weights.h5}. */
    public SublayerOrder sublayerOrder() {
        SublayerOrder order = new SublayerOrder();
        for (Map.Entry<String, LayerKind> e : byClass.entrySet()) {
            if (!e.getValue().sublayers().isEmpty()) {
                order.define(e.getKey(), e.getValue().sublayers().toArray(String[]::new));
            }
        }
        return order;
    }

    public Set<String> classNames() {
        return Collections.unmodifiableSet(byClass.keySet());
    }
}

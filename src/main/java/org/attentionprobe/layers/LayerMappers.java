package org.attentionprobe.layers;

import org.attentionprobe.UnsupportedModelException;
import org.attentionprobe.keras.LayerSpec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The registry of layer mappers, keyed by Keras class name. An instance, not a global: start from
 * {@link #builtIn()} and {@link #register} your own custom layers on your copy.
 *
 * <p>Lookup tries the class name as saved ({@code keras_io>TransformerBlock}, for classes registered
 * with a package) and then without the package ({@code TransformerBlock}).
 */
public final class LayerMappers {
    private final Map<String, LayerMapper> byClass = new LinkedHashMap<>();

    /** An empty registry. */
    public LayerMappers() {
    }

    /** A registry holding every mapper this project provides. */
    public static LayerMappers builtIn() {
        LayerMapper identity = new IdentityMapper();
        return new LayerMappers()
                .register("InputLayer", new InputLayerMapper())
                .register("TokenAndPositionEmbedding", new TokenAndPositionEmbeddingMapper())
                .register("TransformerBlock", new TransformerBlockMapper())
                .register("Embedding", new EmbeddingMapper())
                .register("MultiHeadAttention", new MultiHeadAttentionMapper())
                .register("MultiHeadSelfAttention", new SelfAttention2020Mapper())
                .register("LayerNormalization", new LayerNormalizationMapper())
                .register("Dense", new DenseMapper())
                .register("Activation", new ActivationMapper())
                .register("Add", new AddMapper())
                .register("Dropout", identity)
                .register("SpatialDropout1D", identity)
                .register("GlobalAveragePooling1D", new GlobalAveragePooling1DMapper());
    }

    /** Adds or replaces the mapper for a Keras class name (with or without a {@code package>} prefix). */
    public LayerMappers register(String kerasClassName, LayerMapper mapper) {
        byClass.put(Objects.requireNonNull(kerasClassName), Objects.requireNonNull(mapper));
        return this;
    }

    /** A copy that can be extended without changing this one. */
    public LayerMappers copy() {
        LayerMappers copy = new LayerMappers();
        copy.byClass.putAll(byClass);
        return copy;
    }

    /** The mapper for a layer, or an error naming the layer, its class, what is supported and how to add it. */
    public LayerMapper forLayer(LayerSpec layer) {
        LayerMapper mapper = byClass.get(layer.className());
        if (mapper == null) {
            mapper = byClass.get(layer.simpleClassName());
        }
        if (mapper == null) {
            throw new UnsupportedModelException("Unknown layer class " + layer.className() + " (layer " + layer.name()
                    + "); supported: " + String.join(", ", byClass.keySet())
                    + ". To add it, register a LayerMapper: LayerMappers.builtIn().register(\"" + layer.simpleClassName() + "\", mapper)");
        }
        return mapper;
    }

    public Set<String> classNames() {
        return Collections.unmodifiableSet(byClass.keySet());
    }
}

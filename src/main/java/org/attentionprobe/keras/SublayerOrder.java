package org.attentionprobe.keras;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The order in which a layer class creates its sublayers, which is the order of its weights in a legacy
 * {@code .h5} ({@code weight_names}) and the order the layer mappers take them in.
 *
 * <p>A Keras 3 {@code .weights.h5} stores sublayers by attribute name and HDF5 lists them alphabetically
 * ({@code att/key_dense} before {@code att/query_dense}), so the creation order must come from the class:
 * <pre>
 * TokenAndPositionEmbedding   token_emb, pos_emb                                  (keras.io __init__)
 * TransformerBlock            att, ffn, layernorm1, layernorm2, dropout1, dropout2 (keras.io __init__)
 * MultiHeadAttention          query_dense, key_dense, value_dense, output_dense    (Keras build())
 * MultiHeadSelfAttention      query_dense, key_dense, value_dense, combine_heads   (keras.io 2020 __init__)
 * </pre>
 * Attributes a class does not list follow in the order Keras saved them ({@link #kerasWalkOrder}).
 *
 * <p>A nested sublayer's class is not recorded in the file; it is recognised by the attribute names it
 * holds (an {@code att} holding {@code output_dense} is a {@code MultiHeadAttention}, one holding
 * {@code combine_heads} the 2020 {@code MultiHeadSelfAttention}). An instance, not a global: start from
 * {@link #kerasIo()} and {@link #define} the order of your own custom layers.
 */
public final class SublayerOrder {
    private final Map<String, List<String>> attributesByClass = new LinkedHashMap<>();

    /** An empty table: every layer's sublayers in the order Keras saved them. */
    public SublayerOrder() {
    }

    /** The keras.io example's classes and Keras's {@code MultiHeadAttention}. */
    public static SublayerOrder kerasIo() {
        return new SublayerOrder()
                .define("TokenAndPositionEmbedding", "token_emb", "pos_emb")
                .define("TransformerBlock", "att", "ffn", "layernorm1", "layernorm2", "dropout1", "dropout2")
                .define("MultiHeadAttention", "query_dense", "key_dense", "value_dense", "output_dense")
                .define("MultiHeadSelfAttention", "query_dense", "key_dense", "value_dense", "combine_heads");
    }

    /**
     * The sublayer order of every layer kind the tool registers by default, for reading files without a
     * registry at hand (the child JVM of isolation.IsolatedRead); {@code LayerMappers.sublayerOrder()} gives the
     * same for a registry with your own kinds (a test keeps the two equal).
     */
    public static SublayerOrder builtIn() {
        SublayerOrder order = kerasIo();
        for (String pkg : new String[]{"keras_hub", "keras_nlp"}) {
            order.define(pkg + ">TokenAndPositionEmbedding", "token_embedding", "position_embedding")
                    .define(pkg + ">TransformerEncoder", TRANSFORMER_ENCODER.toArray(String[]::new));
        }
        return order;
    }

    /**
     * KerasHub's {@code TransformerEncoder}, in {@code build()} order; KerasNLP before 0.6 named the norms
     * {@code _self_attention_layernorm} and {@code _feedforward_layernorm}.
     */
    public static final List<String> TRANSFORMER_ENCODER = List.of("_self_attention_layer", "_self_attention_layer_norm",
            "_self_attention_layernorm", "_self_attention_dropout", "_feedforward_layer_norm", "_feedforward_layernorm",
            "_feedforward_intermediate_dense", "_feedforward_output_dense", "_feedforward_dropout");

    /** The table as one line, {@code Class=attr,attr;Class=...}, for a child JVM's command line; {@link #decode} reads it. */
    public String encode() {
        StringBuilder b = new StringBuilder();
        attributesByClass.forEach((c, attrs) -> b.append(b.length() == 0 ? "" : ";").append(c).append('=').append(String.join(",", attrs)));
        return b.toString();
    }

    public static SublayerOrder decode(String line) {
        SublayerOrder order = new SublayerOrder();
        for (String entry : line.split(";")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                order.define(entry.substring(0, eq), entry.substring(eq + 1).isEmpty() ? new String[0] : entry.substring(eq + 1).split(","));
            }
        }
        return order;
    }

    /** Every class with a declared order, and its attributes. */
    public Map<String, List<String>> definitions() {
        return java.util.Collections.unmodifiableMap(attributesByClass);
    }

    /** Declares the attributes holding a class's sublayers, in the order the class creates them. */
    public SublayerOrder define(String className, String... attributesInCreationOrder) {
        attributesByClass.put(Objects.requireNonNull(className), List.of(attributesInCreationOrder));
        return this;
    }

    /**
     * The sublayer attributes of a layer of {@code className} (null when unknown) in creation order: the
     * ones the class declares, then the others in {@link #kerasWalkOrder}.
     */
    public List<String> order(String className, Collection<String> attributes) {
        List<String> declared = className == null ? List.of() : attributesByClass.getOrDefault(className,
                attributesByClass.getOrDefault(className.substring(className.lastIndexOf('>') + 1), List.of()));
        List<String> ordered = new ArrayList<>();
        for (String attribute : declared) {
            if (attributes.contains(attribute)) {
                ordered.add(attribute);
            }
        }
        attributes.stream().filter(a -> !declared.contains(a)).sorted(kerasWalkOrder()).forEach(ordered::add);
        return ordered;
    }

    /**
     * The class of a nested sublayer, recognised by its attributes: the declared class holding the most
     * of them (at least one); the first declared wins a tie. Empty when no declared class fits.
     */
    public Optional<String> recognise(Collection<String> attributes) {
        String best = null;
        long bestCount = 0;
        for (Map.Entry<String, List<String>> e : attributesByClass.entrySet()) {
            long count = e.getValue().stream().filter(attributes::contains).count();
            if (count > bestCount) {
                best = e.getKey();
                bestCount = count;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The class whose {@code snake_case} name is {@code snakeName}, e.g. {@code transformer_block}. */
    public Optional<String> classForSnakeName(String snakeName) {
        return attributesByClass.keySet().stream()
                .filter(c -> KerasNames.snakeCase(c.substring(c.lastIndexOf('>') + 1)).equals(snakeName)).findFirst();
    }

    /** Keras's own saving order: attribute names sorted, private ones ({@code _softmax}) last. */
    public static Comparator<String> kerasWalkOrder() {
        return Comparator.comparing((String name) -> name.startsWith("_") ? "~" + name : name);
    }
}

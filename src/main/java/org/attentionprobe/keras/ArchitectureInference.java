package org.attentionprobe.keras;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.io.Shapes;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.io.Json;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The keras.io Transformer classifier's architecture, inferred from its weights alone (a weights-only file
 * has no config). The layers with weights must come in the example's order, and their shapes say the rest:
 * <pre>
 * TokenAndPositionEmbedding   token_emb (vocab, E), pos_emb (maxlen, E)          → vocab, maxlen (= input length), E
 * TransformerBlock × n        16 arrays: attention (8), feed-forward (4), two layer norms (4)
 *     built-in attention      query kernel (E, H, key_dim)                        → H (and key_dim)
 *     2020 attention          query kernel (E, E), head size E / H                → H only from given head counts
 *     feed-forward            kernel (E, ff) right after the attention's 8 arrays → ff
 * Dense × m                   kernel (in, units), bias (units,)                   → hidden ones relu; the last one
 *                                                                                    softmax, or sigmoid with 1 unit
 * </pre>
 * In between, as in the example: {@code Input(shape=(maxlen,))} first, {@code GlobalAveragePooling1D} after
 * the last block; Dropout is the identity at inference and left out. Layers without weights must be named
 * like the example's (input, dropout, global_average_pooling1d), so that a model with another pooling is
 * refused rather than misread.
 */
public final class ArchitectureInference {
    /** Names of the weightless layers of the example, as Keras numbers them. */
    private static final List<String> WEIGHTLESS_PREFIXES = List.of("input", "dropout", "spatial_dropout1d", "global_average_pooling1d");
    private static final int BLOCK_ARRAYS = 16;
    private static final int ATTENTION_ARRAYS = 8;

    private final String fileName;
    private final LoadOptions options;
    private final Set<String> names = new HashSet<>();

    private ArchitectureInference(String fileName, LoadOptions options) {
        this.fileName = fileName;
        this.options = options;
    }

    /**
     * The architecture of weights read from {@code fileName}, layer by layer in the file's order.
     * Weighted layers keep their names, so the weights can be looked up by them.
     */
    public static ModelConfig infer(String fileName, Map<String, List<Weight>> layers, String kerasVersion, LoadOptions options) {
        return new ArchitectureInference(fileName, options).infer(layers,
                kerasVersion.startsWith("2.") || kerasVersion.startsWith("1.") ? ModelConfig.Dialect.KERAS_2 : ModelConfig.Dialect.KERAS_3);
    }

    private ModelConfig infer(Map<String, List<Weight>> layers, ModelConfig.Dialect dialect) {
        names.addAll(layers.keySet());
        List<String> weighted = new ArrayList<>();
        for (Map.Entry<String, List<Weight>> layer : layers.entrySet()) {
            if (layer.getValue().isEmpty()) {
                requireExampleWeightless(layer.getKey());
            } else {
                weighted.add(layer.getKey());
            }
        }
        if (weighted.isEmpty()) {
            throw unsupported("no layer has weights");
        }
        String embedding = weighted.get(0);
        List<Weight> tables = layers.get(embedding);
        if (!isTokenAndPositionEmbedding(tables)) {
            throw unsupported("its first layer with weights, " + embedding + " " + shapes(tables)
                    + ", is not a TokenAndPositionEmbedding (token table (vocab, E), position table (maxlen, E))");
        }
        long vocab = tables.get(0).shape()[0];
        long embed = tables.get(0).shape()[1];
        long maxlen = tables.get(1).shape()[0];

        List<String> blocks = new ArrayList<>();
        int next = 1;
        while (next < weighted.size() && layers.get(weighted.get(next)).size() == BLOCK_ARRAYS) {
            blocks.add(weighted.get(next++));
        }
        List<String> dense = weighted.subList(next, weighted.size());
        if (blocks.isEmpty()) {
            throw unsupported("after the embedding " + embedding + " it expects TransformerBlocks (16 arrays each), found "
                    + (dense.isEmpty() ? "nothing" : weighted.get(1) + " " + shapes(layers.get(weighted.get(1)))));
        }
        if (dense.isEmpty()) {
            throw unsupported("after the last TransformerBlock it expects Dense layers (kernel, bias), found none");
        }
        for (String d : dense) {
            if (!isDense(layers.get(d))) {
                throw unsupported("after the TransformerBlocks it expects Dense layers (kernel (in, units), bias (units,)), found "
                        + d + " " + shapes(layers.get(d)));
            }
        }

        List<LayerSpec> specs = new ArrayList<>();
        String input = unique("input_layer");
        ObjectNode inputConfig = Json.MAPPER.createObjectNode();
        inputConfig.putArray("batch_input_shape").addNull().add(maxlen);
        inputConfig.put("dtype", "float32");
        specs.add(new LayerSpec(input, "InputLayer", inputConfig, List.of()));
        ObjectNode embeddingConfig = Json.MAPPER.createObjectNode();
        embeddingConfig.put("maxlen", maxlen).put("vocab_size", vocab).put("embed_dim", embed);
        specs.add(new LayerSpec(embedding, "TokenAndPositionEmbedding", embeddingConfig, List.of(input)));
        String previous = embedding;
        for (int b = 0; b < blocks.size(); b++) {
            String block = blocks.get(b);
            specs.add(new LayerSpec(block, "TransformerBlock", blockConfig(block, layers.get(block), embed, b, blocks.size()), List.of(previous)));
            previous = block;
        }
        String pooling = unique("global_average_pooling1d");
        specs.add(new LayerSpec(pooling, "GlobalAveragePooling1D", Json.MAPPER.createObjectNode(), List.of(previous)));
        previous = pooling;
        for (int i = 0; i < dense.size(); i++) {
            long units = layers.get(dense.get(i)).get(0).shape()[1];
            String activation = i < dense.size() - 1 ? "relu" : units == 1 ? "sigmoid" : "softmax";
            ObjectNode denseConfig = Json.MAPPER.createObjectNode();
            denseConfig.put("units", units).put("activation", activation);
            specs.add(new LayerSpec(dense.get(i), "Dense", denseConfig, List.of(previous)));
            previous = dense.get(i);
        }
        return ModelConfig.of(stem(fileName), dialect, specs, new long[]{Shapes.ANY, maxlen});
    }

    /** {@code embed_dim}, {@code num_heads}, {@code ff_dim} of one block, from its arrays and the given head counts. */
    private ObjectNode blockConfig(String block, List<Weight> w, long embed, int index, int blocks) {
        Weight query = w.get(0);
        Weight ffKernel = w.get(ATTENTION_ARRAYS);
        if (ffKernel.rank() != 2 || ffKernel.shape()[0] != embed) {
            throw unsupported("block " + block + " should hold its feed-forward kernel (" + embed + ", ff) after the attention's "
                    + ATTENTION_ARRAYS + " arrays, it holds " + ffKernel);
        }
        var option = options.headsOfBlock(index, blocks);
        long heads;
        if (query.rank() == 3 && query.shape()[0] == embed) { // built-in MultiHeadAttention: (E, H, key_dim)
            heads = query.shape()[1];
            if (option.isPresent() && option.getAsInt() != heads) {
                throw new InvalidInputException(UserInput.NUM_HEADS, options.givenHeadCounts() + " disagrees with " + fileName + ": the attention of "
                        + block + " has query kernel " + Shapes.format(query.shape()) + ", which is " + heads + " heads");
            }
        } else if (query.rank() == 2 && query.shape()[0] == embed && query.shape()[1] == embed) { // 2020: (E, E)
            String divisors = divisors(embed);
            if (option.isEmpty()) {
                throw new InvalidInputException(UserInput.NUM_HEADS, fileName + " holds weights only, and block " + block + " uses the 2020 "
                        + "MultiHeadSelfAttention, whose head count no weight shape tells; expected num_heads given with the file (a divisor of the "
                        + "embedding size " + embed + ": " + divisors + ")");
            }
            heads = option.getAsInt();
            if (embed % heads != 0) {
                throw new InvalidInputException(UserInput.NUM_HEADS, options.givenHeadCounts() + " does not divide the embedding size " + embed + " of "
                        + block + ": the 2020 MultiHeadSelfAttention splits it evenly across heads (possible: " + divisors + ")");
            }
        } else {
            throw unsupported("block " + block + " should start with an attention query kernel (" + embed + ", H, key_dim) or ("
                    + embed + ", " + embed + "), it starts with " + query);
        }
        ObjectNode config = Json.MAPPER.createObjectNode();
        config.put("embed_dim", embed).put("num_heads", heads).put("ff_dim", ffKernel.shape()[1]);
        return config;
    }

    private void requireExampleWeightless(String layer) {
        if (WEIGHTLESS_PREFIXES.stream().noneMatch(layer::startsWith)) {
            throw unsupported("layer " + layer + " has no weights and is not one of the example's weightless layers ("
                    + String.join(", ", WEIGHTLESS_PREFIXES) + "), so it may compute anything");
        }
    }

    private static boolean isTokenAndPositionEmbedding(List<Weight> w) {
        return w.size() == 2 && w.get(0).rank() == 2 && w.get(1).rank() == 2 && w.get(0).shape()[1] == w.get(1).shape()[1];
    }

    private static boolean isDense(List<Weight> w) {
        return w.size() == 2 && w.get(0).rank() == 2 && w.get(1).rank() == 1 && w.get(0).shape()[1] == w.get(1).shape()[0];
    }

    private String unique(String name) {
        String unique = name;
        for (int i = 1; names.contains(unique); i++) {
            unique = name + "_" + i;
        }
        names.add(unique);
        return unique;
    }

    private UnsupportedModelException unsupported(String detail) {
        return new UnsupportedModelException(UserInput.CONFIG, "cannot infer the architecture of " + fileName + " from its weights: " + detail
                + "; a weights-only file is read as the keras.io Transformer classifier (TokenAndPositionEmbedding, "
                + "TransformerBlocks, GlobalAveragePooling1D, Dense layers); expected its architecture given apart "
                + "(model.to_json() written to config.json, or a .keras/.h5 of the same model)");
    }

    private static String shapes(List<Weight> weights) {
        return weights.stream().map(w -> Shapes.format(w.shape())).collect(Collectors.joining(", ", "[", "]"));
    }

    /** The divisors of n in increasing order: {@code 1, 2, 4, 8, 16, 32}. */
    static String divisors(long n) {
        TreeSet<Long> found = new TreeSet<>();
        for (long d = 1; d * d <= n; d++) {
            if (n % d == 0) {
                found.add(d);
                found.add(n / d);
            }
        }
        return found.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static String stem(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }
}

package org.attentionprobe.keras;

import org.attentionprobe.errors.UserInput;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Applies given head counts ({@link LoadOptions#withNumHeads}) to a config: the head count of the 2020 {@code MultiHeadSelfAttention} is in
 * no weight shape, so a config without {@code num_heads} needs it from the caller. Attention layers are
 * counted in config order; where the config has {@code num_heads}, the option must agree with it.
 */
final class HeadCounts {
    /** The classes whose config carries {@code num_heads}. */
    static final List<String> ATTENTION_CLASSES = List.of("TransformerBlock", "MultiHeadSelfAttention", "MultiHeadAttention");

    private HeadCounts() {
    }

    static ModelConfig apply(ModelConfig config, LoadOptions options) {
        if (options.numHeads().isEmpty()) {
            return config;
        }
        int blocks = (int) config.layers().stream().filter(HeadCounts::isAttention).count();
        if (blocks == 0) {
            throw new InvalidInputException(UserInput.NUM_HEADS, options.givenHeadCounts() + " applies to attention layers, but the model has none ("
                    + String.join(", ", ATTENTION_CLASSES) + ")");
        }
        List<LayerSpec> layers = new ArrayList<>();
        int block = 0;
        for (LayerSpec layer : config.layers()) {
            if (!isAttention(layer)) {
                layers.add(layer);
                continue;
            }
            OptionalInt heads = options.headsOfBlock(block++, blocks);
            var saved = layer.config().get("num_heads");
            if (saved != null && saved.isNumber()) {
                if (saved.asLong() != heads.getAsInt()) {
                    throw new InvalidInputException(UserInput.NUM_HEADS, options.givenHeadCounts() + " disagrees with the config of " + layer.name()
                            + ", which says num_heads = " + saved.asLong());
                }
                layers.add(layer);
            } else {
                ObjectNode completed = layer.config().isObject() ? ((ObjectNode) layer.config()).deepCopy() : Json.MAPPER.createObjectNode();
                completed.put("num_heads", heads.getAsInt());
                layers.add(layer.withConfig(completed));
            }
        }
        return config.withLayers(layers);
    }

    private static boolean isAttention(LayerSpec layer) {
        return ATTENTION_CLASSES.contains(layer.simpleClassName());
    }
}

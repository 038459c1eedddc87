package org.attentionprobe.keras;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One layer of the model config, dialect-neutral.
 *
 * @param name       the layer's name ({@code transformer_block}); never null
 * @param className  the Keras class name as saved, possibly registered ({@code keras_io>TransformerBlock})
 * @param config     the layer's {@code config} object, as saved
 * @param inbound    the names of the layers whose outputs it takes, in call order
 *                   (for {@code att(x, x)} the same name twice)
 */
public record LayerSpec(String name, String className, JsonNode config, List<String> inbound) {
    /** The class name without a registration package: {@code keras_io>TransformerBlock} gives {@code TransformerBlock}. */
    public String simpleClassName() {
        int gt = className.lastIndexOf('>');
        return gt >= 0 ? className.substring(gt + 1) : className;
    }
}

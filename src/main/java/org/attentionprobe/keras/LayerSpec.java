package org.attentionprobe.keras;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One layer (or operation) of the model config, dialect-neutral.
 *
 * @param name      the layer's name ({@code transformer_block}); never null
 * @param className the Keras class name as registered ({@code keras_hub>TransformerEncoder}, {@code keras_io>TransformerBlock})
 *                  or, for classes saved without registration, as saved ({@code Dense})
 * @param module    the Python module Keras 3 recorded ({@code keras.layers}, {@code keras.src.ops.numpy}); null when none
 * @param config    the layer's {@code config} object, as saved
 * @param calls     every call of the layer in the graph, in order; a layer called twice shares its weights
 */
public record LayerSpec(String name, String className, String module, JsonNode config, List<Call> calls) {
    public LayerSpec {
        calls = List.copyOf(calls);
    }

    /** A layer called once with the outputs of the named layers ({@code layer(a)} or {@code layer([a, b])}). */
    public LayerSpec(String name, String className, JsonNode config, List<String> inbound) {
        this(name, className, null, config, inbound.isEmpty() ? List.of()
                : List.of(Call.ofTensors(inbound.stream().map(n -> new Call.TensorRef(n, 0, 0)).toList())));
    }

    /** The same layer with another config (names, class and calls unchanged). */
    public LayerSpec withConfig(JsonNode newConfig) {
        return new LayerSpec(name, className, module, newConfig, calls);
    }

    /** The class name without a registration package: {@code keras_io>TransformerBlock} gives {@code TransformerBlock}. */
    public String simpleClassName() {
        int gt = className.lastIndexOf('>');
        return gt >= 0 ? className.substring(gt + 1) : className;
    }

    /**
     * True for a Keras 3 operation node: a Python operator or {@code keras.ops} function applied to tensors
     * ({@code x + y} is class {@code Add} of module {@code keras.src.ops.numpy}), not a layer.
     */
    public boolean isOperation() {
        return module != null && (module.startsWith("keras.src.ops") || module.startsWith("keras.ops"));
    }

    /** The names of the layers whose outputs the first call reads, in order (the same name twice for {@code att(x, x)}). */
    public List<String> inbound() {
        return calls.isEmpty() ? List.of() : calls.get(0).tensors().stream().map(Call.TensorRef::layer).toList();
    }
}

package org.attentionprobe.layers;

import java.util.List;
import java.util.Objects;

/**
 * Everything the tool knows about one Keras layer class, in one registration ({@link LayerMappers#register(LayerKind)}):
 *
 * @param classNames the Keras class names it maps, as saved: {@code Dense}, {@code keras_hub>TransformerEncoder}
 *                   (and {@code keras_nlp>TransformerEncoder} for older files); operation nodes as {@code ops>Add}
 * @param mapper     builds the layer into the SameDiff graph
 * @param masking    how it passes on Keras masks
 * @param sublayers  the attributes holding its sublayers, in the order the class creates them: the order of its
 *                   weights, which a Keras 3 {@code .weights.h5} does not keep (it lists attributes alphabetically)
 * @param attention  true when it holds attention: its mapper starts a block ({@link LayerContext#beginBlock}) per attention
 *
 * <pre>{@code
 * LayerMappers mappers = LayerMappers.builtIn()
 *         .register(LayerKind.of("demo>ScaleShift", ctx -> { ... }).passingMasks());
 * }</pre>
 */
public record LayerKind(List<String> classNames, LayerMapper mapper, Masking masking, List<String> sublayers, boolean attention) {
    public LayerKind {
        classNames = List.copyOf(classNames);
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("a layer kind needs at least one class name");
        }
        Objects.requireNonNull(mapper);
        Objects.requireNonNull(masking);
        sublayers = List.copyOf(sublayers);
    }

    /** A kind that drops masks (Keras's default for a layer), without sublayers or attention. */
    public static LayerKind of(String className, LayerMapper mapper) {
        return new LayerKind(List.of(className), mapper, Masking.DROPS, List.of(), false);
    }

    /** The same kind also registered under more class names (a registration package, an older library's name). */
    public LayerKind alsoAs(String... names) {
        List<String> all = new java.util.ArrayList<>(classNames);
        all.addAll(List.of(names));
        return new LayerKind(all, mapper, masking, sublayers, attention);
    }

    public LayerKind passingMasks() {
        return new LayerKind(classNames, mapper, Masking.PASSES, sublayers, attention);
    }

    public LayerKind computingMasks() {
        return new LayerKind(classNames, mapper, Masking.COMPUTES, sublayers, attention);
    }

    public LayerKind withSublayers(String... attributesInCreationOrder) {
        return new LayerKind(classNames, mapper, masking, List.of(attributesInCreationOrder), attention);
    }

    public LayerKind holdingAttention() {
        return new LayerKind(classNames, mapper, masking, sublayers, true);
    }
}

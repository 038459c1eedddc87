package org.attentionprobe.keras;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Keras saved, read completely into memory: the architecture and every layer's weights in creation
 * order. The file is closed once this exists; nothing reads it again.
 *
 * @param source       the file read
 * @param format       how it was saved, e.g. "legacy HDF5 (model.save)"
 * @param kerasVersion the {@code keras_version} recorded in the file, or "unknown"
 * @param backend      the {@code backend} recorded in the file, or "unknown"
 * @param config       the architecture
 * @param weights      each layer's weights in creation order, by layer name (layers without weights may be absent)
 */
public record SavedModel(Path source, String format, String kerasVersion, String backend,
                         ModelConfig config, Map<String, List<Weight>> weights) {
    public SavedModel {
        weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** The weights of one layer in creation order; empty when it has none. */
    public List<Weight> weightsOf(String layerName) {
        return weights.getOrDefault(layerName, List.of());
    }
}

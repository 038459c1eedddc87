package org.attentionprobe.keras;

import java.util.List;
import java.util.Map;

/**
 * tf.keras 2.x {@code model.save_weights("x.h5")}: the legacy weights layout at the root of the file and no
 * config, so the architecture is inferred ({@link ArchitectureInference}).
 * <pre>
 * /                    @layer_names @backend @keras_version      (no @model_config)
 * /&lt;layer&gt;             @weight_names, in creation order
 * /&lt;layer&gt;/&lt;weight name&gt;  a dataset
 * </pre>
 */
public final class WeightsOnlyH5Reader {
    public static final String FORMAT = "weights-only HDF5 (save_weights), architecture inferred";

    private WeightsOnlyH5Reader() {
    }

    /** True when the root lists layers ({@code @layer_names}), as {@code save_weights} writes it. */
    public static boolean recognises(Hdf5File file) {
        return file.hasAttribute("/", "layer_names");
    }

    public static SavedModel read(Hdf5File file, LoadOptions options) {
        Map<String, List<Weight>> weights = LegacyH5Reader.readWeights(file, "/");
        String version = LegacyH5Reader.version(file);
        ModelConfig config = ArchitectureInference.infer(file.path().getFileName().toString(), weights, version, options);
        return new SavedModel(file.path(), FORMAT, version, LegacyH5Reader.backend(file), config, weights);
    }
}

package org.attentionprobe.keras;

import org.attentionprobe.errors.BrokenModelException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * tf.keras 2.x {@code model.save_weights("x.h5")}: the legacy weights layout at the root of the file and no
 * config. With {@code --config} (a {@code config.json}, a {@code .keras}, a {@code .h5} or {@code model.to_json()}
 * output) its layers are matched as Keras's own {@code load_weights} matches them; without, the architecture is
 * inferred ({@link ArchitectureInference}).
 * <pre>
 * /                    @layer_names @backend @keras_version      (no @model_config)
 * /&lt;layer&gt;             @weight_names, in creation order
 * /&lt;layer&gt;/&lt;weight name&gt;  a dataset
 * </pre>
 */
public final class WeightsOnlyH5Reader {
    public static final String FORMAT = "weights-only HDF5 (save_weights), architecture inferred";
    public static final String FORMAT_WITH_CONFIG = "weights-only HDF5 (save_weights)";

    /**
     * Classes that own no weights. Keras matches the file's layers that have weights, in order, to the model's layers
     * that have weights, in order; a class outside this list is taken to own weights.
     */
    private static final Set<String> WEIGHTLESS = Set.of("InputLayer", "Dropout", "SpatialDropout1D", "GaussianNoise",
            "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Activation", "Add", "Subtract", "Multiply", "Average",
            "Maximum", "Minimum", "Concatenate", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "Flatten", "Identity", "Reshape",
            "Permute", "Lambda", "TFOpLambda", "SinePositionEncoding", "Softmax", "ReLU");

    private WeightsOnlyH5Reader() {
    }

    /** True when the root lists layers ({@code @layer_names}), as {@code save_weights} writes it. */
    public static boolean recognises(Hdf5File file) {
        return file.hasAttribute("/", "layer_names");
    }

    public static SavedModel read(Hdf5File file, LoadOptions options) {
        if (options.config() != null) {
            return readWithConfig(file, options);
        }
        Map<String, List<Weight>> weights = LegacyH5Reader.readWeights(file, "/");
        String version = LegacyH5Reader.version(file);
        ModelConfig config = ArchitectureInference.infer(file.path().getFileName().toString(), weights, version, options);
        return new SavedModel(file.path(), FORMAT, version, LegacyH5Reader.backend(file), config, weights);
    }

    /**
     * The weights matched to the config's layers by position: the i-th layer of the file that has weights belongs to the
     * i-th layer of the config that owns weights (Keras's {@code load_weights_from_hdf5_group}); names need not agree.
     */
    static SavedModel readWithConfig(Hdf5File file, LoadOptions options) {
        String fileName = file.path().getFileName().toString();
        ConfigFiles.Source source = ConfigFiles.read(options.config());
        Map<String, List<Weight>> inFile = LegacyH5Reader.readWeights(file, "/");
        List<String> fileLayers = new ArrayList<>();
        inFile.forEach((name, list) -> {
            if (!list.isEmpty()) {
                fileLayers.add(name);
            }
        });
        List<String> configLayers = new ArrayList<>();
        for (LayerSpec layer : source.config().layers()) {
            if (!layer.isOperation() && !WEIGHTLESS.contains(layer.simpleClassName())) {
                configLayers.add(layer.name());
            }
        }
        if (fileLayers.size() != configLayers.size()) {
            throw new BrokenModelException(fileName + " does not match the config in " + source.source() + ": expected "
                    + configLayers.size() + " layers with weights " + configLayers + ", the file has " + fileLayers.size() + " " + fileLayers);
        }
        Map<String, List<Weight>> weights = new LinkedHashMap<>();
        for (int i = 0; i < configLayers.size(); i++) {
            weights.put(configLayers.get(i), inFile.get(fileLayers.get(i)));
        }
        return new SavedModel(file.path(), FORMAT_WITH_CONFIG + " + " + source.source(), source.kerasVersion(),
                LegacyH5Reader.backend(file), source.config(), weights);
    }
}

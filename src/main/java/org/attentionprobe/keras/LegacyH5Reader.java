package org.attentionprobe.keras;

import org.attentionprobe.errors.BrokenModelException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the legacy HDF5 format of {@code model.save("x.h5")} (tf.keras 2.x and Keras 3); its weights
 * layout is also that of tf.keras 2.x {@code model.save_weights("x.h5")} ({@link WeightsOnlyH5Reader}).
 *
 * <pre>
 * /                      @keras_version @backend @model_config (JSON)   [weights-only: @layer_names here]
 * /model_weights         @layer_names (variable-length strings)
 * /model_weights/&lt;layer&gt; @weight_names, in creation order
 * /model_weights/&lt;layer&gt;/&lt;weight name&gt;   a dataset
 * /optimizer_weights     ignored
 * </pre>
 */
public final class LegacyH5Reader {
    private LegacyH5Reader() {
    }

    /** True when the file has the layout of {@code model.save}: a {@code model_config} or a {@code model_weights} group. */
    public static boolean isLegacyLayout(Hdf5File file) {
        return file.hasAttribute("/", "model_config") || file.isGroup("model_weights");
    }

    /** Reads config and weights; the config must be present. */
    public static SavedModel read(Hdf5File file) {
        ModelConfig config = config(file).orElseThrow(() -> new BrokenModelException(file.path().getFileName()
                + " has no model_config attribute: it holds no Keras model; expected a file written by model.save(\"model.h5\")"));
        return new SavedModel(file.path(), "legacy HDF5 (model.save)", version(file), backend(file), config,
                readWeights(file, "model_weights"));
    }

    /** The architecture in the root {@code model_config} attribute; empty when there is none. */
    public static Optional<ModelConfig> config(Hdf5File file) {
        return attribute(file, "/", "model_config").map(v -> String.join("", v))
                .map(json -> ModelConfig.parse(KerasJson.parseFirstValue(json, "model_config")));
    }

    /**
     * The weights of a legacy file, by layer, from {@code root/@layer_names} and each layer's {@code @weight_names}.
     * Every layer is read even when an earlier one is broken, and all problems are reported together.
     */
    public static Map<String, List<Weight>> readWeights(Hdf5File file, String root) {
        String rootPath = file.isGroup(root) ? root : "/";
        String fileName = file.path().getFileName().toString();
        List<String> layerNames = attribute(file, rootPath, "layer_names").orElseThrow(() -> new BrokenModelException(
                fileName + " has no " + rootPath + " @layer_names attribute, expected the layer list Keras writes"));
        Map<String, List<Weight>> weights = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String layer : layerNames) {
            String group = rootPath.equals("/") ? layer : rootPath + "/" + layer;
            try {
                weights.put(layer, readLayer(file, layer, group, problems));
            } catch (BrokenModelException e) {
                problems.add(withoutFileName(e.getMessage(), fileName));
            }
        }
        if (!problems.isEmpty()) {
            throw BrokenModelException.of(fileName, problems);
        }
        return weights;
    }

    /** One layer's weights; a missing or unreadable weight is added to {@code problems} and the next one read. */
    private static List<Weight> readLayer(Hdf5File file, String layer, String group, List<String> problems) {
        if (!file.isGroup(group)) {
            throw new BrokenModelException("layer_names lists " + layer + " but there is no group " + group);
        }
        List<String> weightNames = attribute(file, group, "weight_names").orElse(List.of());
        List<Weight> list = new ArrayList<>(weightNames.size());
        for (String weightName : weightNames) {
            String dataset = group + "/" + weightName;
            if (!file.isDataset(dataset)) {
                problems.add("weight " + weightName + " of layer " + layer + " is listed in weight_names but missing (no dataset "
                        + dataset + ")");
                continue;
            }
            try {
                list.add(file.readWeight(dataset, weightName));
            } catch (BrokenModelException e) {
                problems.add(withoutFileName(e.getMessage(), file.path().getFileName().toString()));
            }
        }
        return list;
    }

    /** {@link Hdf5File} starts its messages with the file name; {@link BrokenModelException#of} adds it once. */
    private static String withoutFileName(String message, String fileName) {
        return message.startsWith(fileName + ": ") ? message.substring(fileName.length() + 2) : message;
    }

    /** An attribute Keras may have split into {@code name0}, {@code name1}, ... when it exceeded 64 KB. */
    static Optional<List<String>> attribute(Hdf5File file, String object, String name) {
        Optional<List<String>> whole = file.stringAttribute(object, name);
        if (whole.isPresent()) {
            return whole;
        }
        List<String> chunks = new ArrayList<>();
        for (int i = 0; file.hasAttribute(object, name + i); i++) {
            chunks.addAll(file.stringAttribute(object, name + i).orElseThrow());
        }
        return chunks.isEmpty() ? Optional.empty() : Optional.of(chunks);
    }

    static String version(Hdf5File file) {
        return attribute(file, "/", "keras_version").map(v -> String.join("", v)).orElse("unknown");
    }

    static String backend(Hdf5File file) {
        return attribute(file, "/", "backend").map(v -> String.join("", v)).orElse("unknown");
    }
}

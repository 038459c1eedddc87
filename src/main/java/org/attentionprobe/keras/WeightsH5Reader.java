package org.attentionprobe.keras;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.errors.UnsupportedModelException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads the weights of a Keras 3 weights file ({@code model.save_weights("x.weights.h5")}, and the
 * {@code model.weights.h5} inside a {@code .keras}) for a given config, each layer's in creation order.
 *
 * <pre>
 * /layers/&lt;member&gt;/vars/&lt;i&gt;              a layer's own variables, i = 0, 1, ... in creation order
 *                                        (kernel, bias; gamma, beta; embeddings); @name = the layer's name
 * /layers/&lt;member&gt;/&lt;attribute&gt;/vars/&lt;i&gt;  a sublayer held in an attribute: att/query_dense, layernorm1
 * /layers/&lt;member&gt;/ffn/layers/&lt;member&gt;   the members of a list attribute (Sequential's layers)
 * /optimizer, /vars                      the optimizer's and the model's own state, not read
 * </pre>
 * A list member is named after its class ({@link KerasNames}), so the config's layers are matched to
 * {@code layers/<member>} by replaying Keras's naming over the config; a group with {@code vars} is a
 * layer, one without is a list. HDF5 lists members alphabetically; {@link SublayerOrder} gives the
 * creation order.
 */
public final class WeightsH5Reader {
    public static final String FORMAT = "Keras 3 weights (.weights.h5)";
    /** What tf.keras 2.13 to 2.15 named the list of a model's layers (Keras 3 reads it by renaming). */
    private static final String TF_KERAS_LIST = "_layer_checkpoint_dependencies";
    /** Deeper nesting is refused: no Keras model comes near it, and HDF5 links can form cycles. */
    private static final int MAX_DEPTH = 32;
    /** More groups visited than this is refused: links can make a small file look endless. */
    private static final int MAX_VISITS = 1_000_000;

    private final Hdf5File file;
    private final String fileName;
    private final String configName;
    private final SublayerOrder order;
    private int visits;

    private WeightsH5Reader(Hdf5File file, String fileName, String configName, SublayerOrder order) {
        this.file = file;
        this.fileName = fileName;
        this.configName = configName;
        this.order = order;
    }

    /**
     * A {@code .weights.h5} on its own, with the architecture from {@link LoadOptions#config()}. The Keras
     * version is the config source's (a {@code .weights.h5} records none).
     */
    public static SavedModel readWithConfig(Hdf5File file, LoadOptions options, SublayerOrder order) {
        String name = file.path().getFileName().toString();
        requireKeras3Layout(file, name);
        Path configFile = options.configFile().orElseThrow(() -> new InvalidInputException(UserInput.CONFIG, name + " holds weights only "
                + "(Keras 3 model.save_weights) and no architecture; expected the architecture given apart (config.json, or "
                + "a .keras or .h5 of the same model)"));
        ConfigFiles.Source source = ConfigFiles.read(configFile);
        return new SavedModel(file.path(), FORMAT + " + " + source.source(), source.kerasVersion(), "unknown",
                source.config(), read(file, name, source.config(), "the config in " + source.source(), order));
    }

    /**
     * True when the file has the Keras 3 layout, a {@code layers} group, or the one tf.keras 2.13 to 2.15 wrote
     * in their new format ({@code _layer_checkpoint_dependencies}), which is recognised in order to be refused.
     */
    public static boolean recognises(Hdf5File file) {
        return file.isGroup("layers") || file.isGroup(TF_KERAS_LIST);
    }

    private static void requireKeras3Layout(Hdf5File file, String fileName) {
        if (!file.isGroup("layers") && file.isGroup(TF_KERAS_LIST)) {
            throw new UnsupportedModelException(fileName + " was written by tf.keras 2.13 to 2.15 in their new format "
                    + "(_layer_checkpoint_dependencies/...), which this tool does not read; save the model as .h5 there, "
                    + "or load and save it with Keras 3");
        }
    }

    /**
     * Every config layer's weights, keyed by layer name, in creation order.
     *
     * @param fileName   the name to use in messages (the archive's, for a {@code .keras})
     * @param configName where the config came from, for messages: "its config.json", "the config in model.h5"
     */
    public static Map<String, List<Weight>> read(Hdf5File file, String fileName, ModelConfig config, String configName,
                                                 SublayerOrder order) {
        return new WeightsH5Reader(file, fileName, configName, order).read(config);
    }

    private Map<String, List<Weight>> read(ModelConfig config) {
        requireKeras3Layout(file, fileName);
        if (!file.isGroup("layers")) {
            throw new BrokenModelException(fileName + " has no layers group: expected a Keras 3 weights file "
                    + "(layers/<layer>/vars/<i>), as written by model.save_weights(\"model.weights.h5\")");
        }
        Map<String, String> members = matchMembers(config);
        Map<String, List<Weight>> weights = new LinkedHashMap<>();
        for (LayerSpec layer : config.layers()) {
            if (members.containsKey(layer.name())) {
                List<Weight> list = new ArrayList<>();
                collect("layers/" + members.get(layer.name()), layer.className(), layer.name(), list, 1);
                weights.put(layer.name(), list);
            }
        }
        return weights;
    }

    /**
     * The {@code layers/} member of each config layer, named by replaying Keras's naming over the config's
     * layers (a Sequential's InputLayer is not stored); failing that, the member whose {@code vars} Keras
     * labelled with the layer's name. Fails at the first config layer without its member, or at a member no
     * config layer explains. Layer names are not required to agree otherwise: Keras numbers them per session.
     */
    private Map<String, String> matchMembers(ModelConfig config) {
        Set<String> inFile = new TreeSet<>(Comparator.comparingInt(KerasNames::memberIndex).thenComparing(Comparator.naturalOrder()));
        inFile.addAll(file.children("layers"));
        KerasNames names = new KerasNames();
        Map<String, String> members = new LinkedHashMap<>();
        for (LayerSpec layer : config.layers()) {
            if (config.modelClass().equals("Sequential") && layer.simpleClassName().equals("InputLayer")) {
                continue; // Sequential.layers leaves out its InputLayer
            }
            if (layer.isOperation() || layer.simpleClassName().equals("TFOpLambda")) {
                continue; // an operation node is no layer: nothing of it is saved
            }
            String member = names.next(layer.simpleClassName());
            if (!inFile.contains(member)) { // a class registered under another name: the member Keras labelled with the layer's name
                member = inFile.stream().filter(m -> !members.containsValue(m))
                        .filter(m -> storedName("layers/" + m).filter(layer.name()::equals).isPresent()).findFirst().orElse(member);
            }
            if (!inFile.contains(member)) {
                throw new BrokenModelException(fileName + " does not match " + configName + ": layer " + layer.name() + " ("
                        + layer.simpleClassName() + ") should be stored as layers/" + member + " but the file has no such group; "
                        + "the file holds layers " + String.join(", ", inFile));
            }
            members.put(layer.name(), member);
        }
        List<String> unexplained = inFile.stream().filter(m -> !members.containsValue(m)).toList();
        if (!unexplained.isEmpty()) {
            String first = unexplained.get(0);
            throw new BrokenModelException(fileName + " does not match " + configName + ": the file holds layers/" + first
                    + storedName("layers/" + first).map(n -> " (layer " + n + ")").orElse("")
                    + ", which no layer of the config explains; the config's layers are stored as " + String.join(", ", members.values()));
        }
        return members;
    }

    /**
     * Appends a layer's weights in creation order: its own variables, then each sublayer's, recursively.
     *
     * @param className the layer's class, null when the file does not tell
     * @param name      the weight name prefix: the layer's name, then attribute names
     */
    private void collect(String group, String className, String name, List<Weight> out, int depth) {
        requireDepth(group, depth);
        if (file.isGroup(group + "/vars")) {
            for (String index : variableIndices(group + "/vars")) {
                String dataset = group + "/vars/" + index;
                out.add(file.readWeight(dataset, name + "/vars/" + index));
            }
        }
        List<String> attributes = file.children(group).stream().filter(c -> !c.equals("vars") && file.isGroup(group + "/" + c)).toList();
        for (String attribute : order.order(className, attributes)) {
            String child = group + "/" + attribute;
            if (file.isGroup(child + "/vars")) {
                collect(child, classOfSublayer(child), name + "/" + attribute, out, depth + 1);
            } else {
                collectList(child, name + "/" + attribute, out, depth + 1);
            }
        }
    }

    /** The members of a list attribute in list order: by their number within their class. */
    private void collectList(String group, String name, List<Weight> out, int depth) {
        requireDepth(group, depth);
        List<String> members = file.children(group).stream().filter(c -> file.isGroup(group + "/" + c)).toList();
        Set<String> weightedClasses = members.stream().filter(m -> hasWeights(group + "/" + m, depth + 1))
                .map(KerasNames::memberBase).collect(Collectors.toCollection(TreeSet::new));
        if (weightedClasses.size() > 1) {
            throw new UnsupportedModelException(fileName + ": " + group + " is a list holding layers of several classes with weights ("
                    + String.join(", ", weightedClasses) + "); a .weights.h5 records their order within each class only");
        }
        members.stream().sorted(Comparator.comparingInt(KerasNames::memberIndex).thenComparing(SublayerOrder.kerasWalkOrder()))
                .forEach(m -> {
                    String child = group + "/" + m;
                    String cls = order.classForSnakeName(KerasNames.memberBase(m)).orElse(null);
                    if (file.isGroup(child + "/vars")) {
                        collect(child, cls, name + "/" + m, out, depth + 1);
                    } else {
                        collectList(child, name + "/" + m, out, depth + 1);
                    }
                });
    }

    private String classOfSublayer(String group) {
        List<String> attributes = file.children(group).stream().filter(c -> !c.equals("vars")).toList();
        return attributes.isEmpty() ? null : order.recognise(attributes).orElse(null);
    }

    /** {@code 0, 1, ..., n-1}: Keras numbers a layer's variables without gaps. */
    private List<String> variableIndices(String varsGroup) {
        List<String> names = file.children(varsGroup);
        List<String> sorted = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            String index = Integer.toString(i);
            if (!names.contains(index) || !file.isDataset(varsGroup + "/" + index)) {
                throw new BrokenModelException(fileName + ": " + varsGroup + " holds " + names
                        + ", expected the datasets 0 to " + (names.size() - 1) + " (a layer's variables in creation order)");
            }
            sorted.add(index);
        }
        return sorted;
    }

    private boolean hasWeights(String group, int depth) {
        requireDepth(group, depth);
        for (String child : file.children(group)) {
            String path = group + "/" + child;
            if (child.equals("vars") ? !file.children(path).isEmpty() : file.isGroup(path) && hasWeights(path, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    private void requireDepth(String group, int depth) {
        if (depth > MAX_DEPTH) {
            throw new BrokenModelException(fileName + ": " + group.substring(0, Math.min(group.length(), 200))
                    + "... nests layers more than " + MAX_DEPTH + " deep (a link cycle?)");
        }
        if (++visits > MAX_VISITS) {
            throw new BrokenModelException(fileName + ": the layers group holds more than " + MAX_VISITS + " groups (a link cycle?)");
        }
    }

    /** The layer name Keras recorded on a member's {@code vars} group, if any. */
    private Optional<String> storedName(String group) {
        return file.stringAttribute(group + "/vars", "name").filter(v -> v.size() == 1).map(v -> v.get(0));
    }
}

package org.attentionprobe.graph;

import org.attentionprobe.layers.Results;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.ProbeException;
import org.attentionprobe.errors.UnsupportedModelException;
import org.attentionprobe.keras.LayerSpec;
import org.attentionprobe.keras.ModelConfig;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.io.Shapes;
import org.attentionprobe.keras.Weight;
import org.attentionprobe.layers.BlockInfo;
import org.attentionprobe.layers.LayerConfig;
import org.attentionprobe.layers.LayerContext;
import org.attentionprobe.keras.Call;
import org.attentionprobe.layers.LayerKind;
import org.attentionprobe.layers.LayerMappers;
import org.attentionprobe.layers.Tensor;
import org.attentionprobe.layers.WeightCursor;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Walks the model config in call order and asks each layer's mapper to build it. Problems are collected
 * and reported together at the end: every layer class is checked first, then every layer that does not
 * depend on a failed one (a failed layer has no output shape to check its successors against).
 */
final class GraphBuilder {
    static final String TOKENS = "tokens";
    static final String TAP_PREFIX = "tap/";
    /** The length a variable-length model ({@code Input(shape=(None,))}) that declares no maximum is first built for. */
    static final int VARIABLE_LENGTH_DEFAULT = 128;

    private final SavedModel model;
    private final LayerMappers mappers;
    private final GraphOptions options;
    private final SameDiff sd = SameDiff.create();
    private final Map<Call.TensorRef, Tensor> outputs = new HashMap<>();
    private final Set<String> failed = new HashSet<>();
    private final Set<String> produced = new HashSet<>();
    private final Map<String, SDVariable> named = new LinkedHashMap<>();
    private final Map<String, SDVariable> layerResults = new LinkedHashMap<>();
    private final Map<String, String> taps = new LinkedHashMap<>();
    private final Map<String, long[]> tapShapes = new LinkedHashMap<>();
    private final List<BlockInfo> blocks = new ArrayList<>();
    private final List<ModelSummary.LayerInfo> layerInfos = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final Set<String> usedNames = new HashSet<>();
    private boolean onlyUnsupported = true;
    private final java.util.Set<org.attentionprobe.errors.UserInput> about = java.util.EnumSet.noneOf(org.attentionprobe.errors.UserInput.class);
    private Tensor tokenInput;
    private long vocabSize = -1;
    private long embedDim = -1;
    private final int sequenceLength;

    GraphBuilder(SavedModel model, LayerMappers mappers, GraphOptions options) {
        this.model = model;
        this.mappers = mappers;
        this.options = options;
        this.sequenceLength = options.requestedLength().orElseGet(() -> sequenceLength(model.config()));
    }

    ModelGraph build() {
        ModelConfig config = model.config();
        Map<String, LayerKind> kinds = new HashMap<>();
        for (LayerSpec layer : config.layers()) { // every unknown class, whatever else is wrong
            LayerKind kind = mappers.find(layer);
            if (kind == null) {
                problems.add(mappers.unknown(layer));
            } else {
                kinds.put(layer.name(), kind);
            }
        }
        Set<String> configured = new HashSet<>();
        for (LayerSpec layer : config.layers()) {
            configured.add(layer.name());
            LayerKind kind = kinds.get(layer.name());
            if (kind == null) {
                continue;
            }
            List<Weight> weights = model.weightsOf(layer.name());
            List<Call> calls = layer.calls().isEmpty() ? List.of(new Call(List.of(), Map.of())) : layer.calls();
            Tensor first = null;
            for (int node = 0; node < calls.size(); node++) {
                Tensor out = mapCall(layer, kind, node, calls.get(node), weights);
                if (node == 0) {
                    first = out;
                }
            }
            long params = weights.stream().mapToLong(w -> w.values().length).sum();
            layerInfos.add(new ModelSummary.LayerInfo(layer.name(), layer.className(),
                    first == null ? new long[0] : first.shape(), params));
        }
        for (String layer : model.weights().keySet()) {
            if (!configured.contains(layer) && !model.weightsOf(layer).isEmpty()) {
                problems.add("the weights hold layer " + layer + " that the config does not define");
                onlyUnsupported = false;
            }
        }
        if (tokenInput == null && problems.isEmpty()) {
            problems.add("the model has no InputLayer feeding token ids");
            onlyUnsupported = false;
        }
        if (vocabSize < 0 && problems.isEmpty()) {
            problems.add("no Embedding or TokenAndPositionEmbedding reads the token ids; this tool probes text models");
        }
        Tensor output = outputs.get(config.output());
        if (output == null && problems.isEmpty()) {
            problems.add("the model output " + config.output() + " is not produced by any layer call");
            onlyUnsupported = false;
        }
        if (!problems.isEmpty()) {
            String file = model.source() == null ? "model" : model.source().getFileName().toString();
            org.attentionprobe.errors.UserInput input = about.size() == 1 ? about.iterator().next() : null;   // what the user could give
            if (onlyUnsupported) {
                throw new UnsupportedModelException(input, file + ": " + String.join("; ", problems));
            }
            throw BrokenModelException.of(file, problems, input);
        }
        if (output.rank() != 2) {
            throw new UnsupportedModelException("the model output has shape " + Shapes.format(output.shape())
                    + "; expected a classifier output (batch, classes)");
        }
        markResiduals(config);
        named.put(Results.PROBABILITIES, output.var());
        ModelSummary summary = new ModelSummary(config.modelName(), model.format(), model.kerasVersion(), model.backend(),
                sequenceLength, vocabSize, embedDim, (int) output.lastDim(), List.copyOf(layerInfos), List.copyOf(blocks),
                isVariableLength(config));
        return new ModelGraph(sd, TOKENS, named, layerResults, taps, tapShapes, summary);
    }

    /** Maps one call of a layer; null when it failed or reads a layer that failed (whose problem is recorded). */
    private Tensor mapCall(LayerSpec layer, LayerKind kind, int node, Call call, List<Weight> weights) {
        List<Tensor> inputs = new ArrayList<>();
        for (Call.TensorRef ref : call.tensors()) {
            Tensor t = outputs.get(ref);
            if (t == null) {
                if (!failed.contains(ref.layer()) && produced.contains(ref.layer())) {
                    problems.add("layer " + layer.name() + " reads output " + ref.index() + " of call " + ref.node() + " of layer "
                            + ref.layer() + ", which has no such output");
                    onlyUnsupported = false;
                }
                failed.add(layer.name());
                return null;
            }
            inputs.add(t);
        }
        Tensor out = null;
        Context ctx = new Context(layer, call, inputs, new WeightCursor(layer.name(), weights));
        try {
            out = kind.mapper().map(ctx);
            ctx.weights().requireConsumed("a " + layer.simpleClassName() + " with this config");
        } catch (ProbeException e) {
            problems.add(e.getMessage());
            e.about().ifPresent(about::add);
            onlyUnsupported &= e instanceof UnsupportedModelException;
        }
        if (out == null) {
            failed.add(layer.name());
            return null;
        }
        produced.add(layer.name());
        if (node == 0) {
            layerResults.putIfAbsent(Results.layer(layer.name()), out.var());
        }
        out = switch (kind.masking()) {
            case DROPS -> out.withMask(null);
            case PASSES -> out.withMask(previousMask(ctx));
            case COMPUTES -> out;
        };
        outputs.put(new Call.TensorRef(layer.name(), node, 0), out);
        for (Map.Entry<Integer, Tensor> extra : ctx.extras.entrySet()) {
            outputs.put(new Call.TensorRef(layer.name(), node, extra.getKey()), extra.getValue());
        }
        return out;
    }

    /**
     * A bare attention layer is residual when its output reaches an {@code Add} (layer or {@code x + y}), directly or
     * through layers that are the identity at inference.
     */
    private void markResiduals(ModelConfig config) {
        for (int i = 0; i < blocks.size(); i++) {
            BlockInfo b = blocks.get(i);
            if (!b.residual() && reachesAdd(config, b.layerName(), 0)) {
                blocks.set(i, b.withResidual(true));
            }
        }
    }

    private boolean reachesAdd(ModelConfig config, String layer, int depth) {
        if (depth > 8) {
            return false;
        }
        for (LayerSpec consumer : config.layers()) {
            boolean reads = consumer.calls().stream().flatMap(c -> c.tensors().stream()).anyMatch(t -> t.layer().equals(layer) && t.index() == 0);
            if (!reads) {
                continue;
            }
            LayerKind kind = mappers.find(consumer);
            String cls = consumer.simpleClassName();
            boolean add = cls.equals("Add") || (cls.equals("TFOpLambda") && consumer.config().path("function").asText().endsWith("add"));
            if (add) {
                return true;
            }
            if (kind != null && kind.mapper() instanceof org.attentionprobe.layers.IdentityMapper && reachesAdd(config, consumer.name(), depth + 1)) {
                return true;
            }
        }
        return false;
    }

    /** The mask Keras hands on: an explicit {@code mask=} argument, else the first argument's (when it is one tensor). */
    private static SDVariable previousMask(Context ctx) {
        Call.Arg explicit = ctx.call().kwargs().get("mask");
        if (explicit instanceof Call.TensorArg) {
            return ctx.tensor(explicit).var();
        }
        if (!ctx.call().args().isEmpty() && ctx.call().args().get(0) instanceof Call.TensorArg first) {
            return ctx.tensor(first).mask();
        }
        return null;
    }

    private static boolean isVariableLength(ModelConfig config) {
        long[] shape = config.inputShape();
        return shape != null && shape.length == 2 && shape[1] < 0;
    }

    /** L from the input's declared shape, else from a layer's {@code maxlen} or {@code sequence_length}. */
    static int sequenceLength(ModelConfig config) {
        long[] shape = config.inputShape();
        if (shape != null && shape.length == 2 && shape[1] > 0) {
            return Math.toIntExact(shape[1]);
        }
        if (shape != null && shape.length != 2) {
            throw new UnsupportedModelException("the model input has shape " + Shapes.format(shape)
                    + "; expected token ids (batch, length)");
        }
        for (LayerSpec layer : config.layers()) {
            for (String key : new String[]{"maxlen", "sequence_length"}) {
                var maxlen = new LayerConfig(layer.name(), layer.config()).optLong(key);
                if (maxlen.isPresent() && maxlen.getAsLong() > 0) {
                    return Math.toIntExact(maxlen.getAsLong());
                }
            }
        }
        if (shape != null) {
            return VARIABLE_LENGTH_DEFAULT; // Input(shape=(None,)): built for this until given other lengths
        }
        throw new UnsupportedModelException("the model declares no input shape and no layer declares maxlen or sequence_length");
    }

    /** The view of the graph one mapper gets while it maps one layer. */
    private final class Context implements LayerContext {
        private final LayerSpec layer;
        private final Call call;
        private final List<Tensor> inputs;
        private final WeightCursor weights;
        private final LayerConfig config;
        private final Map<Integer, Tensor> extras = new TreeMap<>();

        Context(LayerSpec layer, Call call, List<Tensor> inputs, WeightCursor weights) {
            this.layer = layer;
            this.call = call;
            this.inputs = List.copyOf(inputs);
            this.weights = weights;
            this.config = new LayerConfig(layer.name(), layer.config());
        }

        @Override
        public Call call() {
            return call;
        }

        @Override
        public ModelConfig.Dialect dialect() {
            return model.config().dialect();
        }

        @Override
        public Tensor tensor(Call.Arg arg) {
            if (arg instanceof Call.TensorArg t) {
                Tensor value = outputs.get(t.ref());
                if (value != null) {
                    return value;
                }
            }
            throw new BrokenModelException("layer " + layer.name() + " (" + layer.className() + "): expected a tensor argument, the config gives "
                    + (arg instanceof Call.ConstArg c ? c.value() : String.valueOf(arg)));
        }

        @Override
        public Call.Arg argument(String name, int position) {
            Call.Arg byName = call.kwargs().get(name);
            if (byName != null) {
                return byName;
            }
            return position >= 0 && position < call.args().size() ? call.args().get(position) : null;
        }

        @Override
        public void extraOutput(int index, Tensor value) {
            if (index < 1) {
                throw new IllegalArgumentException("extra outputs are numbered from 1, got " + index);
            }
            extras.put(index, value);
        }

        @Override
        public LayerMappers registry() {
            return mappers;
        }

        @Override
        public LayerSpec layer() {
            return layer;
        }

        @Override
        public LayerConfig config() {
            return config;
        }

        @Override
        public List<Tensor> inputs() {
            return inputs;
        }

        @Override
        public Tensor input() {
            if (inputs.size() != 1) {
                throw new BrokenModelException("layer " + layer.name() + " (" + layer.className() + ") takes one input, the config gives it "
                        + inputs.size() + (inputs.isEmpty() ? "" : ": " + call.tensors()));
            }
            return inputs.get(0);
        }

        @Override
        public WeightCursor weights() {
            return weights;
        }

        @Override
        public SameDiff sd() {
            return sd;
        }

        @Override
        public SDVariable constant(String name, INDArray value) {
            return sd.constant(varName(name), value);
        }

        @Override
        public String varName(String name) {
            String base = layer.name() + "/" + name;
            String unique = base;
            for (int i = 1; !usedNames.add(unique); i++) {
                unique = base + "_" + i;
            }
            return unique;
        }

        @Override
        public int sequenceLength() {
            return sequenceLength;
        }

        @Override
        public Tensor tokenInput() {
            if (tokenInput != null) {
                throw new UnsupportedModelException("the model has more than one input (" + layer.name()
                        + "); only models with one token-id input are supported");
            }
            tokenInput = new Tensor(sd.placeHolder(TOKENS, DataType.INT32, -1, sequenceLength), new long[]{Shapes.ANY, sequenceLength});
            return tokenInput;
        }

        @Override
        public boolean isTokenInput(Tensor t) {
            return tokenInput != null && t.var() == tokenInput.var();
        }

        @Override
        public void declareVocabulary(long vocab, long embed) {
            vocabSize = vocab;
            embedDim = embed;
        }

        @Override
        public int beginBlock(BlockInfo info) {
            blocks.add(info);
            return blocks.size() - 1;
        }

        @Override
        public int blockCount() {
            return blocks.size();
        }

        @Override
        public List<BlockInfo> blocks() {
            return List.copyOf(blocks);
        }

        @Override
        public SDVariable result(String name) {
            SDVariable v = named.get(name);
            if (v == null) {
                throw new IllegalStateException("no result named " + name + " yet");
            }
            return v;
        }

        @Override
        public SDVariable output(String name, SDVariable value, long... shape) {
            if (named.containsKey(name)) {
                return value; // a second embedding (say) keeps the first one's name
            }
            if (Results.isAttentionLogits(name)) {
                layerResults.putIfAbsent(name, value);   // unlisted, like the layers' own outputs
                return value;
            }
            SDVariable result = value;
            if (options.gradientTaps().test(name)) {
                String tap = TAP_PREFIX + name;
                // A trainable variable, not a placeholder: SameDiff differentiates only towards variables.
                long[] one = shape.clone();
                one[0] = 1;
                SDVariable offset = sd.var(tap, org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, one));
                taps.put(name, tap);
                tapShapes.put(name, shape.clone());
                result = value.add(offset);
            }
            named.put(name, result);
            return result;
        }
    }
}

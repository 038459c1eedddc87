package org.attentionprobe.graph;

import org.attentionprobe.BrokenModelException;
import org.attentionprobe.ProbeException;
import org.attentionprobe.UnsupportedModelException;
import org.attentionprobe.keras.LayerSpec;
import org.attentionprobe.keras.ModelConfig;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.keras.Shapes;
import org.attentionprobe.keras.Weight;
import org.attentionprobe.layers.BlockInfo;
import org.attentionprobe.layers.LayerConfig;
import org.attentionprobe.layers.LayerContext;
import org.attentionprobe.layers.LayerMapper;
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

/**
 * Walks the model config in call order and asks each layer's mapper to build it. Problems are collected
 * and reported together at the end: every layer class is checked first, then every layer that does not
 * depend on a failed one (a failed layer has no output shape to check its successors against).
 */
final class GraphBuilder {
    static final String TOKENS = "tokens";
    static final String TAP_PREFIX = "tap/";

    private final SavedModel model;
    private final LayerMappers mappers;
    private final GraphOptions options;
    private final SameDiff sd = SameDiff.create();
    private final Map<String, Tensor> layerOutputs = new HashMap<>();
    private final Map<String, SDVariable> named = new LinkedHashMap<>();
    private final Map<String, String> taps = new LinkedHashMap<>();
    private final Map<String, long[]> tapShapes = new LinkedHashMap<>();
    private final List<BlockInfo> blocks = new ArrayList<>();
    private final List<ModelSummary.LayerInfo> layerInfos = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final Set<String> usedNames = new HashSet<>();
    private boolean onlyUnsupported = true;
    private Tensor tokenInput;
    private long vocabSize = -1;
    private long embedDim = -1;
    private final int sequenceLength;

    GraphBuilder(SavedModel model, LayerMappers mappers, GraphOptions options) {
        this.model = model;
        this.mappers = mappers;
        this.options = options;
        this.sequenceLength = sequenceLength(model.config());
    }

    ModelGraph build() {
        ModelConfig config = model.config();
        Map<String, LayerMapper> layerMappers = new HashMap<>();
        for (LayerSpec layer : config.layers()) { // every unknown class, whatever else is wrong
            try {
                layerMappers.put(layer.name(), mappers.forLayer(layer));
            } catch (UnsupportedModelException e) {
                problems.add(e.getMessage());
            }
        }
        Set<String> configured = new HashSet<>();
        for (LayerSpec layer : config.layers()) {
            configured.add(layer.name());
            LayerMapper mapper = layerMappers.get(layer.name());
            if (mapper == null) {
                continue;
            }
            List<Tensor> inputs = new ArrayList<>();
            for (String in : layer.inbound()) {
                Tensor t = layerOutputs.get(in);
                if (t != null) {
                    inputs.add(t);
                }
            }
            if (inputs.size() < layer.inbound().size()) {
                continue; // downstream of a layer that failed: its problem is recorded, this one cannot be checked
            }
            List<Weight> weights = model.weightsOf(layer.name());
            Tensor out = null;
            try {
                Context ctx = new Context(layer, inputs, new WeightCursor(layer.name(), weights));
                out = mapper.map(ctx);
                ctx.weights().requireConsumed("a " + layer.simpleClassName() + " with this config");
            } catch (ProbeException e) {
                problems.add(e.getMessage());
                onlyUnsupported &= e instanceof UnsupportedModelException;
            }
            if (out != null) {
                layerOutputs.put(layer.name(), out);
            }
            long params = weights.stream().mapToLong(w -> w.values().length).sum();
            layerInfos.add(new ModelSummary.LayerInfo(layer.name(), layer.className(),
                    out == null ? new long[0] : out.shape(), params));
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
        Tensor output = layerOutputs.get(config.outputLayer());
        if (!problems.isEmpty()) {
            String file = model.source() == null ? "model" : model.source().getFileName().toString();
            if (onlyUnsupported) {
                throw new UnsupportedModelException(file + ": " + String.join("; ", problems));
            }
            throw BrokenModelException.of(file, problems);
        }
        if (output.rank() != 2) {
            throw new UnsupportedModelException("the model output has shape " + Shapes.format(output.shape())
                    + "; expected a classifier output (batch, classes)");
        }
        named.put("probabilities", output.var());
        ModelSummary summary = new ModelSummary(config.modelName(), model.format(), model.kerasVersion(), model.backend(),
                sequenceLength, vocabSize, embedDim, (int) output.lastDim(), List.copyOf(layerInfos), List.copyOf(blocks));
        return new ModelGraph(sd, TOKENS, named, taps, tapShapes, summary);
    }

    /** L from the input's declared shape, else from a layer's {@code maxlen}. */
    private static int sequenceLength(ModelConfig config) {
        long[] shape = config.inputShape();
        if (shape != null && shape.length == 2 && shape[1] > 0) {
            return Math.toIntExact(shape[1]);
        }
        if (shape != null && shape.length != 2) {
            throw new UnsupportedModelException("the model input has shape " + Shapes.format(shape)
                    + "; expected token ids (batch, length)");
        }
        for (LayerSpec layer : config.layers()) {
            var maxlen = new LayerConfig(layer.name(), layer.config()).optLong("maxlen");
            if (maxlen.isPresent() && maxlen.getAsLong() > 0) {
                return Math.toIntExact(maxlen.getAsLong());
            }
        }
        throw new UnsupportedModelException("the model input has no fixed length and no layer declares maxlen");
    }

    /** The view of the graph one mapper gets while it maps one layer. */
    private final class Context implements LayerContext {
        private final LayerSpec layer;
        private final List<Tensor> inputs;
        private final WeightCursor weights;
        private final LayerConfig config;

        Context(LayerSpec layer, List<Tensor> inputs, WeightCursor weights) {
            this.layer = layer;
            this.inputs = List.copyOf(inputs);
            this.weights = weights;
            this.config = new LayerConfig(layer.name(), layer.config());
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
                        + inputs.size() + (inputs.isEmpty() ? "" : ": " + layer.inbound()));
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
        public SDVariable output(String name, SDVariable value, long... shape) {
            if (named.containsKey(name)) {
                return value; // a second embedding (say) keeps the first one's name
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

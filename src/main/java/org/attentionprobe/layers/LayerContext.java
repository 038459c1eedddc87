package org.attentionprobe.layers;

import org.attentionprobe.keras.Call;
import org.attentionprobe.keras.LayerSpec;
import org.attentionprobe.keras.ModelConfig;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/** What a {@link LayerMapper} sees of the graph being built while it maps one layer. */
public interface LayerContext {
    /** The layer being mapped: name, class, config, inbound layers. */
    LayerSpec layer();

    /** Typed access to the layer's config. */
    LayerConfig config();

    /** The call being mapped (a layer called twice is mapped once per call, with the same weights). */
    Call call();

    /** Which dialect wrote the config: masked attention differs between tf.keras 2 and Keras 3. */
    ModelConfig.Dialect dialect();

    /** Every tensor the call reads, in call order (positional arguments first). */
    List<Tensor> inputs();

    /** A tensor argument of the call; an error naming the layer when it is a constant or a list. */
    Tensor tensor(Call.Arg arg);

    /**
     * A named argument: keyword {@code name}, else positional argument {@code position} (-1: keyword only);
     * null when the call has neither.
     */
    Call.Arg argument(String name, int position);

    /** Sets output {@code index} (1, 2, ...) of a layer returning several tensors; the mapper returns output 0. */
    void extraOutput(int index, Tensor value);

    /** The single input; an error naming the layer when there is not exactly one. */
    Tensor input();

    /** The layer's weights in creation order. */
    WeightCursor weights();

    SameDiff sd();

    /** A weight as a graph constant named {@code <layer>/<name>}. */
    SDVariable constant(String name, INDArray value);

    /** A unique graph variable name {@code <layer>/<name>} for an intermediate result. */
    String varName(String name);

    /** The sequence length L of the model input (its second dimension; for a variable-length model, the length built for). */
    int sequenceLength();

    /** The layer kinds this graph is built with, for mappers that build sublayers ({@code TransformerEncoder}). */
    LayerMappers registry();

    /** Creates the model's token-id placeholder {@code [batch, L]} (for {@code InputLayer}). */
    Tensor tokenInput();

    /** True when {@code t} is the model's token-id input (not a hidden state). */
    boolean isTokenInput(Tensor t);

    /** Records that token ids must lie in {@code [0, vocabSize)} (an embedding reads the model input). */
    void declareVocabulary(long vocabSize, long embedDim);

    /** Starts a new attention block and returns its index (0, 1, ...), used in output names {@code block{i}/...}. */
    int beginBlock(BlockInfo info);

    /** How many blocks have begun so far; the current block is {@code blockCount() - 1}. */
    int blockCount();

    /** Every block begun so far, in order. */
    List<BlockInfo> blocks();

    /** The variable of a result named earlier with {@link #output}. */
    SDVariable result(String name);

    /**
     * Names an intermediate result so callers can fetch it ({@code "embedding"}, {@code "block0/attention"}),
     * and returns the variable the rest of the layer must continue with. When the graph is built for
     * attributions, this is where gradients are taken: the returned variable then carries a zero-valued
     * placeholder offset whose gradient is the gradient with respect to the named result.
     *
     * @param shape the static shape of {@code value}, batch dimension first as {@code -1}
     */
    SDVariable output(String name, SDVariable value, long... shape);
}

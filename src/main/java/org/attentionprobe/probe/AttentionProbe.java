package org.attentionprobe.probe;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.data.ProbeInput;
import org.attentionprobe.data.Sequences;
import org.attentionprobe.data.TextTokenizer;
import org.attentionprobe.data.ReviewMeta;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.ModelOutput;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.BatchRunner;
import org.attentionprobe.graph.ModelGraph;
import org.attentionprobe.graph.ModelSummary;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A model plus, optionally, the review files beside it: reviews, raw texts or token ids in, a
 * {@link ProbeResult} per sequence out (tokens and their words, class probabilities by name, every block's
 * attention).
 *
 * <pre>{@code
 * try (TransformerModel model = TransformerModel.open(Path.of("model.h5"))) {
 *     AttentionProbe probe = AttentionProbe.of(model, ReviewFolder.open(Path.of("data")));
 *     ProbeResult r = probe.text("A moving, well acted film.");
 * }
 * }</pre>
 */
public final class AttentionProbe {
    private final TransformerModel model;
    private final ReviewFolder data;           // null without review files
    private final List<String> classNames;     // [C]
    private final int padId;

    private AttentionProbe(TransformerModel model, ReviewFolder data) {
        this.model = model;
        this.data = data;
        int classes = model.summary().classCount();   // 2 for one sigmoid output
        if (data == null) {
            List<String> names = new ArrayList<>();
            for (int c = 0; c < classes; c++) {
                names.add("class " + c);
            }
            this.classNames = List.copyOf(names);
            this.padId = 0;
        } else {
            if (data.meta().classes().size() != classes) {
                throw new InvalidInputException(data.dir().resolve("meta.json") + " names " + data.meta().classes().size()
                        + " classes " + data.meta().classes() + " but the model outputs " + classes
                        + "; the data belongs to another model");
            }
            this.classNames = data.meta().classes();
            this.padId = data.meta().padId();
        }
    }

    /** A probe without review files: token ids in, words shown as {@code #id}, classes named {@code class i}. */
    public static AttentionProbe of(TransformerModel model) {
        return new AttentionProbe(model, null);
    }

    /** A probe with the review files of a folder: reviews by index, texts, words and class names. */
    public static AttentionProbe of(TransformerModel model, ReviewFolder data) {
        return new AttentionProbe(model, data);
    }

    /** With the review files beside the model when there are any. */
    public static AttentionProbe of(TransformerModel model, Optional<ReviewFolder> data) {
        return new AttentionProbe(model, data.orElse(null));
    }

    public ModelSummary summary() {
        return model.summary();
    }

    public List<String> classNames() {
        return classNames;
    }

    public Optional<ReviewFolder> data() {
        return Optional.ofNullable(data);
    }

    /** Stored review {@code index} of the review files. */
    public ProbeResult review(int index) {
        return run(reviewInput(index));
    }

    /** A raw text, tokenized like the Keras IMDB data. */
    public ProbeResult text(String text) {
        return run(textInput(text));
    }

    /** Token ids, padded or truncated to the model's length like {@code pad_sequences}; ids must be in range. */
    public ProbeResult tokens(int... ids) {
        return run(ProbeInput.ofTokens("tokens", ids, padId));
    }

    /** The padding token id: the data's, else 0. */
    public int padId() {
        return padId;
    }

    public ProbeInput reviewInput(int index) {
        if (data == null) {
            throw new InvalidInputException(UserInput.DATA_FOLDER, "no reviews: expected the files python-export/export_reviews.py "
                    + "writes (" + ReviewFolder.FILES + ") beside the model or in a folder given apart");
        }
        return data.reviews().get(index);
    }

    public ProbeInput textInput(String text) {
        if (data == null) {
            throw new InvalidInputException(UserInput.DATA_FOLDER, "a text needs the model's vocabulary: vocab.json and meta.json "
                    + "(written by python-export/export_reviews.py) beside the model or in a folder given apart");
        }
        ReviewMeta meta = data.meta();
        return new TextTokenizer(data.vocabulary(), meta.startId(), meta.oovId(), summary().vocabSize()).tokenize(text);
    }

    /** A sequence as the model will read it: padded/truncated 'pre' to L, with words. */
    public TokenSequence fit(ProbeInput input) {
        // a variable-length model reads the sequence as it is; a fixed-length one, padded or truncated to L
        int length = model.variableLength() ? Math.max(1, input.ids().length) : summary().sequenceLength();
        checkIds(input, length);
        int[] ids = Sequences.padPre(input.ids(), length);   // [L]
        String[] words = new String[length];
        boolean[] real = new boolean[length];
        int oov = 0;
        for (int i = 0; i < length; i++) {
            real[i] = ids[i] != padId;
            words[i] = word(ids[i]);
            oov += data != null && ids[i] == data.meta().oovId() ? 1 : 0;
        }
        return new TokenSequence(input.origin(), ids, words, real, input.originalLength(), oov, input.unknownWords());
    }

    /** Every id the model will read (the last L) must be in [0, vocab); the message names the id's place in the input. */
    private void checkIds(ProbeInput input, int length) {
        long vocab = summary().vocabSize();
        int[] ids = input.ids();
        for (int i = Math.max(0, ids.length - length); i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw ModelGraph.badTokenId(ids[i], vocab, "(item " + (i + 1) + " of " + input.origin() + ")");
            }
        }
    }

    /** The word of a token id: from the vocabulary, else {@code <pad>} or {@code #id}. */
    public String word(int id) {
        if (data != null) {
            return data.vocabulary().word(id);
        }
        return id == padId ? "<pad>" : "#" + id;
    }

    public ProbeResult run(ProbeInput input) {
        return run(List.of(input)).get(0);
    }

    /** Runs sequences in batches of {@link BatchRunner#DEFAULT_BATCH}; results in the same order. */
    public List<ProbeResult> run(List<ProbeInput> inputs) {
        return run(inputs, BatchRunner.DEFAULT_BATCH);
    }

    /** Runs sequences {@code batchSize} per model run; results in the same order. */
    public List<ProbeResult> run(List<ProbeInput> inputs, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (model.variableLength()) {
            batchSize = 1; // each sequence at its own length
        }
        List<ProbeResult> out = new ArrayList<>(inputs.size());
        for (int start = 0; start < inputs.size(); start += batchSize) {
            List<ProbeInput> chunk = inputs.subList(start, Math.min(inputs.size(), start + batchSize));
            List<TokenSequence> sequences = chunk.stream().map(this::fit).toList();
            int[][] ids = sequences.stream().map(TokenSequence::ids).toArray(int[][]::new);  // [B][L]
            ModelOutput result = model.run(ids);
            for (int r = 0; r < chunk.size(); r++) {
                out.add(new ProbeResult(sequences.get(r), result.classProbabilities(r), classNames,
                        chunk.get(r).label(), attentionOfRow(result, r)));
            }
        }
        return out;
    }

    /** Every block's attention of one row: {@code [B, H, L, L]} -> {@code [H, L, L]}. */
    private static List<INDArray> attentionOfRow(ModelOutput result, int row) {
        List<INDArray> blocks = new ArrayList<>();
        for (INDArray a : result.attention()) {
            blocks.add(a.get(NDArrayIndex.point(row), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).dup('c'));
        }
        return blocks;
    }
}

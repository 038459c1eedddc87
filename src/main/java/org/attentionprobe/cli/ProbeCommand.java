package org.attentionprobe.cli;

import org.attentionprobe.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.io.AtomicFiles;
import org.attentionprobe.io.NpyStreamWriter;
import org.attentionprobe.probe.Sequences;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code java -jar probe.jar MODEL [input] [outputs]}: run a model and show or export what it computed. */
@Command(name = "probe", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false,
        description = "Runs a Keras transformer text classifier (.h5, .keras, .weights.h5) on the JVM and shows what its attention heads look at.")
public final class ProbeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "the Keras model file: .h5, .keras, a Keras 3 .weights.h5 (with --config) or a weights-only .h5")
    Path model;

    @Option(names = "--tokens-file", paramLabel = "X.npy",
            description = "token ids, int32 or int64, shape [batch, length] or [length]; sequences of another length are "
                    + "padded or truncated like keras.utils.pad_sequences (on the left)")
    Path tokensFile;

    @Option(names = "--export", paramLabel = "DIR",
            description = "write probabilities.npy [batch, classes] and attention_block{i}.npy [batch, heads, L, L] "
                    + "(rows = query, columns = key) into DIR")
    Path exportDir;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "sequences per batch (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (model == null) {
            throw new InvalidInputException("no model given: java -jar probe.jar MODEL.h5 [options] (see --help)");
        }
        if (tokensFile == null) {
            throw new InvalidInputException("no input given: pass --tokens-file X.npy");
        }
        if (batchSize <= 0) {
            throw new InvalidInputException("--batch must be a positive number, got " + batchSize);
        }
        int[][] raw = Sequences.readNpy(tokensFile);
        Path dir = exportDir == null ? null : AtomicFiles.outputDirectory(exportDir);
        try (TransformerModel m = TransformerModel.open(model, modelOptions.toLoadOptions())) {
            ModelSummary summary = m.summary();
            out.printf("model: %s, %s, Keras %s%n", model.getFileName(), summary.format(), summary.kerasVersion());
            int length = summary.sequenceLength();
            int[][] tokens = fit(raw, length);
            m.graph().checkTokens(Nd4j.createFromArray(tokens));
            reportFit(raw, length, err);
            List<NpyStreamWriter> writers = new ArrayList<>();
            try {
                if (dir != null) {
                    writers.add(new NpyStreamWriter(dir.resolve("probabilities.npy"), tokens.length, summary.numClasses()));
                    for (int b = 0; b < summary.blocks().size(); b++) {
                        writers.add(new NpyStreamWriter(dir.resolve("attention_block" + b + ".npy"),
                                tokens.length, summary.blocks().get(b).heads(), length, length));
                    }
                }
                for (int start = 0; start < tokens.length; start += batchSize) {
                    int end = Math.min(tokens.length, start + batchSize);
                    int[][] batch = java.util.Arrays.copyOfRange(tokens, start, end);
                    var result = m.run(batch);
                    if (dir != null) {
                        writers.get(0).append(result.probabilities());
                        for (int b = 0; b < result.attention().size(); b++) {
                            writers.get(b + 1).append(result.attention(b));
                        }
                    }
                    for (int r = 0; r < batch.length; r++) {
                        INDArray p = result.probabilities().getRow(r);
                        out.printf("row %d: class %d, probabilities %s%n", start + r, result.predictedClass(r), p.toString().replace("\n", ""));
                    }
                }
            } finally {
                for (NpyStreamWriter w : writers) {
                    w.close();
                }
            }
            if (dir != null) {
                err.println("wrote probabilities.npy and " + summary.blocks().size() + " attention_block{i}.npy to " + dir);
            }
        }
        return Main.OK;
    }

    /** Pads or truncates every row to the model's length, like pad_sequences. */
    private static int[][] fit(int[][] raw, int length) {
        int[][] out = new int[raw.length][];
        for (int i = 0; i < raw.length; i++) {
            out[i] = raw[i].length == length ? raw[i] : Sequences.padPre(raw[i], length);
        }
        return out;
    }

    private static void reportFit(int[][] raw, int length, PrintWriter err) {
        long padded = java.util.Arrays.stream(raw).filter(r -> r.length < length).count();
        long truncated = java.util.Arrays.stream(raw).filter(r -> r.length > length).count();
        if (padded + truncated > 0) {
            err.printf("note: the model reads %d tokens; %d sequence(s) were left-padded with 0 and %d truncated to their last %d ids "
                    + "(like keras.utils.pad_sequences)%n", length, padded, truncated, length);
        }
    }
}

package org.attentionprobe.cli;

import org.attentionprobe.keras.LoadOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** What a model file may not say by itself (a picocli mixin of {@code probe} and {@code probe verify}). */
public final class ModelOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "the architecture of a Keras 3 .weights.h5: config.json, or a .keras or .h5 of the same model")
    Path config;

    @Option(names = "--num-heads", paramLabel = "N[,N...]", split = ",",
            description = "attention heads where the file cannot tell them (the 2020 MultiHeadSelfAttention in a weights-only "
                    + ".h5): one count for every block, or one per block")
    List<Integer> numHeads;

    LoadOptions toLoadOptions() {
        return new LoadOptions(config, numHeads);
    }
}

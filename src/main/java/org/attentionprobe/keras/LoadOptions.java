package org.attentionprobe.keras;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.InvalidInputException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a model file may not say by itself, given by the caller.
 *
 * <pre>{@code
 * LoadOptions.defaults()                                        // .h5 and .keras carry everything
 * LoadOptions.defaults().withConfig(Path.of("model.keras"))     // architecture for a Keras 3 .weights.h5
 * LoadOptions.defaults().withNumHeads(4)                        // heads of the 2020 attention, every block
 * LoadOptions.defaults().withNumHeads(2, 4)                     // ... or one count per block, in order
 * }</pre>
 *
 * @param config   where the architecture of a Keras 3 {@code .weights.h5} comes from: {@code config.json},
 *                 a {@code .keras} or a {@code .h5} of the same architecture; null when not given
 * @param numHeads head counts: empty (read them from the file), one for every block, or one per block
 */
public record LoadOptions(Path config, List<Integer> numHeads, SublayerOrder sublayerOrder) {
    public LoadOptions(Path config, List<Integer> numHeads) {
        this(config, numHeads, null);
    }

    public LoadOptions {
        sublayerOrder = sublayerOrder == null ? SublayerOrder.builtIn() : sublayerOrder;
        numHeads = numHeads == null ? List.of() : List.copyOf(numHeads);
        for (int h : numHeads) {
            if (h <= 0) {
                throw new InvalidInputException(UserInput.NUM_HEADS, "head counts must be positive, got " + h);
            }
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions(null, List.of());
    }

    public LoadOptions withConfig(Path configFile) {
        return new LoadOptions(configFile, numHeads, sublayerOrder);
    }

    public LoadOptions withNumHeads(Integer... heads) {
        return new LoadOptions(config, Arrays.asList(heads), sublayerOrder);
    }

    /**
     * How to order the weights of sublayers in a Keras 3 weights file (by default the built-in kinds'; a registry
     * with your own kinds gives its own: {@code withSublayerOrder(mappers.sublayerOrder())}).
     */
    public LoadOptions withSublayerOrder(SublayerOrder order) {
        return new LoadOptions(config, numHeads, order);
    }

    public Optional<Path> configFile() {
        return Optional.ofNullable(config);
    }

    /**
     * The head count given for block {@code block} of {@code blocks}; empty when none was given.
     * Fails when the number of counts fits neither every block (one count) nor each block (one per block).
     */
    public OptionalInt headsOfBlock(int block, int blocks) {
        if (numHeads.isEmpty()) {
            return OptionalInt.empty();
        }
        if (numHeads.size() == 1) {
            return OptionalInt.of(numHeads.get(0));
        }
        if (numHeads.size() != blocks) {
            throw new InvalidInputException(UserInput.NUM_HEADS, numHeads.size() + " head counts " + numHeads + " were given but the model has "
                    + blocks + " transformer block" + (blocks == 1 ? "" : "s") + "; expected one count for all blocks or one per block");
        }
        return OptionalInt.of(numHeads.get(block));
    }

    /** The given head counts, for messages: {@code num_heads 2,4 (given)}. */
    public String givenHeadCounts() {
        return "num_heads " + String.join(",", numHeads.stream().map(String::valueOf).toList()) + " (given)";
    }
}

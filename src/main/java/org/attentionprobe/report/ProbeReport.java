package org.attentionprobe.report;

import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.layers.BlockInfo;
import org.attentionprobe.probe.HeadReading;
import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.HeadReading.QueryFocus;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ProbeResult;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Everything the text and JSON reports show for one sequence, computed once: the model, the prediction, and for
 * every selected head the tokens receiving most attention and the strongest queries with their top keys.
 *
 * @param modelFile   the model file as the user named it
 * @param model       what the model is
 * @param result      what it made of the sequence
 * @param keepPadding whether padding positions take part in the summaries
 * @param heads       one section per selected head, in block/head order
 */
public record ProbeReport(Path modelFile, ModelSummary model, ProbeResult result, boolean keepPadding, List<HeadSection> heads) {
    /** Tokens listed as receiving the most attention, per head. */
    public static final int TOP_KEYS = 5;
    /** Strongest queries listed per head. */
    public static final int QUERIES = 3;
    /** Keys listed per strong query. */
    public static final int KEYS_PER_QUERY = 3;

    /** What one head does with this sequence. */
    public record HeadSection(HeadRef head, double paddingShare, List<KeyWeight> mostAttended, List<QueryFocus> strongestQueries) {
    }

    public static ProbeReport of(Path modelFile, ModelSummary model, ProbeResult result, List<HeadRef> heads, boolean keepPadding) {
        List<HeadSection> sections = heads.stream().map(h -> {
            HeadReading reading = HeadReading.of(result, h, keepPadding);
            return new HeadSection(h, reading.paddingShare(), reading.mostAttended(TOP_KEYS),
                    reading.strongestQueries(QUERIES, KEYS_PER_QUERY));
        }).toList();
        return new ProbeReport(modelFile, model, result, keepPadding, sections);
    }

    /** {@code model.h5 — legacy HDF5 (model.save), Keras 3.15.1; 1 block × 2 heads; vocab 500; maxlen 200; 2 classes}. */
    public static String modelLine(Path modelFile, ModelSummary model) {
        return String.format(Locale.ROOT, "%s — %s, Keras %s; %s; vocab %d; %s; %d classes",
                modelFile.getFileName(), model.format(), model.kerasVersion(), blocks(model.blocks()),
                model.vocabSize(), model.variableLength() ? "any length" : "maxlen " + model.sequenceLength(), model.classCount());
    }

    /** {@code 1 block × 2 heads}, or {@code 2 blocks × (2, 4) heads} when blocks differ. */
    static String blocks(List<BlockInfo> blocks) {
        if (blocks.isEmpty()) {
            return "no attention layer";
        }
        String count = blocks.size() + (blocks.size() == 1 ? " block" : " blocks");
        List<Integer> heads = blocks.stream().map(BlockInfo::heads).distinct().toList();
        if (heads.size() == 1) {
            return count + " × " + heads.get(0) + (heads.get(0) == 1 ? " head" : " heads");
        }
        return count + " × (" + blocks.stream().map(b -> Integer.toString(b.heads())).collect(Collectors.joining(", ")) + ") heads";
    }
}

package org.attentionprobe.report;

import org.attentionprobe.ModelOutput;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.io.Json;
import org.attentionprobe.layers.BlockInfo;
import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.HeadReading.QueryFocus;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.probe.TokenSequence;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The text report as JSON, for scripts: {@code model}, {@code input} (ids and words of all L positions),
 * {@code prediction} (class names, probabilities, true class) and {@code attention} (per head: the share given to
 * padding, the tokens receiving most attention, the strongest queries with their keys). Positions are 0-based
 * indices into the model's input; {@code vs_uniform} is the weight times L.
 */
public final class JsonReport {
    private JsonReport() {
    }

    public static String render(ProbeReport report) {
        return write(tree(report));
    }

    /** The document of {@link #render}, to add to (e.g. an {@code explanation}). */
    public static ObjectNode tree(ProbeReport report) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("model", model(report.modelFile(), report.model(), report.result().classNames()));
        root.set("input", input(report.result().sequence()));
        root.set("prediction", prediction(report.result()));
        ObjectNode attention = root.putObject("attention");
        attention.put("uniform", 1.0 / report.result().sequence().length());
        attention.put("padding_included", report.keepPadding());
        ArrayNode heads = attention.putArray("heads");
        for (ProbeReport.HeadSection s : report.heads()) {
            ObjectNode h = heads.addObject();
            h.put("block", s.head().block());
            h.put("head", s.head().head());
            h.put("padding_share", s.paddingShare());
            ArrayNode most = h.putArray("most_attended");
            s.mostAttended().forEach(k -> most.add(key(k)));
            ArrayNode strongest = h.putArray("strongest_queries");
            for (QueryFocus q : s.strongestQueries()) {
                ObjectNode o = strongest.addObject();
                o.put("position", q.position());
                o.put("token", q.word());
                o.put("peak", q.peak());
                ArrayNode keys = o.putArray("keys");
                q.keys().forEach(k -> keys.add(key(k)));
            }
        }
        return root;
    }

    /** The document for a token file of many rows: {@code model}, and {@code rows} of {@code row, class, class_index, probabilities}. */
    public static ObjectNode batchRoot(Path modelFile, ModelSummary model, List<String> classNames) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("model", model(modelFile, model, classNames));
        root.putArray("rows");
        return root;
    }

    /** Adds one row to a {@link #batchRoot} from the model's output row {@code [outputs]}: class probabilities by the class rule. */
    public static void addRow(ObjectNode root, int row, float[] outputs, List<String> classNames) {
        float[] probabilities = ModelOutput.classProbabilities(outputs);   // [classCount]
        int best = ModelOutput.argMax(probabilities);
        ObjectNode o = ((ArrayNode) root.get("rows")).addObject();
        o.put("row", row);
        o.put("class", classNames.get(best));
        o.put("class_index", best);
        ArrayNode p = o.putArray("probabilities");
        for (float v : probabilities) {
            p.add(v);
        }
    }

    public static String write(ObjectNode root) {
        try {
            return Json.INDENTED.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode model(Path file, ModelSummary m, List<String> classNames) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("file", file.toString());
        o.put("format", m.format());
        o.put("keras_version", m.kerasVersion());
        o.put("maxlen", m.sequenceLength());
        o.put("vocab_size", m.vocabSize());
        ArrayNode blocks = o.putArray("blocks");
        for (BlockInfo b : m.blocks()) {
            ObjectNode bo = blocks.addObject();
            bo.put("layer", b.layerName());
            bo.put("attention", b.kind());
            bo.put("heads", b.heads());
            bo.put("key_dim", b.keyDim());
        }
        ArrayNode classes = o.putArray("classes");
        classNames.forEach(classes::add);
        return o;
    }

    private static ObjectNode input(TokenSequence s) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("origin", s.origin());
        o.put("length", s.length());
        o.put("real_tokens", s.realCount());
        o.put("padding", s.paddingCount());
        o.put("original_length", s.originalLength());
        o.put("cut", s.cut());
        o.put("oov_positions", s.oovCount());
        ArrayNode unknown = o.putArray("unknown_words");
        s.unknownWords().forEach(unknown::add);
        ArrayNode ids = o.putArray("token_ids");
        for (int id : s.ids()) {
            ids.add(id);
        }
        ArrayNode words = o.putArray("tokens");
        for (String w : s.words()) {
            words.add(w);
        }
        return o;
    }

    private static ObjectNode prediction(ProbeResult r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("class", r.predictedClassName());
        o.put("class_index", r.predictedClass());
        ArrayNode p = o.putArray("probabilities");
        for (float v : r.probabilities()) {
            p.add(v);
        }
        if (r.label().isPresent()) {
            o.put("true_class", r.trueClassName().orElseThrow());
            o.put("true_class_index", r.label().getAsInt());
            o.put("correct", r.label().getAsInt() == r.predictedClass());
        } else {
            o.putNull("true_class");
            o.putNull("true_class_index");
            o.putNull("correct");
        }
        return o;
    }

    private static ObjectNode key(KeyWeight k) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("position", k.position());
        o.put("token", k.word());
        o.put("weight", k.weight());
        o.put("vs_uniform", k.vsUniform());
        return o;
    }
}

package org.attentionprobe.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.io.Json;
import org.attentionprobe.probe.ProbeResult;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Explanations of several sequences: printed (text or one JSON document) or as one HTML page. */
public final class ExplanationReports {
    private ExplanationReports() {
    }

    /** Several sequences: per sequence its prediction and explanation (text), or one JSON document. */
    public static void printMany(Path modelFile, ModelSummary summary, List<ProbeResult> results, List<Explanation> explanations,
                          List<String> classNames, boolean keepPadding, boolean json, PrintWriter out) {
        if (json) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            ArrayNode sequences = null;
            for (int i = 0; i < results.size(); i++) {
                ObjectNode tree = JsonReport.tree(ProbeReport.of(modelFile, summary, results.get(i), List.of(), keepPadding));
                if (sequences == null) {
                    root.set("model", tree.get("model"));
                    sequences = root.putArray("sequences");
                }
                tree.remove("model");
                tree.remove("attention");
                tree.set("explanation", ExplanationJson.node(explanations.get(i), classNames));
                sequences.add(tree);
            }
            out.println(JsonReport.write(root));
            out.flush();
            return;
        }
        out.println(ProbeReport.modelLine(modelFile, summary));
        for (int i = 0; i < results.size(); i++) {
            ProbeResult r = results.get(i);
            Explanation e = explanations.get(i);
            out.println();
            out.printf(Locale.ROOT, "%s: predicted %s %.4f%s%n", r.sequence().origin(), classNames.get(e.predictedClass()),
                    e.classProbabilities()[e.predictedClass()],
                    r.label().isPresent() ? "; true label " + classNames.get(r.label().getAsInt()) : "");
            ExplanationText.lines(e, r.sequence().words(), classNames).forEach(out::println);
        }
        out.flush();
    }

    public static void writeHtml(Path file, Path modelFile, ModelSummary summary, List<ProbeResult> results, List<Explanation> explanations,
                          List<String> classNames) {
        List<HtmlReview> sections = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ProbeResult r = results.get(i);
            sections.add(HtmlReview.of(r.sequence().origin(), explanations.get(i), List.of(r.sequence().words()), classNames, r.label()));
        }
        Explanation first = explanations.get(0);
        List<String> about = List.of(ProbeReport.modelLine(modelFile, summary),
                "Scores explain F, the model's probability of the explained class (the predicted one unless --class chose another). "
                        + "Integrated gradients: " + first.integrated().steps() + " steps (trapezoidal rule) from the "
                        + first.integrated().baseline().label() + " baseline.");
        HtmlReport.write(file, "attention-probe: " + modelFile.getFileName(), about, sections);
    }
}

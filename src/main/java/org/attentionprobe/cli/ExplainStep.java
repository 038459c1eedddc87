package org.attentionprobe.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.explain.Attributions;
import org.attentionprobe.explain.ExplainOptions;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.io.Json;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.report.ExplanationJson;
import org.attentionprobe.report.ExplanationText;
import org.attentionprobe.report.HtmlReport;
import org.attentionprobe.report.HtmlReview;
import org.attentionprobe.report.JsonReport;
import org.attentionprobe.report.ProbeReport;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/** {@code --explain} and {@code --report}: attributions for the probed sequences, printed, as JSON, or as one HTML page. */
final class ExplainStep {
    private ExplainStep() {
    }

    /** One explanation per result, from one gradient graph (built here: it takes a few seconds). */
    static List<Explanation> explain(TransformerModel model, List<ProbeResult> results, OptionalInt explainedClass, ExplainOptions options) {
        try (Attributions attributions = Attributions.of(model)) {
            List<Explanation> out = new ArrayList<>();
            for (ProbeResult r : results) {
                out.add(attributions.explain(r.sequence().ids(), explainedClass, options));
            }
            return out;
        }
    }

    /** Several sequences: per sequence its prediction and explanation (text), or one JSON document. */
    static void printMany(Path modelFile, ModelSummary summary, List<ProbeResult> results, List<Explanation> explanations,
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

    static void writeHtml(Path file, Path modelFile, ModelSummary summary, List<ProbeResult> results, List<Explanation> explanations,
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

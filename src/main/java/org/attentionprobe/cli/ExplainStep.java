package org.attentionprobe.cli;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.explain.Attributions;
import org.attentionprobe.explain.ExplainOptions;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.probe.ProbeResult;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/** {@code --explain} and {@code --report}: attributions for the probed sequences (report.ExplanationReports prints them). */
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
}

package org.attentionprobe.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.explain.AttributionMethod;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.explain.IntegratedGradients;
import org.attentionprobe.io.Json;

import java.util.List;

/**
 * An explanation as JSON, for scripts: the explained class and F, every method's score at every one of the L
 * positions (padding included, full precision), and integrated gradients' completeness.
 */
public final class ExplanationJson {
    private ExplanationJson() {
    }

    public static ObjectNode node(Explanation e, List<String> classNames) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("class", classNames.get(e.explainedClass()));
        o.put("class_index", e.explainedClass());
        o.put("predicted_class_index", e.predictedClass());
        o.put("probability", e.probability());
        o.put("f", "the model's probability of the explained class (its post-softmax output)");
        o.put("positions", e.length());
        ArrayNode real = o.putArray("real_positions");
        for (int p : e.realPositions()) {
            real.add(p);
        }
        ObjectNode scores = o.putObject("scores");
        ObjectNode definitions = o.putObject("definitions");
        for (AttributionMethod m : e.methods()) {
            ArrayNode values = scores.putArray(m.key());
            for (double v : e.scores(m)) {
                values.add(v);
            }
            definitions.put(m.key(), m.description());
        }
        if (e.rollout() == null) {
            definitions.put(AttributionMethod.ROLLOUT.key(), "not applicable: the model's attention layers are not all residual "
                    + "self-attention blocks, which rollout assumes");
        }
        IntegratedGradients g = e.integrated();
        ObjectNode ig = o.putObject("integrated_gradients");
        ig.put("steps", g.steps());
        ig.put("rule", "trapezoid");
        ig.put("baseline", g.baseline().label());
        ig.put("f_input", g.inputValue());
        ig.put("f_baseline", g.baselineValue());
        ig.put("sum", g.sum());
        ig.put("completeness_gap", g.completenessGap());
        ig.put("relative_gap", g.relativeGap());
        return o;
    }
}

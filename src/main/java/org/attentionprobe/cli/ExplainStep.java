package org.attentionprobe.cli;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.errors.TaskFailures;
import org.attentionprobe.explain.Attributions;
import org.attentionprobe.explain.ExplainOptions;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.probe.ProbeResult;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/** {@code --explain} and {@code --report}: attributions for the probed sequences (report.ExplanationReports prints them). */
final class ExplainStep {
    private ExplainStep() {
    }

    /** Starts building the gradient graph for {@code model} on a daemon thread. */
    static CompletableFuture<Attributions> prepare(TransformerModel model) {
        return CompletableFuture.supplyAsync(() -> Attributions.of(model), task -> {
            Thread t = new Thread(task, "attributions-build");
            t.setDaemon(true);
            t.start();
        });
    }

    /**
     * Waits for a prepared gradient graph that will not be used (the run failed before explaining) and closes it: no
     * build outlives the command (building one briefly silences {@code System.out}, see {@link Attributions}).
     */
    static void discard(CompletableFuture<Attributions> prepared) {
        if (prepared != null) {
            try {
                TaskFailures.join(prepared).close();
            } catch (RuntimeException e) {
                // the command's own error is the one to report
            }
        }
    }

    /** One explanation per result, from one gradient graph ({@link #prepare}d: it takes a few tenths of a second). */
    static List<Explanation> explain(CompletableFuture<Attributions> prepared, List<ProbeResult> results, OptionalInt explainedClass,
                                     ExplainOptions options) {
        try (Attributions attributions = TaskFailures.join(prepared)) {
            List<Explanation> out = new ArrayList<>();
            for (ProbeResult r : results) {
                out.add(attributions.explain(r.sequence().ids(), explainedClass, options));
            }
            return out;
        }
    }
}

package org.attentionprobe.cli;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.bench.ProcessInfo;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.Corpus;
import org.attentionprobe.probe.CorpusRun;
import org.attentionprobe.probe.CorpusTally;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.report.CorpusReport;
import org.attentionprobe.report.JsonReport;
import org.attentionprobe.report.SummaryWriter;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A corpus run from the command line: the corpus streams through {@link CorpusRun}; each summary goes to the
 * summary file (if any) and the tally; a progress bar on stderr at a terminal; then the corpus report on stdout
 * and one line naming the summary file on stderr.
 */
final class CorpusMode {
    private CorpusMode() {
    }

    /**
     * @param modelFile the model file as named
     * @param options   batch, threads, top keys, padding, heads
     * @param summary   the summary file, or null
     */
    static void run(Path modelFile, TransformerModel model, AttentionProbe probe, Corpus corpus, CorpusRun.Options options,
                    Path summary, boolean json, PrintWriter out, PrintWriter err) {
        List<HeadRef> heads = options.heads();
        CorpusTally tally = CorpusTally.of(probe, heads);
        SummaryWriter writer = summary == null ? null
                : SummaryWriter.open(summary, new SummaryWriter.Columns(probe.classNames(), heads, options.top()));
        long start = System.nanoTime();
        long cpuStart = ProcessInfo.cpuNanos();
        try (SummaryWriter w = writer;
             Progress progress = Progress.of("probe", corpus.size(), Progress.atTerminal() && !json, System.err)) {
            CorpusRun.run(model, probe, corpus, options, s -> {
                if (w != null) {
                    w.write(s);
                }
                tally.add(s);
            }, progress::step);
            if (w != null) {
                w.commit();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = cpuStart < 0 ? -1 : (ProcessInfo.cpuNanos() - cpuStart) / 1e9;
        CorpusReport report = new CorpusReport(modelFile, model.summary(), corpus.description(), tally, new CorpusReport.Run(seconds,
                cpuSeconds, ProcessInfo.statusBytes("VmHWM"), ProcessInfo.loadAverage(), options.threads(), options.batch(), options.top(),
                summary));
        if (json) {
            out.println(JsonReport.write(report.json()));
            out.flush();
        } else {
            report.print(out);
        }
        if (writer != null) {
            err.printf(Locale.ROOT, "wrote %s: %,d %s (%s)%n", summary, writer.rows(), writer.rows() == 1 ? "row" : "rows",
                    SummaryWriter.Format.of(summary) == SummaryWriter.Format.CSV ? "CSV" : "JSON Lines");
        }
    }
}

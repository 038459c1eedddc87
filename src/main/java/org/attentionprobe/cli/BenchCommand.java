package org.attentionprobe.cli;

import org.attentionprobe.layers.Results;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.bench.Benchmark;
import org.attentionprobe.bench.Benchmark.Config;
import org.attentionprobe.bench.Benchmark.Result;
import org.attentionprobe.bench.FlopCount;
import org.attentionprobe.bench.GemmRate;
import org.attentionprobe.bench.ProcessInfo;
import org.attentionprobe.graph.BatchRunner;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.graph.NativeBackend;
import org.attentionprobe.layers.BlockInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code probe bench MODEL}: how fast this machine runs a model, probabilities and full attention for every
 * review: batch-1 latency and corpus throughput (one thread; N threads as N runners; N threads inside each
 * op), the model's FLOPs per review and the fraction of this machine's measured sgemm rate they reach.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Measures batch-1 latency and corpus throughput (probabilities and every block's attention for every review) "
                + "after a warm-up, as the median of several runs, with the model's FLOPs per review and the fraction of this "
                + "machine's sgemm rate they reach. Wall-clock numbers: run it on a quiet machine (the load is printed)."})
public final class BenchCommand implements Callable<Integer> {
    private static final int GEMM_SIZE = 1024;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "the Keras model (.h5 or .keras)")
    Path model;

    @Option(names = "--threads", paramLabel = "N", description = "threads for the corpus path (default: the CPUs available, ${DEFAULT-VALUE})")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--batch", paramLabel = "N", description = "reviews per batch on the corpus path (default: ${DEFAULT-VALUE})")
    int batch = BatchRunner.DEFAULT_BATCH;

    @Option(names = "--seconds", paramLabel = "S", description = "timed seconds per configuration, after its warm-up (default: ${DEFAULT-VALUE})")
    double seconds = 3;

    @Option(names = "--runs", paramLabel = "R", description = "timed runs per configuration, the median is reported (default: ${DEFAULT-VALUE})")
    int runs = 5;

    @Option(names = "--warm-up", paramLabel = "S", description = "untimed seconds before each configuration (default: ${DEFAULT-VALUE})")
    double warmUp = Benchmark.WARM_UP_SECONDS;

    @Option(names = "--sweep", paramLabel = "B", split = ",",
            description = "also measure the corpus path at these batch sizes (e.g. 1,4,16,32,64), on 1 thread and on N runners")
    List<Integer> sweep = List.of();

    @Option(names = "--profile", description = "also print where one thread's CPU time goes, op by op, at the corpus batch size")
    boolean profile;

    @Override
    public Integer call() throws Exception {
        requireAtLeast(1, threads, "--threads");
        requireAtLeast(1, batch, "--batch");
        requireAtLeast(5, runs, "--runs"); // Benchmark reports a median with its spread
        for (int b : sweep) {
            requireAtLeast(1, b, "--sweep batch sizes");
        }
        if (!(seconds > 0)) {
            throw new ParameterException(spec.commandLine(), "--seconds must be more than 0, got " + seconds);
        }
        if (!(warmUp >= 0)) {
            throw new ParameterException(spec.commandLine(), "--warm-up must be 0 or more seconds, got " + warmUp);
        }
        PrintWriter out = spec.commandLine().getOut();
        String loadBefore = ProcessInfo.loadAverage();
        try (TransformerModel m = TransformerModel.open(model)) {
            ModelSummary s = m.summary();
            FlopCount flops = FlopCount.of(s);
            out.printf("model     %s: %s%n", model.getFileName(), describe(s));
            out.printf("machine   %s, %d CPUs; load %s (1, 5, 15 min) at start%n", ProcessInfo.cpuModel(),
                    Runtime.getRuntime().availableProcessors(), loadBefore);
            out.printf("natives   nd4j-native %s build%n", NativeBackend.extension().isEmpty() ? "plain" : NativeBackend.extension().substring(1));
            out.printf("FLOPs     %.2f M per review, matrix products only: %s%n", flops.total() / 1e6,
                    flops.parts().entrySet().stream().map(e -> String.format("%s %.2f M", e.getKey(), e.getValue() / 1e6))
                            .collect(Collectors.joining(", ")));

            List<Integer> threadCounts = threads == 1 ? List.of(1) : List.of(1, threads);
            Map<Integer, Double> gemm = new java.util.LinkedHashMap<>();
            for (int t : threadCounts) {
                NativeBackend.setOpThreads(t);
                gemm.put(t, GemmRate.measure(GEMM_SIZE, 7));
            }
            out.printf("sgemm     %d×%d float, median of 7: %s%n", GEMM_SIZE, GEMM_SIZE, gemm.entrySet().stream()
                    .map(e -> String.format("%d thread%s %.1f GFLOP/s", e.getKey(), e.getKey() == 1 ? "" : "s", e.getValue() / 1e9))
                    .collect(Collectors.joining(", ")));
            out.println();

            Benchmark bench = new Benchmark(m, seconds, runs, warmUp);
            out.printf("%-34s %6s %8s %10s %30s %8s %9s %14s %9s%n", "configuration", "batch", "threads", "ms/review",
                    "reviews/s (median; range)", "GFLOP/s", "of sgemm", "CPU ms/review", "resident");
            List<Config> configs = new ArrayList<>();
            configs.add(new Config("batch 1 (latency)", 1, 1, 1));
            if (threads > 1) {
                configs.add(new Config("batch 1, threads inside ops", 1, 1, threads));
            }
            configs.add(new Config("corpus, 1 thread", batch, 1, 1));
            if (threads > 1) {
                configs.add(new Config("corpus, " + threads + " runners (data parallel)", batch, threads, 1));
                configs.add(new Config("corpus, threads inside ops", batch, 1, threads));
            }
            for (int b : sweep) {
                configs.add(new Config("sweep, 1 thread", b, 1, 1));
                if (threads > 1) {
                    configs.add(new Config("sweep, " + threads + " runners", b, threads, 1));
                }
            }
            long runnerBytes = 0;
            for (Config c : configs) {
                Result r = bench.measure(c);
                runnerBytes = Math.max(runnerBytes, r.runnerBytes());
                double rate = r.median() * flops.total();
                double sgemm = gemm.getOrDefault(c.threads(), gemm.get(threadCounts.get(threadCounts.size() - 1)));
                out.printf("%-34s %6d %8s %10.3f %30s %8.1f %8.0f%% %14.3f %9s%n", c.name(), c.batch(), c.runners() + "×" + c.opThreads(),
                        r.msPerReview(), String.format("%,.0f (%,.0f–%,.0f)", r.median(), r.min(), r.max()),
                        rate / 1e9, 100 * rate / sgemm, r.cpuMsPerReview(), mb(r.residentBytes()));
                out.flush();
            }
            if (profile) {
                printProfile(out, m);
            }
            out.println();
            out.printf("threads   runners × op threads; ms/review = 1000 / (reviews/s): per-review wall time at that throughput;%n");
            out.printf("          CPU ms/review: the process's CPU time (all threads) per review, which other work on the machine%n");
            out.printf("          disturbs less than wall time; resident: the process's resident size after that configuration%n");
            out.printf("memory    resident %s now, peak %s; largest runner set's own arrays %s%n",
                    mb(ProcessInfo.statusBytes("VmRSS")), mb(ProcessInfo.statusBytes("VmHWM")), mb(runnerBytes));
            out.printf("load      %s (1, 5, 15 min) at end%s%n", ProcessInfo.loadAverage(),
                    ProcessInfo.load1() > 0.3 ? ": other work was running, timings are noisy" : "");
        }
        return Main.OK;
    }

    /** Each op's share of one thread's CPU time at the corpus batch size, largest first. */
    private void printProfile(PrintWriter out, TransformerModel m) {
        NativeBackend.setOpThreads(1);
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        var tokens = org.attentionprobe.bench.Benchmark.syntheticCorpus(batch, m.summary().sequenceLength(), m.summary().vocabSize(), 7);
        try (BatchRunner runner = m.graph().runner(runnerOutputs(m))) {
            runner.profile(tokens, 20, mx::getCurrentThreadCpuTime); // warm-up
            List<BatchRunner.OpTime> ops = new ArrayList<>(runner.profile(tokens, 50, mx::getCurrentThreadCpuTime));
            double total = ops.stream().mapToLong(BatchRunner.OpTime::nanos).sum();
            out.println();
            out.printf("profile   batch %d, 1 thread, CPU time of each op over 50 runs: %.3f ms per review in %d ops%n", batch,
                    total / 50 / batch / 1e6, ops.size());
            ops.sort((a, b) -> Long.compare(b.nanos(), a.nanos()));
            for (BatchRunner.OpTime op : ops.subList(0, Math.min(15, ops.size()))) {
                out.printf("  %5.1f%%  %8.3f ms/batch  #%-3d %s%n", 100 * op.nanos() / total, op.nanos() / 50 / 1e6, op.index(), op.op());
            }
        }
    }

    private static List<String> runnerOutputs(TransformerModel m) {
        List<String> names = new ArrayList<>();
        names.add(Results.PROBABILITIES);
        names.addAll(m.graph().attentionNames());
        return names;
    }

    /** A one-line usage error naming the option, the least it accepts and the value given. */
    private void requireAtLeast(int least, int v, String option) {
        if (v < least) {
            throw new ParameterException(spec.commandLine(), option + " must be at least " + least + ", got " + v);
        }
    }

    private static String describe(ModelSummary s) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("vocab %d, L %d, E %d; ", s.vocabSize(), s.sequenceLength(), s.embedDim()));
        List<String> blocks = new ArrayList<>();
        for (BlockInfo info : s.blocks()) {
            blocks.add(String.format("%d heads, key_dim %d, ff %d", info.heads(), info.keyDim(), info.ffDim()));
        }
        b.append(s.blocks().size()).append(s.blocks().size() == 1 ? " block (" : " blocks (").append(String.join("; ", blocks)).append("); ");
        b.append(s.classCount()).append(" classes; ").append(String.format("%,d", s.parameters())).append(" parameters");
        return b.toString();
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "unknown" : String.format("%.0f MB", bytes / 1e6);
    }
}

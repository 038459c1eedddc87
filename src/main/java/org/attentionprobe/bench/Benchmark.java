package org.attentionprobe.bench;

import org.attentionprobe.TransformerModel;

/**
 * The measurements of {@code probe bench}: each configuration warmed up, then timed in {@code runs} runs
 * whose median is reported with its spread.
 *
 * @param seconds       time per configuration, split evenly over the runs
 * @param runs          timed runs per configuration (at least 5)
 * @param warmUpSeconds untimed run before them
 */
public record Benchmark(TransformerModel model, double seconds, int runs, double warmUpSeconds) {
    /** Warm-up per configuration by default: the JIT compiler is still busy for seconds (batch 1 runs 2x slower after 2 s). */
    public static final double WARM_UP_SECONDS = 5;

    /** One configuration: {@code runners} threads with their own runner, each op on {@code opThreads} threads. */
    public record Config(String name, int batch, int runners, int opThreads) {
        public int threads() {
            return runners * opThreads;
        }
    }

    /**
     * What one configuration measured: reviews per second, median and range over the runs; the process's CPU
     * time per review (all threads, median over the runs); the bytes its runners hold; the process's resident
     * size at the end of its runs.
     */
    public record Result(Config config, double median, double min, double max, double cpuMsPerReview, long runnerBytes,
                         long residentBytes) {
        public double msPerReview() {
            return 1000.0 / median;
        }
    }

    public Benchmark {
        if (runs < 5) {
            throw new IllegalArgumentException("at least 5 timed runs, got " + runs);
        }
    }

    /** A corpus of random token ids in [1, vocab), int32 {@code [reviews, length]}: the work does not depend on the values. */
    public static org.nd4j.linalg.api.ndarray.INDArray syntheticCorpus(int reviews, int length, long vocab, long seed) {
        return Throughput.syntheticCorpus(reviews, length, vocab, seed);
    }

    public Result measure(Config config) throws Exception {
        double perRun = seconds / runs;
        try (Throughput t = new Throughput(model, config.batch(), config.runners(), config.opThreads(), 42)) {
            t.run(warmUpSeconds); // plans compiled, JIT (C2 keeps compiling for seconds), caches
            double[] rates = new double[runs];
            double[] cpu = new double[runs];
            for (int r = 0; r < runs; r++) {
                Throughput.Run run = t.run(perRun);
                rates[r] = run.reviewsPerSecond();
                cpu[r] = run.cpuSecondsPerReview() * 1000;
            }
            return new Result(config, Stats.median(rates), Stats.min(rates), Stats.max(rates), Stats.median(cpu),
                    t.runnerBytes(), ProcessInfo.statusBytes("VmRSS"));
        }
    }
}

package org.attentionprobe.bench;

import org.attentionprobe.ModelOutput;
import org.attentionprobe.ModelRunner;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.NativeBackend;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Times the corpus path: {@code runners} threads, each with its own {@link ModelRunner}, take batches of a
 * synthetic corpus in turn until a deadline. ND4J's op threads are set to {@code opThreads} for the
 * measurement (process-wide). Every result is read: each review's probabilities and one attention weight
 * per head (a real consumer, writing attention to disk say, adds its own cost on top).
 */
final class Throughput implements AutoCloseable {
    private final TransformerModel model;
    private final int runners;
    private final int opThreads;
    private final List<INDArray> batches = new ArrayList<>();
    private final ExecutorService pool;
    private final List<ModelRunner> open = new ArrayList<>();
    private final ThreadLocal<ModelRunner> runner;
    private final AtomicLong next = new AtomicLong();
    private final DoubleAdder sink = new DoubleAdder();

    Throughput(TransformerModel model, int batch, int runners, int opThreads, long seed) {
        this.model = model;
        this.runners = runners;
        this.opThreads = opThreads;
        int length = model.summary().sequenceLength();
        long vocab = model.summary().vocabSize();
        int reviews = Math.max(256, batch * runners * 4);
        INDArray corpus = syntheticCorpus(reviews, length, vocab, seed);
        for (int start = 0; start + batch <= reviews; start += batch) {
            batches.add(corpus.get(NDArrayIndex.interval(start, start + batch), NDArrayIndex.all()).dup('c'));
        }
        this.pool = Executors.newFixedThreadPool(runners, r -> {
            Thread t = new Thread(r, "bench-runner");
            t.setDaemon(true);
            return t;
        });
        this.runner = ThreadLocal.withInitial(() -> {
            ModelRunner m = model.newRunner();
            synchronized (open) {
                open.add(m);
            }
            return m;
        });
    }

    /** Random ids in [1, vocab): the work does not depend on the values. */
    public static INDArray syntheticCorpus(int reviews, int length, long vocab, long seed) {
        Random random = new Random(seed);
        int[][] ids = new int[reviews][length];
        for (int[] row : ids) {
            for (int i = 0; i < length; i++) {
                row[i] = 1 + random.nextInt((int) Math.max(1, vocab - 1));
            }
        }
        return Nd4j.createFromArray(ids).castTo(DataType.INT32);
    }

    /** One timed run: reviews per second of wall time, and the process's CPU time per review. */
    record Run(double reviewsPerSecond, double cpuSecondsPerReview) {
    }

    /** Runs for {@code seconds}. */
    Run run(double seconds) throws Exception {
        NativeBackend.setOpThreads(opThreads);
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        List<Future<long[]>> work = new ArrayList<>();
        for (int t = 0; t < runners; t++) {
            work.add(pool.submit(() -> work(deadline)));
        }
        long reviews = 0;
        long end = start;
        for (Future<long[]> f : work) {
            long[] r = f.get();
            reviews += r[0];
            end = Math.max(end, r[1]);
        }
        long cpu = processCpuNanos() - cpu0;
        return new Run(reviews / ((end - start) / 1e9), cpu / 1e9 / Math.max(1, reviews));
    }

    /** CPU time of every thread of this process (-1 if unknown): what a busy machine disturbs less than wall time. */
    private static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    private long[] work(long deadline) {
        NativeBackend.setOpThreads(opThreads); // OpenMP's count is per thread
        ModelRunner mine = runner.get();
        long reviews = 0;
        double local = 0;
        while (System.nanoTime() < deadline) {
            INDArray batch = batches.get((int) (next.getAndIncrement() % batches.size()));
            ModelOutput out = mine.run(batch);
            local += consume(out);
            reviews += batch.size(0);
        }
        sink.add(local);
        return new long[]{reviews, System.nanoTime()};
    }

    private static double consume(ModelOutput out) {
        double s = out.probabilities().sumNumber().doubleValue();
        for (INDArray a : out.attention()) {
            long rows = a.size(0);
            for (long r = 0; r < rows; r++) {
                for (long h = 0; h < a.size(1); h++) {
                    s += a.getDouble(r, h, 0, 0);
                }
            }
        }
        return s;
    }

    /** Bytes the runners hold for their batches. */
    long runnerBytes() {
        synchronized (open) {
            return open.stream().mapToLong(ModelRunner::bytes).sum();
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        synchronized (open) {
            open.forEach(ModelRunner::close);
            open.clear();
        }
    }
}

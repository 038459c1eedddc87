package org.attentionprobe.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.NativeBackend;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ONNX Runtime Java against probe's fast path on the same model, in one process, configuration by
 * configuration (each engine warmed up, then the median of the runs): what a JVM user would otherwise use.
 * Both produce probabilities and the full attention for every review, into preallocated buffers, and both
 * consumers read the probabilities and one attention weight per head per review.
 *
 * <pre>bench/compare-onnx/run.sh  (exports the ONNX file, builds with -Pcompare-onnx, runs this)</pre>
 */
public final class OnnxCompare {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final Path onnx;
    private final INDArray corpus;     // int32 [N, L]
    private final int length;
    private final double seconds;
    private final int runs;

    private OnnxCompare(Path onnx, INDArray corpus, double seconds, int runs) {
        this.onnx = onnx;
        this.corpus = corpus;
        this.length = (int) corpus.size(1);
        this.seconds = seconds;
        this.runs = runs;
    }

    public static void main(String[] args) throws Exception {
        Path onnx = Path.of(args[0]);
        Path h5 = Path.of(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : org.attentionprobe.graph.BatchRunner.DEFAULT_BATCH;
        double seconds = args.length > 4 ? Double.parseDouble(args[4]) : 3;
        NativeBackend.select();
        try (TransformerModel model = TransformerModel.open(h5)) {
            INDArray corpus = Throughput.syntheticCorpus(Math.max(256, batch * threads * 4), model.summary().sequenceLength(),
                    model.summary().vocabSize(), 42);
            OnnxCompare c = new OnnxCompare(onnx, corpus, seconds, 5);
            System.out.printf("machine %s, %d CPUs, load %s; ONNX Runtime %s; probe with nd4j-native %s%n",
                    ProcessInfo.cpuModel(), Runtime.getRuntime().availableProcessors(), ProcessInfo.loadAverage(),
                    OrtEnvironment.getEnvironment().getVersion(), NativeBackend.extension().isEmpty() ? "plain" : NativeBackend.extension());
            c.checkSameResults(model, batch);
            Benchmark probe = new Benchmark(model, seconds, 5, Benchmark.WARM_UP_SECONDS);
            System.out.printf("%-44s %6s %8s %10s %28s%n", "configuration", "batch", "threads", "ms/review", "reviews/s (median; range)");
            c.row("ONNX Runtime, batch 1", c.ort(1, 1, 1));
            c.row("probe, batch 1", probe.measure(new Benchmark.Config("", 1, 1, 1)));
            c.row("ONNX Runtime, 1 thread", c.ort(batch, 1, 1));
            c.row("probe, 1 thread", probe.measure(new Benchmark.Config("", batch, 1, 1)));
            if (threads > 1) {
                c.row("ONNX Runtime, " + threads + " intra-op threads", c.ort(batch, 1, threads));
                c.row("ONNX Runtime, " + threads + " callers × 1 thread, one session", c.ort(batch, threads, 1));
                c.row("probe, " + threads + " runners × 1 thread", probe.measure(new Benchmark.Config("", batch, threads, 1)));
                c.row("probe, 1 runner × " + threads + " op threads", probe.measure(new Benchmark.Config("", batch, 1, threads)));
            }
            System.out.printf("memory: resident %.0f MB, peak %.0f MB (both engines in this process); load %s at end%n",
                    ProcessInfo.statusBytes("VmRSS") / 1e6, ProcessInfo.statusBytes("VmHWM") / 1e6, ProcessInfo.loadAverage());
        }
    }

    private void row(String name, Benchmark.Result r) {
        Benchmark.Config c = r.config();
        System.out.printf("%-44s %6d %8s %10.3f %28s%n", name, c.batch(), c.runners() + "×" + c.opThreads(), r.msPerReview(),
                String.format("%,.0f (%,.0f–%,.0f)", r.median(), r.min(), r.max()));
        System.out.flush();
    }

    /** The ONNX export against probe on one batch: both must agree within Keras's tolerances. */
    private void checkSameResults(TransformerModel model, int batch) throws OrtException {
        INDArray x = corpus.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
        var ours = model.run(x);
        try (OrtSession session = session(1); OrtBatch b = new OrtBatch(session, x)) {
            b.run();
            float[] p = ours.probabilities().dup('c').data().asFloat();
            float[] a = ours.attention(0).dup('c').data().asFloat();
            double dp = maxDiff(p, b.probabilities);
            double da = maxDiff(a, b.attention);
            System.out.printf("same results: max |probe - ONNX Runtime| probabilities %.1e, attention %.1e on %d reviews%n", dp, da, batch);
            if (dp > 1e-5 || da > 1e-5) {
                throw new IllegalStateException("ONNX Runtime and probe disagree: the export is not the same model");
            }
        }
    }

    private static double maxDiff(float[] a, FloatBuffer b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b.get(i)));
        }
        return m;
    }

    private OrtSession session(int intraThreads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(intraThreads);
        o.setInterOpNumThreads(1);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return env.createSession(onnx.toString(), o);
    }

    /** {@code callers} threads share one session with {@code intraThreads} threads, each with its own buffers. */
    private Benchmark.Result ort(int batch, int callers, int intraThreads) throws Exception {
        try (OrtSession session = session(intraThreads)) {
            List<List<OrtBatch>> perCaller = new ArrayList<>();
            for (int t = 0; t < callers; t++) {
                List<OrtBatch> mine = new ArrayList<>();
                for (int start = 0; start + batch <= corpus.size(0); start += batch) {
                    mine.add(new OrtBatch(session, corpus.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + batch),
                            org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c')));
                }
                perCaller.add(mine);
            }
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                timed(pool, perCaller, Benchmark.WARM_UP_SECONDS);
                double[] rates = new double[runs];
                for (int r = 0; r < runs; r++) {
                    rates[r] = timed(pool, perCaller, seconds / runs);
                }
                return new Benchmark.Result(new Benchmark.Config("", batch, callers, intraThreads),
                        Stats.median(rates), Stats.min(rates), Stats.max(rates), Double.NaN, 0, ProcessInfo.statusBytes("VmRSS"));
            } finally {
                pool.shutdownNow();
                for (List<OrtBatch> l : perCaller) {
                    for (OrtBatch b : l) {
                        b.close();
                    }
                }
            }
        }
    }

    private static double timed(ExecutorService pool, List<List<OrtBatch>> perCaller, double seconds) throws Exception {
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        List<Future<long[]>> work = new ArrayList<>();
        for (List<OrtBatch> mine : perCaller) {
            work.add(pool.submit(() -> {
                long reviews = 0;
                AtomicLong i = new AtomicLong();
                double sink = 0;
                while (System.nanoTime() < deadline) {
                    OrtBatch b = mine.get((int) (i.getAndIncrement() % mine.size()));
                    b.run();
                    sink += b.consume();
                    reviews += b.rows;
                }
                return new long[]{reviews, System.nanoTime(), (long) sink};
            }));
        }
        long reviews = 0;
        long end = start;
        for (Future<long[]> f : work) {
            long[] r = f.get();
            reviews += r[0];
            end = Math.max(end, r[1]);
        }
        return reviews / ((end - start) / 1e9);
    }

    /** One batch's input and output tensors over direct buffers: ONNX Runtime writes the outputs in place. */
    private final class OrtBatch implements AutoCloseable {
        final OrtSession session;
        final int rows;
        final int heads;
        final OnnxTensor tokens;
        final FloatBuffer probabilities;
        final FloatBuffer attention;
        final OnnxTensor probabilitiesTensor;
        final OnnxTensor attentionTensor;

        OrtBatch(OrtSession session, INDArray ids) throws OrtException {
            this.session = session;
            this.rows = (int) ids.size(0);
            int[] flat = ids.data().asInt();
            LongBuffer in = direct(flat.length * 8L).asLongBuffer();
            for (int v : flat) {
                in.put(v);
            }
            in.rewind();
            tokens = OnnxTensor.createTensor(env, in, new long[]{rows, length});
            long[] attentionShape = ((ai.onnxruntime.TensorInfo) session.getOutputInfo().get("attention").getInfo()).getShape();
            heads = (int) attentionShape[1];
            long classes = ((ai.onnxruntime.TensorInfo) session.getOutputInfo().get("probabilities").getInfo()).getShape()[1];
            probabilities = direct(rows * classes * 4).asFloatBuffer();
            attention = direct((long) rows * heads * length * length * 4).asFloatBuffer();
            probabilitiesTensor = OnnxTensor.createTensor(env, probabilities, new long[]{rows, classes});
            attentionTensor = OnnxTensor.createTensor(env, attention, new long[]{rows, heads, length, length});
        }

        void run() throws OrtException {
            session.run(Map.of("tokens", tokens), Map.of("probabilities", probabilitiesTensor, "attention", attentionTensor)).close();
        }

        double consume() {
            double s = 0;
            for (int i = 0; i < probabilities.capacity(); i++) {
                s += probabilities.get(i);
            }
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < heads; h++) {
                    s += attention.get((r * heads + h) * length * length);
                }
            }
            return s;
        }

        @Override
        public void close() {
            tokens.close();
            probabilitiesTensor.close();
            attentionTensor.close();
        }
    }

    private static ByteBuffer direct(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }
}

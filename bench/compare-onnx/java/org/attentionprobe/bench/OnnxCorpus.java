package org.attentionprobe.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.attentionprobe.io.Npy;

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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The corpus anchor: ONNX Runtime Java in-process over a token file, {@code callers} threads of one intra-op thread
 * sharing one session, batch by batch into preallocated output buffers (probabilities and full attention), after a
 * warm-up pass; prints reviews per second over {@code passes} timed passes (the median), not counting the session's
 * start. What a JVM user who does not need the per-review summary would run.
 *
 * <pre>java -cp ... org.attentionprobe.bench.OnnxCorpus MODEL.onnx TOKENS.npy CALLERS BATCH PASSES</pre>
 */
public final class OnnxCorpus {
    private OnnxCorpus() {
    }

    public static void main(String[] args) throws Exception {
        int[][] rows = Npy.read(Path.of(args[1])).toIntMatrix();
        int callers = Integer.parseInt(args[2]);
        int batch = Integer.parseInt(args[3]);
        int passes = Integer.parseInt(args[4]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        try (OrtSession session = env.createSession(args[0], options)) {
            long[] attentionShape = ((ai.onnxruntime.TensorInfo) session.getOutputInfo().get("attention").getInfo()).getShape();
            long classes = ((ai.onnxruntime.TensorInfo) session.getOutputInfo().get("probabilities").getInfo()).getShape()[1];
            int length = rows[0].length;
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            double[] rates = new double[passes];
            for (int pass = -1; pass < passes; pass++) {   // pass -1 warms up
                AtomicInteger next = new AtomicInteger();
                long start = System.nanoTime();
                List<Future<Double>> work = new ArrayList<>();
                for (int c = 0; c < callers; c++) {
                    work.add(pool.submit(() -> {
                        LongBuffer in = direct((long) batch * length * 8).asLongBuffer();
                        FloatBuffer p = direct(batch * classes * 4).asFloatBuffer();
                        FloatBuffer a = direct(batch * attentionShape[1] * length * length * 4).asFloatBuffer();
                        double sink = 0;
                        for (int from; (from = next.getAndAdd(batch)) < rows.length; ) {
                            int n = Math.min(batch, rows.length - from);
                            in.clear();
                            for (int r = 0; r < n; r++) {
                                for (int v : rows[from + r]) {
                                    in.put(v);
                                }
                            }
                            in.rewind();
                            try (OnnxTensor t = OnnxTensor.createTensor(env, in.limit(n * length), new long[]{n, length});
                                 OnnxTensor pt = OnnxTensor.createTensor(env, p.limit((int) (n * classes)), new long[]{n, classes});
                                 OnnxTensor at = OnnxTensor.createTensor(env, a.limit((int) (n * attentionShape[1] * length * length)),
                                         new long[]{n, attentionShape[1], length, length})) {
                                session.run(Map.of("tokens", t), Map.of("probabilities", pt, "attention", at)).close();
                            }
                            sink += p.get(0) + a.get(0);
                        }
                        return sink;
                    }));
                }
                for (Future<Double> f : work) {
                    f.get();
                }
                if (pass >= 0) {
                    rates[pass] = rows.length / ((System.nanoTime() - start) / 1e9);
                }
            }
            pool.shutdown();
            java.util.Arrays.sort(rates);
            System.out.printf("reviews/s %.0f (median of %d passes over %d rows; range %.0f-%.0f)%n", rates[passes / 2], passes,
                    rows.length, rates[0], rates[passes - 1]);
        }
    }

    private static ByteBuffer direct(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }
}

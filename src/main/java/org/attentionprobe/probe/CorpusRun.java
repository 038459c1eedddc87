package org.attentionprobe.probe;

import org.attentionprobe.errors.TaskFailures;
import org.attentionprobe.data.ProbeInput;
import org.attentionprobe.ModelOutput;
import org.attentionprobe.ModelRunner;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.graph.BatchRunner;
import org.attentionprobe.graph.NativeBackend;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Probes a whole corpus without holding its attention: batches go to {@code threads} workers, each with its
 * own {@link ModelRunner} and one op thread (data parallelism beats threads inside each op, README "Speed").
 * A worker turns its batch's attention {@code [B, H, L, L]} into one {@link ReviewSummary} per sequence before
 * the runner's next run overwrites it, reading the weights and logits where the runner left them
 * ({@link NativeHeadSums}: OpenBLAS sums, no copies); the summaries reach the caller's thread in corpus order.
 *
 * <p>Memory: per worker one runner (its arrays for one batch, 0.8 MB per row for the keras.io model); at most
 * {@code 2 × threads} batches of summaries wait for the caller.
 *
 * <pre>{@code
 * CorpusRun.Options options = CorpusRun.Options.defaults(HeadRef.select(model.summary(), null, null));
 * CorpusRun.run(model, probe, Corpus.all(data.reviews()), options, summary -> writer.write(summary), done -> {});
 * }</pre>
 */
public final class CorpusRun {
    /** Keys listed per head in a summary unless asked otherwise. */
    public static final int DEFAULT_TOP = 5;

    /**
     * How to run.
     *
     * @param batch       sequences per model run
     * @param threads     workers, each with its own runner and one op thread
     * @param top         keys per head in each summary
     * @param keepPadding whether padding positions count as keys and queries for the top keys (never for the entropy)
     * @param heads       the heads to summarise
     */
    public record Options(int batch, int threads, int top, boolean keepPadding, List<HeadRef> heads) {
        public Options {
            if (batch < 1 || threads < 1 || top < 1) {
                throw new IllegalArgumentException("batch, threads and top must be at least 1, got " + batch + ", " + threads + ", " + top);
            }
            heads = List.copyOf(heads);
        }

        /** Batch {@link BatchRunner#DEFAULT_BATCH}, one worker per CPU, the top {@value #DEFAULT_TOP} keys, real tokens only. */
        public static Options defaults(List<HeadRef> heads) {
            return new Options(BatchRunner.DEFAULT_BATCH, Runtime.getRuntime().availableProcessors(), DEFAULT_TOP, false, heads);
        }

        public Options withBatch(int b) {
            return new Options(b, threads, top, keepPadding, heads);
        }

        public Options withThreads(int t) {
            return new Options(batch, t, top, keepPadding, heads);
        }

        public Options withTop(int k) {
            return new Options(batch, threads, k, keepPadding, heads);
        }

        public Options withKeepPadding(boolean keep) {
            return new Options(batch, threads, top, keep, heads);
        }
    }

    private final TransformerModel model;
    private final AttentionProbe probe;
    private final Corpus corpus;
    private final Options options;
    private final List<Worker> workers = new ArrayList<>();   // guarded by itself
    private final ThreadLocal<Worker> worker = ThreadLocal.withInitial(this::newWorker);

    private CorpusRun(TransformerModel model, AttentionProbe probe, Corpus corpus, Options options) {
        this.model = model;
        this.probe = probe;
        this.corpus = corpus;
        this.options = options;
    }

    /**
     * Summarises every sequence of {@code corpus}, handing each summary to {@code sink} in corpus order on this
     * thread, and the number of sequences done to {@code progress} after each batch. The first error of a worker
     * stops the run and is thrown here.
     *
     * <p>Process-wide effect: while the run lasts, nd4j's op threads are set to 1 (its workers run in parallel
     * instead), so other nd4j work in the process runs on one thread meanwhile; the settings are put back at the end.
     */
    public static void run(TransformerModel model, AttentionProbe probe, Corpus corpus, Options options,
                           Consumer<ReviewSummary> sink, IntConsumer progress) {
        new CorpusRun(model, probe, corpus, options).run(sink, progress);
    }

    private void run(Consumer<ReviewSummary> sink, IntConsumer progress) {
        NativeBackend.OpThreads before = NativeBackend.OpThreads.current();   // the workers set 1 op thread each
        try {
            runPool(sink, progress);
        } finally {
            before.restore();
        }
    }

    private void runPool(Consumer<ReviewSummary> sink, IntConsumer progress) {
        AtomicInteger names = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "corpus-worker-" + names.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        Deque<Future<List<ReviewSummary>>> inFlight = new ArrayDeque<>();
        int maxInFlight = 2 * options.threads();
        try {
            int next = 0;
            while (next < corpus.size() || !inFlight.isEmpty()) {
                while (inFlight.size() < maxInFlight && next < corpus.size()) {
                    int from = next;
                    int to = Math.min(corpus.size(), from + options.batch());
                    inFlight.add(pool.submit(() -> worker.get().summarise(from, to)));
                    next = to;
                }
                List<ReviewSummary> done = await(inFlight.removeFirst());
                done.forEach(sink);
                progress.accept(done.size());
            }
        } finally {
            inFlight.forEach(f -> f.cancel(false));
            pool.shutdown();
            awaitTermination(pool);
            synchronized (workers) {
                workers.forEach(Worker::close);   // after the workers stopped: a runner is not closed under a run
                workers.clear();
            }
        }
    }

    private static List<ReviewSummary> await(Future<List<ReviewSummary>> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw TaskFailures.rethrow(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing the corpus", e);
        }
    }

    private static void awaitTermination(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;   // wait anyway: the runners may be closed only once no batch runs
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private Worker newWorker() {
        NativeBackend.setOpThreads(1);   // one op thread per runner; run() puts the process-wide settings back
        Worker w = new Worker(model.newRunnerWithLogits(), model.summary().sequenceLength());
        synchronized (workers) {
            workers.add(w);
        }
        return w;
    }

    /** One worker thread's runner, and what takes a summary's sums where the runner leaves the attention. */
    private final class Worker {
        private final ModelRunner runner;
        private final NativeHeadSums sums;
        private final long square;   // L * L, one head of one sequence

        Worker(ModelRunner runner, int length) {
            this.runner = runner;
            this.sums = new NativeHeadSums(length);
            this.square = (long) length * length;
        }

        void close() {
            runner.close();
            sums.close();
        }

        /** Runs sequences {@code [from, to)} of the corpus and summarises each; the attention stays in the runner. */
        List<ReviewSummary> summarise(int from, int to) {
            List<ProbeInput> inputs = corpus.inputs(from, to);
            List<TokenSequence> sequences = new ArrayList<>(inputs.size());
            int[][] ids = new int[inputs.size()][];   // [B][L]
            for (int r = 0; r < inputs.size(); r++) {
                sequences.add(probe.fit(inputs.get(r)));
                ids[r] = sequences.get(r).ids();
            }
            ModelOutput out = runner.run(Nd4j.createFromArray(ids));
            List<Floats> attention = new ArrayList<>();   // per block [B, H, L, L], c order
            for (INDArray a : out.attention()) {
                attention.add(Floats.of(a));
            }
            List<Floats> logits = new ArrayList<>();      // likewise
            for (INDArray s : out.logits()) {
                logits.add(Floats.of(s));
            }
            float[][] outputs = out.probabilities().toFloatMatrix();   // [B, outputs], one copy for the batch
            List<ReviewSummary> summaries = new ArrayList<>(inputs.size());
            for (int r = 0; r < inputs.size(); r++) {
                TokenSequence sequence = sequences.get(r);
                List<ReviewSummary.HeadSummary> heads = new ArrayList<>(options.heads().size());
                int[] shown = sequence.positions(options.keepPadding());   // the query rows whose weights count as received
                sums.shownRows(shown);
                for (HeadRef h : options.heads()) {
                    long head = (r * out.attention(h.block()).size(1) + h.head()) * square;   // where the head's [L, L] starts
                    Floats a = attention.get(h.block());
                    Floats s = logits.get(h.block());
                    double[] received = sums.received(a.pointer(), head);
                    double entropy = sums.entropy(a.pointer(), a.buffer(), s.pointer(), s.buffer(), head, sequence.real());
                    heads.add(ReviewSummary.HeadSummary.of(h, received, entropy, sequence, shown, options.top()));
                }
                ProbeInput input = inputs.get(r);
                summaries.add(new ReviewSummary(corpus.id(from + r), input.origin(), input.label(), ModelOutput.classProbabilities(outputs[r]),
                        sequence.realCount(), heads));
            }
            return summaries;
        }
    }

    /**
     * One result array of a batch as OpenBLAS and Java read it: a pointer to move over it and a buffer on it, with
     * the array they point into ({@code array}), which holds its native memory: a copy made here would otherwise be
     * freed by the garbage collector while its pointer is read.
     */
    private record Floats(INDArray array, FloatPointer pointer, FloatBuffer buffer) {
        static Floats of(INDArray a) {
            INDArray plain = plainFloats(a);
            return new Floats(plain, new FloatPointer(plain.data().addressPointer()), plain.data().asNioFloat());
        }
    }

    /** The array itself when its buffer holds exactly it, float, in c order; otherwise such a copy. */
    private static INDArray plainFloats(INDArray a) {
        boolean plain = a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.offset() == 0 && !a.isView()
                && a.data().offset() == 0 && a.data().length() == a.length();
        return plain ? a : a.castTo(DataType.FLOAT).dup('c');
    }
}

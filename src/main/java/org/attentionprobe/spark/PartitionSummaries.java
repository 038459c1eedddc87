package org.attentionprobe.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.Corpus;
import org.attentionprobe.probe.CorpusRun;
import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.data.ProbeInput;
import org.attentionprobe.probe.ReviewSummary;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalInt;

/**
 * One task's work: the rows of its partition, {@link #CHUNK} at a time, through the corpus command's own code
 * ({@link CorpusRun} with one worker: this task thread's runner), each summary turned into an output row. Nothing
 * is kept between chunks but the executor's model.
 */
final class PartitionSummaries implements FlatMapFunction<Iterator<Tuple2<Row, Long>>, Row> {
    /** Rows per corpus run: the task holds their summaries, not their attention. */
    static final int CHUNK = 4096;

    private final SparkProbeOptions options;
    private final InputColumns columns;

    PartitionSummaries(SparkProbeOptions options, InputColumns columns) {
        this.options = options;
        this.columns = columns;
    }

    @Override
    public Iterator<Row> call(Iterator<Tuple2<Row, Long>> rows) {
        ExecutorModels.Loaded loaded = ExecutorModels.get(options);
        TaskContext task = TaskContext.get();
        boolean fail = options.failFirstAttempt() && task != null && task.attemptNumber() == 0 && task.partitionId() == 0;
        return new Iterator<>() {
            private Iterator<Row> current = Collections.emptyIterator();
            private int chunks;

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && rows.hasNext()) {
                    if (fail && chunks == 1) {
                        throw new IllegalStateException("injected failure of the first attempt of partition 0 (a test)");
                    }
                    current = chunk(loaded, rows).iterator();
                    chunks++;
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    private List<Row> chunk(ExecutorModels.Loaded loaded, Iterator<Tuple2<Row, Long>> rows) {
        AttentionProbe probe = loaded.probe();
        List<Row> in = new ArrayList<>(CHUNK);
        List<Long> index = new ArrayList<>(CHUNK);
        List<ProbeInput> inputs = new ArrayList<>(CHUNK);
        while (rows.hasNext() && in.size() < (options.failFirstAttempt() ? 8 : CHUNK)) {
            Tuple2<Row, Long> next = rows.next();
            Row row = next._1();
            in.add(row);
            index.add(next._2());
            inputs.add(input(probe, row, next._2()));
        }
        List<HeadRef> heads = HeadRef.select(probe.summary(), null, null);
        CorpusRun.Options run = CorpusRun.Options.defaults(heads).withThreads(1).withBatch(options.batch()).withTop(options.top());
        List<ReviewSummary> summaries = new ArrayList<>(in.size());
        CorpusRun.run(loaded.model(), probe, Corpus.of("partition rows", inputs, 0), run, summaries::add, done -> {
        });
        List<Row> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            out.add(outputRow(probe, in.get(i), index.get(i), summaries.get(i)));
        }
        return out;
    }

    /** The model input of one row: its text tokenized as {@code --text} does, or its token ids. */
    private ProbeInput input(AttentionProbe probe, Row row, long rowIndex) {
        String origin = "row " + rowIndex;
        OptionalInt label = columns.labelIndex(row, probe.classNames());
        ProbeInput given;
        if (columns.text() >= 0) {
            String text = row.isNullAt(columns.text()) ? "" : row.getString(columns.text());
            given = probe.textInput(text);
        } else {
            if (row.isNullAt(columns.tokens())) {
                throw new InvalidInputException(origin + " has no tokens; expected an array of integer token ids");
            }
            List<Object> list = row.getList(columns.tokens());
            int[] ids = new int[list.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = ((Number) list.get(i)).intValue();
            }
            given = ProbeInput.ofTokens(origin, ids, probe.padId());
        }
        return new ProbeInput(origin, given.ids(), label, given.originalLength(), given.unknownWords());
    }

    /** The output row: see {@link SparkProbe#outputSchema}. */
    private Row outputRow(AttentionProbe probe, Row in, long rowIndex, ReviewSummary s) {
        List<String> classes = probe.classNames();
        float[] p = s.probabilities();
        java.util.Map<String, Float> probabilities = new java.util.LinkedHashMap<>();
        Float[] probs = new Float[p.length];
        for (int c = 0; c < p.length; c++) {
            probabilities.put(classes.get(c), p[c]);
            probs[c] = p[c];
        }
        List<Row> heads = new ArrayList<>(s.heads().size());
        List<Row> words = new ArrayList<>(s.heads().size());
        for (int h = 0; h < s.heads().size(); h++) {
            ReviewSummary.HeadSummary head = s.heads().get(h);
            List<Row> top = new ArrayList<>(head.top().size());
            for (KeyWeight k : head.top()) {
                top.add(RowFactory.create(k.word(), k.position(), k.weight()));
            }
            heads.add(RowFactory.create(head.head().block(), head.head().head(), head.entropy(), seq(top)));
            Integer[] ids = new Integer[head.keyIds().length];
            Double[] received = new Double[ids.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = head.keyIds()[i];
                received[i] = head.received()[i];
            }
            words.add(RowFactory.create(h, seq(java.util.Arrays.asList(ids)), seq(java.util.Arrays.asList(received))));
        }
        Integer label = s.label().isPresent() ? s.label().getAsInt() : null;
        Boolean correct = s.correct().orElse(null);
        Object id = columns.id() >= 0 ? in.get(columns.id()) : rowIndex;
        Object givenLabel = columns.label() >= 0 ? in.get(columns.label()) : null;
        long key = id instanceof Number n ? n.longValue() : rowIndex;   // the report's id: the input's when it is a number
        return RowFactory.create(id, rowIndex, key, givenLabel, label, classes.get(s.predicted()), s.predicted(), correct,
                scala.jdk.javaapi.CollectionConverters.asScala(probabilities), seq(java.util.Arrays.asList(probs)), s.realTokens(),
                seq(heads), seq(words));
    }

    /** Spark's row encoder takes Scala collections. */
    private static <T> scala.collection.Seq<T> seq(List<T> list) {
        return scala.jdk.javaapi.CollectionConverters.asScala(list);
    }
}

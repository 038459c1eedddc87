package org.attentionprobe.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.Json;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.CorpusTally;
import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ReviewSummary;
import org.attentionprobe.report.CorpusReport;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.apache.spark.sql.functions.arrays_zip;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sum;

/**
 * The corpus command as an Apache Spark job: every row of a dataset through the model, one output row each, and the
 * corpus report computed by Spark aggregations. Distribution, scheduling and retries are Spark's.
 *
 * <pre>
 * driver      load the model once (a model that cannot be read stops here, before any task) and check the columns
 * tasks       each executor JVM loads the model once (ExecutorModels); each task runs its partition through the
 *             corpus command's code (CorpusRun, one runner per task thread, one op thread each)
 * output      OUTPUT/rows (Parquet, schema below) and OUTPUT/report.json (the corpus command's JSON report)
 * </pre>
 *
 * Output row: {@code id} (the input's, else the row number), {@code row} (0-based position in the input as read),
 * {@code label} (the input's, when given), {@code label_index}, {@code predicted}, {@code predicted_index},
 * {@code correct}, {@code probabilities} (class name → probability), {@code probability_list} (in class order),
 * {@code real_tokens}, {@code heads} (per head: {@code block}, {@code head}, {@code entropy}, {@code top}: the keys
 * receiving the most attention with {@code word}, {@code position}, {@code weight}) — the numbers of {@code --summary}.
 */
public final class SparkProbe {
    private SparkProbe() {
    }

    /** What a run did. */
    /**
     * @param rowsSeconds   reading, probing and writing the rows
     * @param reportSeconds the report's aggregations
     */
    public record Result(long rows, String rowsPath, String reportPath, double seconds, double rowsSeconds, double reportSeconds) {
    }

    public static Result run(SparkSession spark, SparkProbeOptions options) {
        long start = System.nanoTime();
        ExecutorModels.Loaded driver = ExecutorModels.get(options);   // fails here, with the command line's message
        Dataset<Row> input = read(spark, options);
        InputColumns columns = InputColumns.of(input.schema(), options.input());
        Dataset<Row> selected = input.select(InputColumns.select(input.schema()).stream().map(c -> col(c)).toArray(Column[]::new));

        // rows numbered as read; a dataset in fewer partitions than task slots (one small file) is spread over them
        var numbered = selected.javaRDD().zipWithIndex();
        int slots = spark.sparkContext().defaultParallelism();
        if (numbered.getNumPartitions() < slots) {
            numbered = numbered.repartition(slots);
        }
        JavaRDD<Row> rows = numbered.mapPartitions(new PartitionSummaries(options, columns));
        Dataset<Row> all = spark.createDataFrame(rows, schema(columns)).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            String rowsPath = options.output() + "/rows";
            all.drop("words", "key").write().mode(SaveMode.ErrorIfExists).parquet(rowsPath);
            String reportPath = options.output() + "/report.json";
            double seconds = (System.nanoTime() - start) / 1e9;
            long rowsDone = System.nanoTime();
            CorpusTally tally = tally(all, driver.probe());
            CorpusReport report = new CorpusReport(Path.of(options.model()).getFileName(), driver.probe().summary(),
                    "rows of " + options.input(), tally, new CorpusReport.Run(seconds, -1, -1, "",
                    spark.sparkContext().defaultParallelism(), options.batch(), options.top(), null));
            writeJson(spark, reportPath, report.json());
            return new Result(tally.sequences(), rowsPath, reportPath, (System.nanoTime() - start) / 1e9, seconds,
                    (System.nanoTime() - rowsDone) / 1e9);
        } finally {
            all.unpersist();
        }
    }

    private static Dataset<Row> read(SparkSession spark, SparkProbeOptions options) {
        String format = options.inputFormat();
        try {
            var reader = spark.read().format(format);
            if (format.equals("csv")) {
                reader = reader.option("header", "true").option("inferSchema", "true").option("multiLine", "true")
                        .option("escape", "\"");
            }
            return reader.load(options.input());
        } catch (Exception e) {
            if (e instanceof AnalysisException || e.getClass().getSimpleName().contains("AnalysisException")) {
                throw new InvalidInputException("cannot read " + options.input() + " as " + format + ": " + firstLine(e.getMessage()));
            }
            throw e;
        }
    }

    private static String firstLine(String message) {
        String m = message == null ? "" : message.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The output rows' schema (with {@code words}, the per-head key ids and weights the report sums, not written). */
    static StructType schema(InputColumns columns) {
        StructType key = new StructType(new StructField[]{InputColumns.field("word", DataTypes.StringType),
                InputColumns.field("position", DataTypes.IntegerType), InputColumns.field("weight", DataTypes.DoubleType)});
        StructType head = new StructType(new StructField[]{InputColumns.field("block", DataTypes.IntegerType),
                InputColumns.field("head", DataTypes.IntegerType), InputColumns.field("entropy", DataTypes.DoubleType),
                InputColumns.field("top", DataTypes.createArrayType(key))});
        StructType words = new StructType(new StructField[]{InputColumns.field("head_index", DataTypes.IntegerType),
                InputColumns.field("ids", DataTypes.createArrayType(DataTypes.IntegerType)),
                InputColumns.field("received", DataTypes.createArrayType(DataTypes.DoubleType))});
        return new StructType(new StructField[]{
                InputColumns.field("id", columns.idType()),
                InputColumns.field("row", DataTypes.LongType),
                InputColumns.field("key", DataTypes.LongType),
                InputColumns.field("label", columns.labelType()),
                InputColumns.field("label_index", DataTypes.IntegerType),
                InputColumns.field("predicted", DataTypes.StringType),
                InputColumns.field("predicted_index", DataTypes.IntegerType),
                InputColumns.field("correct", DataTypes.BooleanType),
                InputColumns.field("probabilities", DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType)),
                InputColumns.field("probability_list", DataTypes.createArrayType(DataTypes.FloatType)),
                InputColumns.field("real_tokens", DataTypes.IntegerType),
                InputColumns.field("heads", DataTypes.createArrayType(head)),
                InputColumns.field("words", DataTypes.createArrayType(words))});
    }

    /** The corpus command's tally, from Spark aggregations over the rows. */
    static CorpusTally tally(Dataset<Row> all, AttentionProbe probe) {
        List<HeadRef> heads = HeadRef.select(probe.summary(), null, null);
        CorpusTally tally = CorpusTally.of(probe, heads);
        tally.addSequences(all.count());
        for (Row r : all.filter(col("label_index").isNotNull()).groupBy("label_index", "predicted_index").count().collectAsList()) {
            tally.addConfusion(r.getInt(0), r.getInt(1), r.getLong(2));
        }
        Dataset<Row> entropies = all.select(posexplode(col("heads")).as(new String[]{"h", "head"}))
                .select(col("h"), col("head.entropy").as("entropy"))
                .filter(not(isnan(col("entropy"))).and(col("entropy").isNotNull()));
        for (Row r : entropies.groupBy("h").agg(sum("entropy"), count(lit(1))).collectAsList()) {
            tally.addEntropyTotals(r.getInt(0), r.getDouble(1), r.getLong(2));
        }
        Dataset<Row> keys = all.select(explode(col("words")).as("w"))
                .select(col("w.head_index").as("h"), explode(arrays_zip(col("w.ids"), col("w.received"))).as("k"))
                .select(col("h"), col("k.ids").as("id"), col("k.received").as("received"));
        for (Row r : keys.groupBy("h", "id").agg(count(lit(1)), sum("received")).collectAsList()) {
            tally.addWordTotals(r.getInt(0), r.getInt(1), r.getLong(2), r.getDouble(3));
        }
        Dataset<Row> errors = all.filter(col("label_index").isNotNull().and(col("label_index").notEqual(col("predicted_index"))))
                .withColumn("confidence", element_at(col("probability_list"), col("predicted_index").plus(1)))
                .orderBy(col("confidence").desc(), col("key").asc()).limit(CorpusTally.ERRORS);
        for (Row r : errors.collectAsList()) {
            tally.addError(summary(r, heads));
        }
        return tally;
    }

    /** An output row as the summary the report prints for a confident error. */
    private static ReviewSummary summary(Row r, List<HeadRef> refs) {
        List<Float> probs = r.getList(r.fieldIndex("probability_list"));
        float[] p = new float[probs.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = probs.get(i);
        }
        List<Row> headRows = r.getList(r.fieldIndex("heads"));
        List<ReviewSummary.HeadSummary> heads = new ArrayList<>();
        for (int h = 0; h < headRows.size(); h++) {
            Row head = headRows.get(h);
            List<KeyWeight> top = new ArrayList<>();
            for (Row k : head.<Row>getList(3)) {
                top.add(new KeyWeight(k.getInt(1), k.getString(0), k.getDouble(2), Double.NaN));
            }
            heads.add(new ReviewSummary.HeadSummary(refs.get(h), top, head.getDouble(2), new int[0], new double[0]));
        }
        long row = r.getLong(r.fieldIndex("row"));
        return new ReviewSummary(Math.toIntExact(r.getLong(r.fieldIndex("key"))), "row " + row, OptionalInt.of(r.getInt(r.fieldIndex("label_index"))), p,
                r.getInt(r.fieldIndex("real_tokens")), heads);
    }

    private static void writeJson(SparkSession spark, String path, ObjectNode json) {
        try {
            FileSystem fs = FileSystem.get(URI.create(path), spark.sparkContext().hadoopConfiguration());
            try (FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), false)) {
                out.write(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json).getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot write " + path + ": " + e.getMessage());
        }
    }
}

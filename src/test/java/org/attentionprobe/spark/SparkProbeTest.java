package org.attentionprobe.spark;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.Json;
import org.attentionprobe.io.Npy;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.data.Vocabulary;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark job on a real local Spark: over the 1,000 demo reviews it writes the rows and the report the
 * single-machine corpus command writes; text and token input agree; a task that fails once is retried and every
 * row is written once; a bad model path or a dataset without text/tokens is one clear error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.Tag("slow")
class SparkProbeTest {
    static final String MODEL = Imdb.MODEL.toString();
    static final int TEXT_ROWS = 200;

    @TempDir
    static Path tmp;

    SparkSession spark;
    Path tokens;
    Path texts;
    Map<Integer, JsonNode> single = new HashMap<>();   // the corpus command's --summary rows, by review
    JsonNode singleReport;

    static SparkSession start(String master) {
        return SparkSession.builder().master(master).appName("attention-probe-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    @BeforeAll
    void datasetsAndTheSingleMachineRun() throws IOException {
        spark = start("local[2]");
        int[][] reviews = Npy.read(Imdb.DIR.resolve("reviews.npy")).toIntMatrix();
        int[] labels = Npy.read(Imdb.DIR.resolve("labels.npy")).toIntVector();
        Vocabulary vocab = ReviewFolder.open(Imdb.DIR).vocabulary();
        List<Row> tokenRows = new ArrayList<>();
        List<Row> textRows = new ArrayList<>();
        for (int i = 0; i < reviews.length; i++) {
            List<Integer> ids = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            for (int k = 0; k < reviews[i].length; k++) {
                int id = reviews[i][k];
                ids.add(id);
                if (id > 2) {   // 0 padding, 1 start (the tokenizer adds it), 2 out of vocabulary
                    text.append(vocab.word(id)).append(' ');
                } else if (id == 2) {
                    text.append("qqqnotaword ");
                }
            }
            String label = Imdb.CLASSES.get(labels[i]);
            tokenRows.add(RowFactory.create(i, label, ids));
            if (i < TEXT_ROWS) {
                textRows.add(RowFactory.create(i, label, text.toString().strip()));
            }
        }
        StructType tokenSchema = new StructType(new StructField[]{
                DataTypes.createStructField("id", DataTypes.IntegerType, false),
                DataTypes.createStructField("label", DataTypes.StringType, false),
                DataTypes.createStructField("tokens", DataTypes.createArrayType(DataTypes.IntegerType), false)});
        StructType textSchema = new StructType(new StructField[]{
                DataTypes.createStructField("id", DataTypes.IntegerType, false),
                DataTypes.createStructField("label", DataTypes.StringType, false),
                DataTypes.createStructField("text", DataTypes.StringType, false)});
        tokens = tmp.resolve("reviews.parquet");
        texts = tmp.resolve("reviews.jsonl");
        spark.createDataFrame(tokenRows, tokenSchema).repartition(3).write().parquet(tokens.toString());
        spark.createDataFrame(textRows, textSchema).coalesce(1).write().json(texts.toString());

        Path summary = tmp.resolve("single.jsonl");
        Cli.Result r = Cli.run(MODEL, "--all", "--summary", summary.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        singleReport = Json.MAPPER.readTree(r.out());
        for (String line : Files.readAllLines(summary)) {
            JsonNode row = Json.MAPPER.readTree(line);
            single.put(row.get("id").asInt(), row);
        }
    }

    @AfterAll
    void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private Map<Integer, Row> rows(String output) {
        return spark.read().parquet(output + "/rows").collectAsList().stream()
                .collect(Collectors.toMap(r -> ((Number) r.getAs("id")).intValue(), r -> r));
    }

    @Test
    void everyReviewGivesTheCorpusCommandsRowAndTheReportIsTheSame() throws IOException {
        String out = tmp.resolve("out").toString();
        SparkProbe.Result result = SparkProbe.run(spark, SparkProbeOptions.of(MODEL, tokens.toString(), out));
        assertEquals(1000, result.rows());
        Map<Integer, Row> rows = rows(out);
        assertEquals(1000, rows.size(), "one row per input row");
        for (Map.Entry<Integer, JsonNode> e : single.entrySet()) {
            assertSameRow(e.getValue(), rows.get(e.getKey()), "review " + e.getKey());
        }
        JsonNode spark = Json.MAPPER.readTree(Files.readString(Path.of(out, "report.json")));
        for (String field : new String[]{"sequences", "labelled", "correct", "accuracy"}) {
            assertEquals(singleReport.at("/corpus/" + field), spark.at("/corpus/" + field), field);
        }
        assertEquals(singleReport.get("confusion"), spark.get("confusion"));
        for (int h = 0; h < 2; h++) {
            JsonNode a = singleReport.at("/heads/" + h);
            JsonNode b = spark.at("/heads/" + h);
            assertEquals(a.get("mean_entropy").asDouble(), b.get("mean_entropy").asDouble(), 1e-9, "head " + h + " mean entropy");
            assertEquals(a.get("most_attended_words").size(), b.get("most_attended_words").size());
            for (int w = 0; w < a.get("most_attended_words").size(); w++) {
                JsonNode x = a.at("/most_attended_words/" + w);
                JsonNode y = b.at("/most_attended_words/" + w);
                assertEquals(x.get("word"), y.get("word"), "head " + h + " word " + w);
                assertEquals(x.get("occurrences"), y.get("occurrences"));
                for (String f : new String[]{"mean_weight", "vs_uniform", "share"}) {
                    assertEquals(x.get(f).asDouble(), y.get(f).asDouble(), 1e-9, f);   // float rounding: other batches, other sum order
                }
            }
        }
        assertEquals(5, spark.get("confident_errors").size());
        for (int i = 0; i < 5; i++) {
            JsonNode x = singleReport.at("/confident_errors/" + i);
            JsonNode y = spark.at("/confident_errors/" + i);
            for (String f : new String[]{"id", "label", "predicted"}) {
                assertEquals(x.get(f), y.get(f), "confident error " + i + " " + f);
            }
            // float rounding: the rows shared their batches with other neighbours
            assertEquals(x.get("probability").asDouble(), y.get("probability").asDouble(), 1e-6, "confident error " + i);
            for (int h = 0; h < x.get("heads").size(); h++) {
                for (int k = 0; k < x.at("/heads/" + h + "/top").size(); k++) {
                    JsonNode a = x.at("/heads/" + h + "/top/" + k);
                    JsonNode b = y.at("/heads/" + h + "/top/" + k);
                    assertEquals(a.get("word"), b.get("word"), "confident error " + i + " head " + h + " key " + k);
                    assertEquals(a.get("position"), b.get("position"));
                    assertEquals(a.get("weight").asDouble(), b.get("weight").asDouble(), 1e-7);
                }
            }
        }
    }

    private static void assertSameRow(JsonNode expected, Row actual, String what) {
        assertEquals(expected.get("predicted").asText(), actual.getAs("predicted"), what);
        assertEquals(expected.get("label").asText(), actual.getAs("label"), what);
        assertEquals(expected.get("correct").asBoolean(), (Boolean) actual.getAs("correct"), what);
        assertEquals(expected.get("real_tokens").asInt(), (int) actual.getAs("real_tokens"), what);
        scala.collection.Map<String, Float> p = actual.getAs("probabilities");
        expected.get("probabilities").fields().forEachRemaining(e ->
                assertEquals(e.getValue().asDouble(), p.apply(e.getKey()), 1e-6, what + " probability of " + e.getKey()));
        List<Row> heads = actual.getList(actual.fieldIndex("heads"));
        assertEquals(expected.get("heads").size(), heads.size(), what);
        for (int h = 0; h < heads.size(); h++) {
            JsonNode eh = expected.get("heads").get(h);
            Row ah = heads.get(h);
            assertEquals(eh.get("entropy").asDouble(), ah.getDouble(2), 1e-6, what + " head " + h + " entropy");
            List<Row> top = ah.getList(3);
            assertEquals(eh.get("top").size(), top.size());
            for (int k = 0; k < top.size(); k++) {
                assertEquals(eh.get("top").get(k).get("word").asText(), top.get(k).getString(0), what + " head " + h + " key " + k);
                assertEquals(eh.get("top").get(k).get("position").asInt(), top.get(k).getInt(1));
                assertEquals(eh.get("top").get(k).get("weight").asDouble(), top.get(k).getDouble(2), 1e-7);
            }
        }
    }

    @Test
    void textInputAndTokenInputAgree() {
        String fromText = tmp.resolve("text-out").toString();
        SparkProbe.run(spark, SparkProbeOptions.of(MODEL, texts.toString(), fromText));
        Map<Integer, Row> rows = rows(fromText);
        assertEquals(TEXT_ROWS, rows.size());
        for (int i = 0; i < TEXT_ROWS; i++) {
            assertSameRow(single.get(i), rows.get(i), "text of review " + i);
        }
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndEveryRowIsWrittenOnce() {
        spark.stop();
        spark = start("local[2,2]");   // up to 2 attempts per task
        try {
            String out = tmp.resolve("retried").toString();
            SparkProbe.run(spark, SparkProbeOptions.of(MODEL, tokens.toString(), out).failingFirstAttempt());
            List<Row> rows = spark.read().parquet(out + "/rows").select("id").collectAsList();
            assertEquals(1000, rows.size(), "every row, once");
            assertEquals(1000, rows.stream().map(r -> r.getInt(0)).distinct().count(), "no row twice");
        } finally {
            spark.stop();
            spark = start("local[2]");
        }
    }

    @Test
    void aModelThatCannotBeReadStopsTheJobWithTheCommandLinesError() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () ->
                SparkProbe.run(spark, SparkProbeOptions.of(tmp.resolve("missing.h5").toString(), tokens.toString(), tmp.resolve("x").toString())));
        assertTrue(e.getMessage().startsWith("model file not found: "), e.getMessage());
        StringWriter err = new StringWriter();
        int code = SparkMain.run(new String[]{"--master", "local[2]", "--model", tmp.resolve("missing.h5").toString(), "--input",
                tokens.toString(), "--output", tmp.resolve("y").toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(2, code, err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        spark = start("local[2]");   // SparkMain stopped the shared session
    }

    @Test
    void aDatasetWithoutTextOrTokensSaysWhatItHasAndWhatIsExpected() {
        Path other = tmp.resolve("other.parquet");
        spark.createDataFrame(List.of(RowFactory.create(1, "great film")), new StructType(new StructField[]{
                DataTypes.createStructField("id", DataTypes.IntegerType, false),
                DataTypes.createStructField("review", DataTypes.StringType, false)})).write().mode(SaveMode.Overwrite).parquet(other.toString());
        InvalidInputException e = assertThrows(InvalidInputException.class, () ->
                SparkProbe.run(spark, SparkProbeOptions.of(MODEL, other.toString(), tmp.resolve("z").toString())));
        assertEquals(other + " has columns [id, review]; expected a text column (strings, tokenized as --text) or a tokens column "
                + "(arrays of integer token ids), and optionally id and label", e.getMessage());
    }

}

package org.attentionprobe.spark;

import org.apache.spark.sql.SparkSession;
import org.attentionprobe.errors.ProbeException;
import org.attentionprobe.graph.BatchRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The Spark job's command line: {@code spark-submit --class org.attentionprobe.spark.SparkMain probe-spark.jar --model ...},
 * or without a Spark installation {@code mvn -q -Pspark-local exec:exec -Dspark.args="..."} (local[N]).
 * Exit codes as the probe's: 0 done, 2 bad input (one line), 1 anything else.
 */
@Command(name = "probe-spark", mixinStandardHelpOptions = true,
        description = "Probes every row of a dataset (Parquet, JSON Lines, CSV) with a Keras model on Apache Spark: "
                + "one Parquet row per input row and the corpus report as JSON.")
public final class SparkMain implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "the model file (.h5, .keras): a local or shared path, a file "
            + "shipped with --files, or a Hadoop path")
    String model;
    @Option(names = "--data", description = "folder with vocab.json and meta.json (default: beside the model)")
    String data;
    @Option(names = "--input", required = true, description = "dataset with a text column or a tokens column (arrays of "
            + "integer ids); optional id and label columns are carried through")
    String input;
    @Option(names = "--format", description = "parquet, json or csv (default: from the input's extension)")
    String format;
    @Option(names = "--output", required = true, description = "output folder: rows/ (Parquet) and report.json")
    String output;
    @Option(names = "--master", description = "Spark master when not set by spark-submit, e.g. local[2] (default: local[*])")
    String master;
    @Option(names = "--batch", defaultValue = "" + BatchRunner.DEFAULT_BATCH, description = "sequences per model run (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--top", defaultValue = "5", description = "keys per head in each row (default: ${DEFAULT-VALUE})")
    int top;

    private final PrintWriter out;

    SparkMain(PrintWriter out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the job and returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new SparkMain(out)).setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((ex, line, parsed) -> {
            for (Throwable t = ex; t != null; t = t.getCause()) {
                if (t instanceof ProbeException p) {
                    err.println("error: " + p.getMessage());
                    return 2;
                }
            }
            err.println("internal error: " + ex);
            ex.printStackTrace(err);
            return 1;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("error: " + ex.getMessage() + " (see --help)");
            return 2;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        SparkProbeOptions options = new SparkProbeOptions(model, data, input, format, output, batch, top, false);
        options.inputFormat();   // a name without a known extension fails before Spark starts
        SparkSession.Builder builder = SparkSession.builder().appName("attention-probe");
        if (master != null) {
            builder.master(master);
        } else if (!new org.apache.spark.SparkConf().contains("spark.master")) {
            builder.master("local[*]");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            SparkProbe.Result r = SparkProbe.run(spark, options);
            out.printf(Locale.ROOT, "wrote %s: %,d rows (Parquet) and %s, in %.1f s: rows %.1f s (%.0f rows/s), report %.1f s%n",
                    r.rowsPath(), r.rows(), r.reportPath(), r.seconds(), r.rowsSeconds(), r.rows() / r.rowsSeconds(), r.reportSeconds());
            return 0;
        } finally {
            spark.stop();
        }
    }
}

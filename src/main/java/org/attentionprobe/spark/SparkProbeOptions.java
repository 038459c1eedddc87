package org.attentionprobe.spark;

import org.attentionprobe.errors.InvalidInputException;

import java.io.Serializable;

/**
 * What the Spark job is asked to do; sent to every task.
 *
 * @param model            the model file: a local path, a path on every executor (a shared file system), a file
 *                         shipped with {@code spark-submit --files} (its name), or any Hadoop path ({@code hdfs://}, ...)
 * @param data             the folder with {@code vocab.json} and {@code meta.json} for text input and words; null for
 *                         the model's own folder
 * @param input            the dataset: Parquet, JSON Lines or CSV with a {@code text} or a {@code tokens} column
 * @param format           {@code parquet}, {@code json} or {@code csv}; null to take it from the input's extension
 * @param output           the output folder: {@code rows/} (Parquet) and {@code report.json}
 * @param batch            sequences per model run
 * @param top              keys per head in each row
 * @param failFirstAttempt test hook: the first attempt of partition 0 fails midway, so Spark retries it
 */
public record SparkProbeOptions(String model, String data, String input, String format, String output, int batch, int top,
                                boolean failFirstAttempt) implements Serializable {
    public SparkProbeOptions {
        if (batch < 1 || top < 1) {
            throw new InvalidInputException("batch and top must be at least 1, got " + batch + " and " + top);
        }
    }

    public static SparkProbeOptions of(String model, String input, String output) {
        return new SparkProbeOptions(model, null, input, null, output, 16, 5, false);
    }

    public SparkProbeOptions withData(String folder) {
        return new SparkProbeOptions(model, folder, input, format, output, batch, top, failFirstAttempt);
    }

    public SparkProbeOptions withFormat(String f) {
        return new SparkProbeOptions(model, data, input, f, output, batch, top, failFirstAttempt);
    }

    public SparkProbeOptions withBatch(int b) {
        return new SparkProbeOptions(model, data, input, format, output, b, top, failFirstAttempt);
    }

    public SparkProbeOptions withTop(int k) {
        return new SparkProbeOptions(model, data, input, format, output, batch, k, failFirstAttempt);
    }

    SparkProbeOptions failingFirstAttempt() {
        return new SparkProbeOptions(model, data, input, format, output, batch, top, true);
    }

    /** The input's format: as given, else from its extension ({@code .parquet}, {@code .json}/{@code .jsonl}, {@code .csv}). */
    public String inputFormat() {
        if (format != null) {
            return switch (format) {
                case "parquet", "json", "csv" -> format;
                case "jsonl" -> "json";
                default -> throw new InvalidInputException("input format " + format + " is not supported; expected parquet, json or csv");
            };
        }
        String name = input.toLowerCase(java.util.Locale.ROOT).replaceAll("/+$", "");
        if (name.endsWith(".parquet")) {
            return "parquet";
        }
        if (name.endsWith(".json") || name.endsWith(".jsonl")) {
            return "json";
        }
        if (name.endsWith(".csv")) {
            return "csv";
        }
        throw new InvalidInputException("cannot tell the format of " + input + " from its name; expected .parquet, .json, .jsonl "
                + "or .csv, or give the format");
    }
}

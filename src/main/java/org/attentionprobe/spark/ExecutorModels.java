package org.attentionprobe.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.data.ReviewFolder;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The model of each executor JVM, loaded once and shared by its task threads (each task makes its own runners).
 * The same loading runs on the driver first, so a model that cannot be read stops the job before any task.
 */
final class ExecutorModels {
    /** A loaded model and the probe over it (classes, words, tokenizer). */
    record Loaded(TransformerModel model, AttentionProbe probe) {
    }

    private static final Map<String, Loaded> LOADED = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    /** This JVM's model for these options, loading it on first use. */
    static Loaded get(SparkProbeOptions options) {
        String key = options.model() + "\u0000" + options.data();
        return LOADED.computeIfAbsent(key, k -> load(options));
    }

    private static Loaded load(SparkProbeOptions options) {
        Path model = localCopy(options.model());
        Optional<ReviewFolder> data = options.data() != null ? Optional.of(ReviewFolder.open(localCopyOfFolder(options.data())))
                : ReviewFolder.besideModel(model);
        TransformerModel m = TransformerModel.open(model);
        return new Loaded(m, AttentionProbe.of(m, data));
    }

    /** A local file: the path itself, a file shipped with --files (SparkFiles), or a copy of a Hadoop path. */
    static Path localCopy(String path) {
        Path local = Path.of(stripFileScheme(path));
        if (!path.contains("://") || path.startsWith("file:")) {
            if (Files.isRegularFile(local)) {
                return local;
            }
            Path shipped = shipped(local.getFileName().toString());
            if (shipped != null) {
                return shipped;
            }
            throw new InvalidInputException("model file not found: " + path + " (expected a file readable on every executor, "
                    + "one shipped with spark-submit --files, or a Hadoop path such as hdfs://...)");
        }
        return copyFromHadoop(path, false);
    }

    private static Path localCopyOfFolder(String path) {
        if (!path.contains("://") || path.startsWith("file:")) {
            return Path.of(stripFileScheme(path));
        }
        return copyFromHadoop(path, true);
    }

    private static Path shipped(String name) {
        try {
            Path p = Path.of(org.apache.spark.SparkFiles.get(name));
            return Files.isRegularFile(p) ? p : null;
        } catch (RuntimeException e) {
            return null;   // no SparkContext here (a plain JVM)
        }
    }

    /** Copies a Hadoop file (with the vocab.json and meta.json beside it) or folder into a local temporary folder. */
    private static Path copyFromHadoop(String path, boolean folder) {
        try {
            org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(path);
            FileSystem fs = FileSystem.get(URI.create(path), new Configuration());
            Path dir = Files.createTempDirectory("attention-probe-model");
            dir.toFile().deleteOnExit();
            if (folder) {
                fs.copyToLocalFile(src, new org.apache.hadoop.fs.Path(dir.toUri()));
                return dir.resolve(src.getName());
            }
            fs.copyToLocalFile(src, new org.apache.hadoop.fs.Path(dir.resolve(src.getName()).toUri()));
            for (String beside : new String[]{"vocab.json", "meta.json"}) {
                org.apache.hadoop.fs.Path b = new org.apache.hadoop.fs.Path(src.getParent(), beside);
                if (fs.exists(b)) {
                    fs.copyToLocalFile(b, new org.apache.hadoop.fs.Path(dir.resolve(beside).toUri()));
                }
            }
            return dir.resolve(src.getName());
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + path + ": " + e.getMessage());
        }
    }

    private static String stripFileScheme(String path) {
        return path.startsWith("file://") ? path.substring("file://".length()) : path.startsWith("file:") ? path.substring(5) : path;
    }
}

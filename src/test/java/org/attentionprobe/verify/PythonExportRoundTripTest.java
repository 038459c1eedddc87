package org.attentionprobe.verify;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.io.Npy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole Python → Java path with the real Keras: python-export trains a small model, Keras computes
 * its reference, and the Java import must match it. Needs Keras 3 ({@code KERAS_SRC}, the launcher of
 * {@code ../shared/keras-env} or {@code KERAS_LAUNCHER}) and the IMDB {@code .npz} ({@code IMDB_NPZ} or
 * {@code ../shared/data/imdb}); skipped otherwise (CI has no Keras).
 */
@org.junit.jupiter.api.Tag("slow")
class PythonExportRoundTripTest {
    static final Path SHARED = Path.of("..", "shared");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "attention {0}, {1} heads, embed {2}")
    @CsvSource({"builtin, 3, 24", "2020, 4, 16"})
    void trainedByKerasExportedByPythonMatchedByJava(String attention, int heads, int embed) throws Exception {
        String kerasSrc = System.getenv("KERAS_SRC");
        Path launcher = Path.of(System.getenv().getOrDefault("KERAS_LAUNCHER", SHARED.resolve("keras-env/launch.py").toString()));
        Path data = Path.of(System.getenv().getOrDefault("IMDB_NPZ",
                SHARED.resolve("data/imdb/imdb_num_words500_train5000_test1000.npz").toString()));
        Assumptions.assumeTrue(kerasSrc != null && Files.isDirectory(Path.of(kerasSrc)), "KERAS_SRC not set: no Keras here");
        Assumptions.assumeTrue(Files.exists(launcher) && Files.exists(data), "Keras launcher or IMDB data not found");

        Path out = tmp.resolve("model");
        python(kerasSrc, "torch", launcher, "python-export/train_imdb.py", "--out", out.toString(), "--data", data.toString(),
                "--vocab-size", "500", "--maxlen", "48", "--embed-dim", Integer.toString(embed), "--num-heads", Integer.toString(heads),
                "--ff-dim", "20", "--epochs", "1", "--limit-train", "256", "--limit-test", "64", "--reviews-limit", "16",
                "--attention", attention);
        Path reference = tmp.resolve("reference.npz");
        python(kerasSrc, "numpy", launcher, "python-export/export_reference.py", out.resolve("model.h5").toString(),
                "--tokens", out.resolve("reviews.npy").toString(), "--out", reference.toString(), "--limit", "16");

        try (TransformerModel model = TransformerModel.open(out.resolve("model.h5"))) {
            assertEquals(heads, model.summary().blocks().get(0).heads());
            List<ParityCheck.Diff> diffs = ParityCheck.run(model, Npy.readNpz(reference), 1e-5, 1e-4);
            assertEquals(6, diffs.size(), "embedding, block input/attention/attention_output/output, probabilities");
            for (ParityCheck.Diff d : diffs) {
                assertTrue(d.ok(), d.result() + ": max |diff| " + d.maxDiff() + " > " + d.tolerance() + " " + d.note());
            }
        }
    }

    private void python(String kerasSrc, String backend, Path launcher, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("python.log").toFile());
        pb.environment().put("KERAS_SRC", kerasSrc);
        pb.environment().put("KERAS_BACKEND", backend);
        Process p = pb.start();
        assertTrue(p.waitFor(15, TimeUnit.MINUTES), "python did not finish");
        assertEquals(0, p.exitValue(), () -> String.join(" ", args) + " failed:\n" + read(tmp.resolve("python.log")));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}

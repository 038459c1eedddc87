package org.attentionprobe.cli;

import org.attentionprobe.io.Npy;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code probe} and {@code probe verify} take a {@code .keras}, a {@code .weights.h5} with {@code --config}, and weights-only files. */
class FormatsCommandTest {
    @TempDir
    Path tmp;

    @Test
    void probeExportsFromAKerasArchiveWhatKerasComputed() throws IOException {
        TestData.Fixture v3 = TestData.fixture("keras3/v3");
        Map<String, INDArray> ref = v3.reference();
        Path x = tmp.resolve("x.npy");
        Npy.write(ref.get("x").castTo(DataType.INT32), x);
        Cli.Result r = Cli.run(v3.keras().toString(), "--tokens-file", x.toString(), "--export", tmp.resolve("out").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("model.keras — Keras 3 archive (.keras), Keras 3.15.1;"), r.out());
        assertClose(ref.get("probs"), Npy.read(tmp.resolve("out/probabilities.npy")), 1e-5, "probabilities.npy");
        for (int b = 0; b < 2; b++) {
            assertClose(ref.get("block" + b + "_attention_weights"), Npy.read(tmp.resolve("out/attention_block" + b + ".npy")),
                    1e-5, "attention_block" + b + ".npy");
        }
    }

    @Test
    void verifyPassesOnAKerasArchiveAWeightsH5WithConfigAndAWeightsOnlyFile() {
        TestData.Fixture v2 = TestData.fixture("keras3/v2");
        String reference = v2.dir().resolve("reference.npz").toString();
        Cli.Result archive = Cli.run("verify", v2.keras().toString(), "--reference", reference);
        assertEquals(0, archive.exitCode(), archive.out() + archive.err());
        assertTrue(archive.out().startsWith("model.keras (Keras 3 archive (.keras), Keras 3.15.1) against reference.npz"), archive.out());
        assertTrue(archive.out().contains("parity: OK"), archive.out());

        Cli.Result weights = Cli.run("verify", v2.weightsH5().toString(), "--config", v2.h5().toString(), "--reference", reference);
        assertEquals(0, weights.exitCode(), weights.out() + weights.err());
        assertTrue(weights.out().startsWith("model.weights.h5 (Keras 3 weights (.weights.h5) + model.h5, Keras 3.15.1)"), weights.out());
        assertTrue(weights.out().contains("parity: OK"), weights.out());

        TestData.WeightsOnly v4 = TestData.weightsOnly().get(1);
        Cli.Result inferred = Cli.run("verify", v4.file().toString(), "--num-heads", "4",
                "--reference", v4.fixture().dir().resolve("reference.npz").toString());
        assertEquals(0, inferred.exitCode(), inferred.out() + inferred.err());
        assertTrue(inferred.out().contains("(weights-only HDF5 (save_weights), architecture inferred, Keras 3.15.1)"), inferred.out());
        assertTrue(inferred.out().contains("parity: OK"), inferred.out());
    }

    @Test
    void missingOrWrongModelOptionsEndWithOneLineAndExitCode2() throws IOException {
        TestData.Fixture v1 = TestData.fixture("keras3/v1");
        Path x = tmp.resolve("x.npy");
        Npy.write(v1.reference().get("x").castTo(DataType.INT32), x);
        Path v4WeightsOnly = TestData.weightsOnly().get(1).file();
        String[][] cases = {
                {v1.weightsH5().toString(), "--tokens-file", x.toString()},
                {v1.keras().toString(), "--config", v1.h5().toString(), "--tokens-file", x.toString()},
                {v4WeightsOnly.toString(), "--tokens-file", x.toString()},
                {v4WeightsOnly.toString(), "--num-heads", "3", "--tokens-file", x.toString()},
                {v4WeightsOnly.toString(), "--num-heads", "0", "--tokens-file", x.toString()},
                {v1.weightsH5().toString(), "--config", tmp.resolve("missing.json").toString(), "--tokens-file", x.toString()},
        };
        String[] expected = {
                "no architecture; expected the architecture given apart (config.json, or a .keras or .h5 of the same model) (--config FILE)",
                "expected no separate architecture (--config FILE)",
                "expected num_heads given with the file (a divisor of the embedding size 32: 1, 2, 4, 8, 16, 32) (--num-heads N)",
                "num_heads 3 (given) does not divide the embedding size 32",
                "head counts must be positive, got 0 (--num-heads N)",
                "config file not found",
        };
        Cli.assertEachIsOneLineError(cases, expected);
    }
}

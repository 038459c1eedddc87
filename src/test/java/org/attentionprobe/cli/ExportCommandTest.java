package org.attentionprobe.cli;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.io.Npy;
import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.attentionprobe.testing.Arrays2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code probe MODEL --tokens-file X.npy --export DIR}: the files the parity checks read from outside. */
class ExportCommandTest {
    @TempDir
    Path tmp;

    @Test
    void exportsProbabilitiesAndEveryBlockAttentionEqualToKeras() throws IOException {
        TestData.Fixture v3 = TestData.fixtures().get(2);
        Map<String, INDArray> ref = v3.reference();
        Path x = tmp.resolve("x.npy");
        Npy.write(ref.get("x").castTo(DataType.LONG), x); // int64, as numpy writes by default
        Cli.Result r = Cli.run(v3.h5().toString(), "--tokens-file", x.toString(), "--export", tmp.resolve("out").toString(), "--batch", "2");
        assertEquals(0, r.exitCode(), r.err());
        INDArray probs = Npy.read(tmp.resolve("out/probabilities.npy"));
        assertEquals(DataType.FLOAT, probs.dataType());
        assertClose(ref.get("probs"), probs, 1e-5, "probabilities.npy");
        for (int b = 0; b < 2; b++) {
            INDArray a = Npy.read(tmp.resolve("out/attention_block" + b + ".npy"));
            assertEquals(DataType.FLOAT, a.dataType());
            assertClose(ref.get("block" + b + "_attention_weights"), a, 1e-5, "attention_block" + b + ".npy");
        }
        try (var files = Files.list(tmp.resolve("out"))) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void oneDimensionalTokenFileIsOneSequenceAndShortOnesArePaddedOnTheLeft() throws IOException {
        Path tf = TestData.FIXTURES.resolve("tf-keras-2.13/one-block-502-classes/model.h5");
        Path x = tmp.resolve("short.npy");
        Npy.write(Nd4j.createFromArray(new int[]{5, 6, 7}), x);
        Cli.Result r = Cli.run(tf.toString(), "--tokens-file", x.toString(), "--export", tmp.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("1 sequence(s) were left-padded with 0"), r.err());
        INDArray padded = Nd4j.createFromArray(new int[][]{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 7}});
        try (TransformerModel m = TransformerModel.open(tf)) {
            assertClose(m.run(padded).probabilities(), Npy.read(tmp.resolve("probabilities.npy")), 0, "probabilities of the padded row");
        }
    }

    @Test
    void badInputsEndWithOneLineAndExitCode2() throws IOException {
        Path model = TestData.IMDB.resolve("model.h5");
        Path outOfRange = tmp.resolve("big.npy");
        Npy.write(Nd4j.createFromArray(new int[][]{{1, 14, 500}}), outOfRange);
        Path floats = tmp.resolve("floats.npy");
        Npy.write(Nd4j.createFromArray(new float[]{1.5f, 2f}), floats);
        Path notNpy = tmp.resolve("notes.npy");
        Files.writeString(notNpy, "hello");
        String[][] cases = {
                {model.toString(), "--tokens-file", outOfRange.toString()},
                {model.toString(), "--tokens-file", floats.toString()},
                {model.toString(), "--tokens-file", notNpy.toString()},
                {model.toString(), "--tokens-file", tmp.resolve("missing.npy").toString()},
                {tmp.toString(), "--tokens-file", outOfRange.toString()},
                {model.toString(), "--no-such-option"},
                {"verify", model.toString(), "--reference", tmp.resolve("none.npz").toString()},
        };
        String[] expected = {
                "token id 500 at row 0, position 199 is not below the model's vocabulary size 500",
                "holds non-integer values",
                "is not a numpy .npy file",
                "token file not found",
                "is a directory, expected a file",
                "Unknown option: '--no-such-option'",
                "reference file not found",
        };
        Cli.assertEachIsOneLineError(cases, expected);
    }

    @Test
    void verifyPassesOnAFixtureAndFailsWithExit3PastTolerance() {
        TestData.Fixture v4 = TestData.fixtures().get(3);
        Cli.Result ok = Cli.run("verify", v4.h5().toString(), "--reference", v4.dir().resolve("reference.npz").toString());
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());
        assertTrue(ok.out().contains("block0/attention"), ok.out());
        assertTrue(ok.out().contains("parity: OK"), ok.out());
        Cli.Result strict = Cli.run("verify", v4.h5().toString(), "--reference", v4.dir().resolve("reference.npz").toString(), "--atol", "1e-9");
        assertEquals(VerifyCommand.PARITY_FAILED, strict.exitCode(), strict.out());
        assertTrue(strict.out().contains("FAIL"), strict.out());
    }
}

package org.attentionprobe.cli;

import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the bench prints, not how fast it is: speed is measured by running it, never asserted. */
class BenchCommandTest {
    @Test
    void printsTheModelTheMachineAndARowPerConfiguration() {
        Cli.Result r = Cli.run("bench", TestData.FIXTURES.resolve("keras3/v2/model.h5").toString(),
                "--threads", "2", "--batch", "4", "--seconds", "0.25", "--warm-up", "0.05", "--sweep", "2", "--profile");
        assertEquals(Main.OK, r.exitCode(), r.err());
        for (String expected : new String[]{"model ", "machine ", "FLOPs ", "sgemm ", "batch 1 (latency)",
                "batch 1, threads inside ops", "corpus, 1 thread", "corpus, 2 runners (data parallel)",
                "corpus, threads inside ops", "sweep, 1 thread", "sweep, 2 runners", "profile ", "% ", "matmul", "softmax",
                "memory ", "load "}) {
            assertTrue(r.out().contains(expected), "missing '" + expected + "' in:\n" + r.out());
        }
        assertTrue(r.out().matches("(?s).*corpus, 1 thread\\s+4\\s+1×1\\s+[0-9.]+\\s+[0-9,]+ \\(.*"), r.out());
    }

    @Test
    void aBadOptionIsOneLineOnStderrNamingTheOptionWhatItTakesAndWhatWasGiven() {
        assertBadOption("--runs must be at least 5, got 3", "--runs", "3");
        assertBadOption("--threads must be at least 1, got 0", "--threads", "0");
        assertBadOption("--batch must be at least 1, got -2", "--batch", "-2");
        assertBadOption("--sweep batch sizes must be at least 1, got 0", "--sweep", "4,0");
        assertBadOption("--seconds must be more than 0, got 0.0", "--seconds", "0");
        assertBadOption("--warm-up must be 0 or more seconds, got -1.0", "--warm-up", "-1");
    }

    /** Checked before the model is opened: nothing is measured. */
    private static void assertBadOption(String message, String... options) {
        String[] args = new String[options.length + 2];
        args[0] = "bench";
        args[1] = TestData.FIXTURES.resolve("keras3/v2/model.h5").toString();
        System.arraycopy(options, 0, args, 2, options.length);
        Cli.Result r = Cli.run(args);
        assertEquals(Main.BAD_INPUT, r.exitCode(), r.err());
        assertEquals("error: " + message + " (see --help)", r.err().strip());
        assertEquals("", r.out());
    }
}

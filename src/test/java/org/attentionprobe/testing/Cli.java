package org.attentionprobe.testing;

import org.attentionprobe.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in this JVM and captures what it prints. */
public final class Cli {
    private Cli() {
    }

    public record Result(int exitCode, String out, String err) {
        /** stderr must be exactly one line for a user's mistake. */
        public boolean errIsOneLine() {
            return !err.isBlank() && err.strip().lines().count() == 1;
        }
    }

    /**
     * Each command line of {@code cases} fails as a user's mistake should: exit 2 and one line on stderr holding
     * {@code expected[i]}. Every case is run; the failures are reported together.
     */
    public static void assertEachIsOneLineError(String[][] cases, String[] expected) {
        org.junit.jupiter.api.Assertions.assertEquals(cases.length, expected.length, "one expected message per case");
        java.util.List<String> failures = new java.util.ArrayList<>();
        for (int i = 0; i < cases.length; i++) {
            Result r = run(cases[i]);
            if (r.exitCode() != 2 || !r.errIsOneLine() || !r.err().contains(expected[i])) {
                failures.add(String.join(" ", cases[i]) + " -> exit " + r.exitCode() + ", stderr: " + r.err().strip()
                        + " (expected exit 2 and one line with: " + expected[i] + ")");
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), failures);
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }
}

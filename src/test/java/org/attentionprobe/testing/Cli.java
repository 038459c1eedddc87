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

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }
}

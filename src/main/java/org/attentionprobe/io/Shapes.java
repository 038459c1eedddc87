package org.attentionprobe.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Shapes written the way Keras and numpy print them: {@code (32, 2, 32)}, {@code None} for any size. */
public final class Shapes {
    /** A dimension that may take any size (Keras's {@code None}). */
    public static final long ANY = -1;

    private Shapes() {
    }

    public static String format(long... shape) {
        if (shape.length == 1) {
            return "(" + dim(shape[0]) + ",)";
        }
        return Arrays.stream(shape).mapToObj(Shapes::dim).collect(Collectors.joining(", ", "(", ")"));
    }

    private static String dim(long d) {
        return d < 0 ? "None" : Long.toString(d);
    }

    /** True when the shapes have the same rank and agree wherever {@code expected} is not {@link #ANY}. */
    public static boolean matches(long[] expected, long[] actual) {
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != ANY && expected[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    public static long size(long... shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}

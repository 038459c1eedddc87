package org.attentionprobe.keras;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keras 3's rules for naming the members of a list in a {@code .weights.h5} ({@code saving_lib}): a member
 * is named after its class, {@code snake_case(ClassName)}, numbered {@code _1}, {@code _2}, ... from the
 * second member of the same class on ({@code dense}, {@code dense_1}). Layer names are not used, since
 * Keras numbers them per session.
 */
public final class KerasNames {
    private static final Pattern NON_WORD = Pattern.compile("(?U)\\W+");
    private static final Pattern WORD_START = Pattern.compile("(.)([A-Z][a-z]+)");
    private static final Pattern LOWER_UPPER = Pattern.compile("([a-z])([A-Z])");
    private static final Pattern NUMBERED = Pattern.compile("(.+)_(\\d+)");

    private final Map<String, Integer> used = new HashMap<>();

    /** Keras's {@code naming.to_snake_case}: {@code GlobalAveragePooling1D} gives {@code global_average_pooling1d}. */
    public static String snakeCase(String className) {
        String name = NON_WORD.matcher(className).replaceAll("");
        name = WORD_START.matcher(name).replaceAll("$1_$2");
        return LOWER_UPPER.matcher(name).replaceAll("$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** The next member name for a class in one list, as Keras's {@code _get_unique_name} gives it. */
    public String next(String className) {
        String base = snakeCase(className);
        Integer n = used.get(base);
        used.put(base, n == null ? 0 : n + 1);
        return n == null ? base : base + "_" + (n + 1);
    }

    /** The position of a member among the members of its class: {@code dense} 0, {@code dense_2} 2. */
    static int memberIndex(String memberName) {
        Matcher m = NUMBERED.matcher(memberName);
        if (m.matches() && m.group(2).length() < 9) {
            return Integer.parseInt(m.group(2));
        }
        return 0;
    }

    /** The class part of a member name: {@code dense_2} gives {@code dense}. */
    static String memberBase(String memberName) {
        Matcher m = NUMBERED.matcher(memberName);
        return m.matches() && m.group(2).length() < 9 ? m.group(1) : memberName;
    }
}

package org.attentionprobe.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** README code blocks that are test code: the lines between {@code // README-begin} and {@code // README-end}. */
public final class ReadmeSnippets {
    private ReadmeSnippets() {
    }

    /** Runs a snippet with the root locale and returns what it printed on stdout, line by line. */
    public static List<String> stdoutOf(Runnable snippet) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Locale locale = Locale.getDefault();
        try {
            Locale.setDefault(Locale.ROOT);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            snippet.run();
        } finally {
            System.setOut(original);
            Locale.setDefault(locale);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** The first {@code ```java} block after the README heading {@code section} equals the snippet in {@code source}. */
    public static void assertReadmeShows(Path source, String section) throws IOException {
        assertDocShows(Path.of("README.md"), source, section);
    }

    /** The first {@code ```java} block after the heading {@code section} of a page ({@code docs/corpus.md}) equals the snippet. */
    public static void assertDocShows(Path doc, Path source, String section) throws IOException {
        List<String> code = Files.readAllLines(source);
        List<String> snippet = strip(code.subList(indexOf(code, "// README-begin") + 1, indexOf(code, "// README-end")));
        List<String> readme = Files.readAllLines(doc);
        int start = indexOf(readme, section);
        int open = readme.subList(start, readme.size()).indexOf("```java") + start;
        int close = readme.subList(open + 1, readme.size()).indexOf("```") + open + 1;
        assertEquals(snippet, strip(readme.subList(open + 1, close)), doc + "'s Java block under " + section);
    }

    private static int indexOf(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                return i;
            }
        }
        throw new AssertionError("no line " + marker);
    }

    /** Lines without their common indentation. */
    private static List<String> strip(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent).stripTrailing()).toList();
    }
}

package org.attentionprobe.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages follow the pipeline, one way (docs/architecture.md): a package uses only those before it. Read from
 * the sources (imports and qualified names outside comments), so a new dependency against the flow fails here with
 * the file and the package it reached.
 */
class PackageDependenciesTest {
    static final Path MAIN = Path.of("src/main/java/org/attentionprobe");
    static final String ROOT = "(root)";

    /** What each package may use, in pipeline order. */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("errors", Set.of()),
            Map.entry("io", Set.of("errors")),
            Map.entry("keras", Set.of("errors", "io")),
            Map.entry("isolation", Set.of("errors", "io", "keras")),
            Map.entry("data", Set.of("errors", "io", "keras")),
            Map.entry("layers", Set.of("errors", "io", "keras")),
            Map.entry("graph", Set.of("errors", "io", "keras", "layers")),
            Map.entry(ROOT, Set.of("errors", "io", "keras", "layers", "graph")),
            Map.entry("probe", Set.of("errors", "io", "data", "keras", "layers", "graph", ROOT)),
            Map.entry("explain", Set.of("errors", "io", "data", "keras", "layers", "graph", ROOT)),
            Map.entry("verify", Set.of("errors", "io", "data", "keras", "layers", "graph", ROOT)),
            Map.entry("report", Set.of("errors", "io", "data", "keras", "layers", "graph", ROOT, "probe", "explain")),
            Map.entry("bench", Set.of("errors", "io", "data", "keras", "layers", "graph", ROOT, "probe")),
            Map.entry("spark", Set.of("errors", "io", "data", "keras", "layers", "graph", ROOT, "probe", "report")),
            Map.entry("cli", Set.of("errors", "io", "data", "keras", "isolation", "layers", "graph", ROOT, "probe", "explain", "verify",
                    "report", "bench")));

    private static final Pattern REFERENCE = Pattern.compile("org\\.attentionprobe\\.(?:([a-z]+)\\.)?[A-Z]");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void everyPackageUsesOnlyThePackagesBeforeIt() throws IOException {
        List<String> violations = new ArrayList<>();
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = packageOf(file);
                packages.add(pkg);
                String code = COMMENTS.matcher(read(file)).replaceAll(" ");
                Matcher m = REFERENCE.matcher(code);
                Set<String> used = new TreeSet<>();
                while (m.find()) {
                    used.add(m.group(1) == null ? ROOT : m.group(1));
                }
                used.remove(pkg);
                for (String u : used) {
                    if (!ALLOWED.getOrDefault(pkg, Set.of()).contains(u)) {
                        violations.add(MAIN.relativize(file) + " (" + pkg + ") uses " + u);
                    }
                }
            }
        }
        assertEquals(ALLOWED.keySet(), packages, "every package has its rule, and every rule its package");
        assertTrue(violations.isEmpty(), "against the pipeline:\n" + String.join("\n", violations));
    }

    private static String packageOf(Path file) {
        Path rel = MAIN.relativize(file.getParent());
        return rel.toString().isEmpty() ? ROOT : rel.toString().replace('/', '.');
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

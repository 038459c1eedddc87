package org.attentionprobe.packaging;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar users run (after {@code package}): it holds what the tool loads and nothing of Spark (a provided
 * dependency must not take nd4j's libraries out of it), not nd4j's plain native build, and the README's first
 * command runs from it in a fresh JVM.
 */
@org.junit.jupiter.api.Tag("slow")
class ProbeJarIT {
    static final Path JAR = Path.of("target/probe.jar");

    @Test
    void theJarHoldsWhatTheToolLoadsAndNotSparkNorThePlainNativeBuild() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (String needed : new String[]{"org/apache/commons/collections4/trie/PatriciaTrie.class",
                    "com/google/flatbuffers/Table.class", "org/apache/commons/compress/archivers/ArchiveEntry.class",
                    "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64-onednn/libnd4jcpu.so",
                    "org/attentionprobe/cli/Main.class"}) {
                assertNotNull(jar.getEntry(needed), "probe.jar lacks " + needed);
            }
            for (String unwanted : new String[]{"org/apache/spark/SparkContext.class",
                    "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64/libnd4jcpu.so"}) {
                assertNull(jar.getEntry(unwanted), "probe.jar should not hold " + unwanted);
            }
        }
        assertTrue(Files.size(JAR) < 200_000_000L, "probe.jar is " + Files.size(JAR) + " bytes");
    }

    @Test
    void theReadmesFirstCommandRunsFromTheJar() throws Exception {
        Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "testdata/imdb-transformer/model.h5", "--review", "0")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("predicted   negative   0.8070"), out);
    }
}

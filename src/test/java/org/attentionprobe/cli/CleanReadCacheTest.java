package org.attentionprobe.cli;

import org.attentionprobe.ModelOutput;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.ProbeException;
import org.attentionprobe.isolation.CleanReads;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The clean-read cache: a file a child JVM read cleanly is read in this JVM the next time, with the same model; a
 * changed byte, a file the child could not read, or a cache folder that cannot be written all mean isolation again.
 */
@Tag("slow")
class CleanReadCacheTest {
    @TempDir
    Path tmp;

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aFileReadCleanlyInTheChildIsReadHereNextTimeWithTheSameResults() throws IOException {
        Path model = Files.copy(TestData.IMDB.resolve("model.h5"), tmp.resolve("model.h5"));
        ModelLoader loader = ModelLoader.isolated(TIMEOUT, new CleanReads(tmp.resolve("cache")));
        int[][] review = {new int[200]};
        float[] first;
        try (ModelLoader.Pending pending = loader.begin(model, LoadOptions.defaults())) {
            assertTrue(pending.isolated(), "first time: in a child JVM");
            try (TransformerModel m = pending.open(new PrintWriter(new StringWriter()))) {
                first = m.run(review).probabilities().toFloatVector();
            }
        }
        try (ModelLoader.Pending pending = loader.begin(model, LoadOptions.defaults())) {
            assertFalse(pending.isolated(), "the same bytes again: read here");
            try (TransformerModel m = pending.open(new PrintWriter(new StringWriter()))) {
                ModelOutput out = m.run(review);
                assertArrayEquals(first, out.probabilities().toFloatVector());
            }
        }
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length - 1] ^= 1;   // one bit of the last weight
        Files.write(model, bytes);
        try (ModelLoader.Pending pending = loader.begin(model, LoadOptions.defaults())) {
            assertTrue(pending.isolated(), "a changed byte: in a child JVM again");
        }
    }

    @Test
    void aFileReadWithASeparateConfigIsAlwaysReadInTheChild() throws IOException {
        TestData.Fixture v1 = TestData.fixture("keras3/v1");
        Path weights = Files.copy(v1.weightsH5(), tmp.resolve("model.weights.h5"));
        LoadOptions withConfig = LoadOptions.defaults().withConfig(v1.h5());   // a config in an .h5: HDF5 reads it too
        ModelLoader loader = ModelLoader.isolated(TIMEOUT, new CleanReads(tmp.resolve("cache")));
        for (int run = 0; run < 2; run++) {
            try (ModelLoader.Pending pending = loader.begin(weights, withConfig)) {
                assertTrue(pending.isolated(), "run " + run + ": with --config, in a child JVM");
                pending.open(new PrintWriter(new StringWriter())).close();
            }
        }
    }

    @Test
    void aFileTheChildCouldNotReadIsNeverRemembered() throws IOException {
        Path model = Files.copy(TestData.IMDB.resolve("model.h5"), tmp.resolve("model.h5"));
        byte[] bytes = Files.readAllBytes(model);
        for (int i = 2048; i < 4096; i++) {
            bytes[i] = (byte) 0xA5;   // the superblock's neighbourhood: object headers and B-tree nodes
        }
        Files.write(model, bytes);
        ModelLoader loader = ModelLoader.isolated(TIMEOUT, new CleanReads(tmp.resolve("cache")));
        for (int run = 0; run < 2; run++) {
            try (ModelLoader.Pending pending = loader.begin(model, LoadOptions.defaults())) {
                assertTrue(pending.isolated(), "run " + run + ": a file that failed is read in isolation again");
                ProbeException e = assertThrows(ProbeException.class, () -> pending.open(new PrintWriter(new StringWriter())));
                assertTrue(e instanceof BrokenModelException || e.getMessage().contains("model.h5"), e.getMessage());
            }
        }
    }

    @Test
    void identityFollowsTheBytesAndAnUnwritableFolderIsNoError() throws IOException {
        Path a = Files.write(tmp.resolve("a"), new byte[]{1, 2, 3});
        Path b = Files.write(tmp.resolve("b"), new byte[]{1, 2, 3});
        Path c = Files.write(tmp.resolve("c"), new byte[]{1, 2, 4});
        String id = CleanReads.identify(a).orElseThrow();
        assertEquals(id, CleanReads.identify(b).orElseThrow(), "same bytes, another name");
        assertNotEquals(id, CleanReads.identify(c).orElseThrow());
        assertTrue(CleanReads.identify(tmp.resolve("missing")).isEmpty());
        Path notAFolder = Files.write(tmp.resolve("file"), new byte[0]);
        CleanReads unwritable = new CleanReads(notAFolder.resolve("cache"));
        unwritable.remember(id);
        assertFalse(unwritable.contains(id));
        CleanReads cache = new CleanReads(tmp.resolve("cache"));
        assertFalse(cache.contains(id));
        cache.remember(id);
        assertTrue(cache.contains(id));
    }
}

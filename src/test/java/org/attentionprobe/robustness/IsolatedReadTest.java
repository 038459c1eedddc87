package org.attentionprobe.robustness;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.isolation.IsolatedRead;
import org.attentionprobe.keras.LayerSpec;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.keras.Weight;
import org.attentionprobe.testing.Hdf5Edit;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link IsolatedRead}: the model a child JVM read, or its error, arrives intact; its crash or hang becomes one error. */
@org.junit.jupiter.api.Tag("slow")
class IsolatedReadTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);   // hang detection only: a child normally needs a second

    @TempDir
    Path tmp;

    private static SavedModel readInChild(Path file, LoadOptions options) {
        return IsolatedRead.start(file, options, TIMEOUT).await().orElseThrow(() -> new AssertionError("no child JVM ran"));
    }

    @Test
    void modelReadInTheChildEqualsTheModelReadHere() {
        for (Path file : List.of(TestData.IMDB.resolve("model.h5"), TestData.fixture("keras3/v4").keras(),
                TestData.weightsOnly().get(1).file())) {
            LoadOptions options = file.toString().contains("weights-only") ? LoadOptions.defaults().withNumHeads(4) : LoadOptions.defaults();
            SavedModel here = ModelFiles.read(file, options);
            SavedModel there = readInChild(file, options);
            assertEquals(here.source(), there.source());
            assertEquals(here.format(), there.format());
            assertEquals(here.kerasVersion(), there.kerasVersion());
            assertEquals(here.backend(), there.backend());
            assertEquals(here.config().modelClass(), there.config().modelClass());
            assertEquals(here.config().modelName(), there.config().modelName());
            assertEquals(here.config().dialect(), there.config().dialect());
            assertEquals(here.config().inputLayer(), there.config().inputLayer());
            assertEquals(here.config().outputLayer(), there.config().outputLayer());
            assertArrayEquals(here.config().inputShape(), there.config().inputShape());
            assertEquals(here.config().layers().size(), there.config().layers().size());
            for (int i = 0; i < here.config().layers().size(); i++) {
                LayerSpec a = here.config().layers().get(i);
                LayerSpec b = there.config().layers().get(i);
                assertEquals(a.name(), b.name());
                assertEquals(a.className(), b.className());
                assertEquals(a.inbound(), b.inbound());
                assertEquals(String.valueOf(a.config()), String.valueOf(b.config()), a.name());   // numbers may change node class
            }
            assertEquals(here.weights().keySet().stream().toList(), there.weights().keySet().stream().toList());
            for (String layer : here.weights().keySet()) {
                List<Weight> a = here.weightsOf(layer);
                List<Weight> b = there.weightsOf(layer);
                assertEquals(a.size(), b.size(), layer);
                for (int k = 0; k < a.size(); k++) {
                    assertEquals(a.get(k).name(), b.get(k).name());
                    assertArrayEquals(a.get(k).shape(), b.get(k).shape(), a.get(k).name());
                    assertArrayEquals(a.get(k).values(), b.get(k).values(), a.get(k).name());
                }
            }
        }
    }

    @Test
    void anErrorOfTheReadArrivesWithItsTypeAndMessageAndTheCallersPath() throws IOException {
        Path copy = tmp.resolve("no-json.h5");
        try (Hdf5Edit edit = Hdf5Edit.copy(TestData.IMDB.resolve("model.h5"), copy)) {
            edit.writeStringAttribute("/", "model_config", "model: transformer");
        }
        Path relative = Path.of("").toAbsolutePath().relativize(copy.toAbsolutePath());
        String here = assertThrows(BrokenModelException.class, () -> ModelFiles.read(relative)).getMessage();
        String there = assertThrows(BrokenModelException.class, () -> readInChild(relative, LoadOptions.defaults())).getMessage();
        assertEquals(here, there);
        assertTrue(there.startsWith("model_config is not valid JSON"), there);

        Path missingConfig = Path.of("no-such-config.json");
        Path weights = TestData.fixture("keras3/v1").weightsH5();
        String given = assertThrows(InvalidInputException.class,
                () -> readInChild(weights, LoadOptions.defaults().withConfig(missingConfig))).getMessage();
        assertTrue(given.contains("no-such-config.json") && !given.contains(missingConfig.toAbsolutePath().toString()), given);

        InvalidInputException noConfig = assertThrows(InvalidInputException.class, () -> readInChild(weights, LoadOptions.defaults()));
        assertEquals(java.util.Optional.of(org.attentionprobe.errors.UserInput.CONFIG), noConfig.about(),
                "what the error is about crosses the pipe, so the command line can name --config");
    }

    /** The root group's B-tree made its own child: HDF5 recurses until the native stack overflows (SIGSEGV). */
    private Path cycle() throws IOException {
        Path file = tmp.resolve("cycle.h5");
        byte[] bytes = Files.readAllBytes(TestData.IMDB.resolve("model.h5"));
        Hdf5Map map = Hdf5Map.of(TestData.IMDB.resolve("model.h5"));
        int node = (int) map.regions(Hdf5Map.Kind.BTREE).stream().filter(r -> r.path().equals("/")).findFirst().orElseThrow().offset();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(node + 5, (byte) 1);
        b.putLong(node + 32, node);
        Files.write(file, bytes);
        return file;
    }

    @Test
    void aFileThatCrashesTheHdf5LibraryIsReportedAsDamagedAndThisJvmLives() throws IOException {
        Path file = cycle();
        Path temp = Files.createDirectories(tmp.resolve("temp"));
        IsolatedRead read = IsolatedRead.start(file, LoadOptions.defaults(), TIMEOUT, temp);
        BrokenModelException e = assertThrows(BrokenModelException.class, read::await);
        assertTrue(e.getMessage().startsWith("cycle.h5 is damaged: the HDF5 library crashed reading it ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("); expected an intact Keras model file"), e.getMessage());
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of(), left.toList(), "the child's folder, with its crash report, is removed");
        }
    }

    @Test
    void aReadClosedBeforeAwaitStopsTheChildAndRemovesItsFolder() throws IOException {
        Path temp = Files.createDirectories(tmp.resolve("temp"));
        IsolatedRead read = IsolatedRead.start(TestData.IMDB.resolve("model.h5"), LoadOptions.defaults(), TIMEOUT, temp);
        List<ProcessHandle> children = childrenIn(temp);
        assertEquals(1, children.size(), "one child JVM reads the file");
        read.close();   // as a command does when its own input turns out wrong before the model is needed
        assertTrue(children.stream().noneMatch(ProcessHandle::isAlive), "the child is stopped");
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of(), left.toList(), "the child's folder is removed");
        }
        read.close();   // closing twice is harmless
    }

    /** The live child processes of this JVM started with their files in {@code folder}. */
    private static List<ProcessHandle> childrenIn(Path folder) {
        String marker = "-Djava.io.tmpdir=" + folder.toAbsolutePath();
        return ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false)).toList();
    }

    @Test
    void theCommandLineStartsItsChildFromARelativeClassPathAsJavaJarGivesIt() throws Exception {
        // java -jar target/probe.jar gives java.class.path "target/probe.jar"; the child runs in a temporary folder,
        // here one deeper than the command's folder, so the relative entries would not resolve there
        Path run = Files.createDirectories(tmp.resolve("run"));
        Path deepTemp = Files.createDirectories(tmp.resolve("t/e/m/p"));
        String relative = CliProcess.testClassPath().stream().map(e -> run.toAbsolutePath().relativize(e.toAbsolutePath()).toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        assertTrue(relative.startsWith(".."), relative);
        CliProcess.Outcome o = new CliProcess(Duration.ofSeconds(60), relative).run(run, List.of("-Djava.io.tmpdir=" + deepTemp),
                List.of(cycle().toAbsolutePath().toString(), "--tokens", "1,2,3"));
        assertTrue(o.isOneLineError(), o.describe());   // in-process, this file would take the JVM down
        assertTrue(o.errorLines().get(0).startsWith("error: cycle.h5 is damaged: the HDF5 library crashed reading it ("), o.describe());
    }

    @Test
    void aReadThatAllocatesWithoutEndIsStoppedAndReported() throws IOException {
        // the root group's local heap lists a free block that is its own successor: HDF5 loops, allocating as it goes
        Path file = tmp.resolve("free-list.h5");
        byte[] bytes = Files.readAllBytes(TestData.IMDB.resolve("model.h5"));
        int heap = (int) Hdf5Map.of(TestData.IMDB.resolve("model.h5")).regions(Hdf5Map.Kind.LOCAL_HEAP).stream()
                .filter(r -> r.path().equals("/")).findFirst().orElseThrow().offset();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long free = b.getLong(heap + 16);
        long data = b.getLong(heap + 24);
        b.putLong((int) (data + free), free);
        b.putLong((int) (data + free + 8), 16);
        Files.write(file, bytes);
        BrokenModelException e = assertThrows(BrokenModelException.class, () -> readInChild(file, LoadOptions.defaults()));
        assertEquals("free-list.h5 is damaged: reading it made the HDF5 library take more than 512 MB of memory (it loops on a "
                + "corrupt structure); expected an intact Keras model file", e.getMessage());
    }

    @Test
    void aReadThatOutlivesItsTimeIsStoppedAndReported() {
        IsolatedRead read = IsolatedRead.start(TestData.IMDB.resolve("model.h5"), LoadOptions.defaults(), Duration.ofMillis(1));
        BrokenModelException e = assertThrows(BrokenModelException.class, read::await);
        assertEquals("model.h5 is damaged: reading it did not finish within 0 s (the HDF5 library loops on a corrupt structure); "
                + "expected an intact Keras model file", e.getMessage());
    }

    @Test
    void timeoutGrowsWithTheFileSize() throws IOException {
        Path big = tmp.resolve("big.h5");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), 200L << 20);   // sparse: 200 MB
        }
        assertEquals(IsolatedRead.BASE_TIMEOUT, IsolatedRead.timeoutFor(TestData.IMDB.resolve("model.h5")));
        assertEquals(IsolatedRead.BASE_TIMEOUT.plusSeconds(4), IsolatedRead.timeoutFor(big));
    }
}

package org.attentionprobe.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's decisions, without starting a JVM: which kind of run a command line is, the child's command, and the
 * class-data archive's life (made by a first run that succeeds, mapped after, never kept from a failed run). The jar
 * itself goes through the launcher in {@code ProbeJarIT}.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    @Test
    void theKindOfRunFollowsTheInputAndWhatIsAsked() {
        assertEquals(Optional.of(JvmProfile.SHORT), JvmProfile.of(new String[]{"m.h5", "--review", "0"}));
        assertEquals(Optional.of(JvmProfile.SHORT), JvmProfile.of(new String[]{"verify", "m.h5"}));
        assertEquals(Optional.of(JvmProfile.EXPLAIN), JvmProfile.of(new String[]{"m.h5", "--review", "0,1", "--explain"}));
        assertEquals(Optional.of(JvmProfile.EXPLAIN), JvmProfile.of(new String[]{"m.h5", "--text", "good", "--report=r.html"}));
        assertEquals(Optional.of(JvmProfile.CORPUS), JvmProfile.of(new String[]{"m.h5", "--tokens-file", "x.npy"}));
        assertEquals(Optional.of(JvmProfile.CORPUS), JvmProfile.of(new String[]{"m.h5", "--reviews=0..9", "--summary", "s.jsonl"}));
        assertEquals(Optional.of(JvmProfile.CORPUS), JvmProfile.of(new String[]{"m.h5", "--all", "--explain"}), "a corpus stays a corpus");
        assertEquals(Optional.of(JvmProfile.SHORT), JvmProfile.of(new String[]{"m.h5", "--text", "--explain is in the text"}),
                "a value is not an option");
        for (String[] none : new String[][]{{}, {"--help"}, {"m.h5", "-V"}, {"--version"}, {"bench", "m.h5"}}) {
            assertEquals(Optional.empty(), JvmProfile.of(none), String.join(" ", none) + ": runs in the first JVM");
        }
    }

    @Test
    void everyRunKeepsToC1CorporaGetABoundedYoungGenerationAndTheUsersChoicesWin() {
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), JvmProfile.SHORT.jvmOptions(List.of("-Xmx2g")));
        assertEquals(List.of("-XX:TieredStopAtLevel=1"), JvmProfile.EXPLAIN.jvmOptions(List.of("-XX:+UseG1GC")),
                "two collectors would stop the JVM");
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseParallelGC", "-Xmn128m"), JvmProfile.CORPUS.jvmOptions(List.of()));
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseParallelGC"), JvmProfile.CORPUS.jvmOptions(List.of("-Xmx64m")),
                "a young generation larger than the user's heap would be refused");
        assertEquals(List.of("-XX:TieredStopAtLevel=1"), JvmProfile.CORPUS.jvmOptions(List.of("-XX:+UseZGC", "-XX:MaxRAMPercentage=50")));
    }

    @Test
    void theChildGetsTheUsersJvmOptionsAfterTheProfilesAndTheSameArguments() {
        assertEquals(Optional.of(List.of("-Xmx2g", "-Dprobe.readCache=false")),
                Launcher.optionsBeforeJar(List.of("-Xmx2g", "-Dprobe.readCache=false", "-jar", "probe.jar", "m.h5", "-jar")));
        assertEquals(Optional.empty(), Launcher.optionsBeforeJar(List.of("-cp", "probe.jar", "org.attentionprobe.cli.Launcher")),
                "not started with -jar: no relaunch");
        List<String> cmd = Launcher.command(JvmProfile.SHORT, List.of("-XX:SharedArchiveFile=a.jsa"), List.of("-Xmx2g"),
                Path.of("probe.jar"), new String[]{"m.h5", "--review", "0"});
        assertTrue(cmd.get(0).endsWith("java"), cmd.toString());
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=a.jsa", "-Xmx2g",
                "-Dprobe.launcher.pid=" + ProcessHandle.current().pid(), "-cp",
                Path.of("probe.jar").toAbsolutePath().toString(), Main.class.getName(), "m.h5", "--review", "0"), cmd.subList(1, cmd.size()));
    }

    @Test
    void aFirstRunThatSucceedsMakesTheArchiveAndLaterRunsMapIt() throws IOException {
        Path jar = Files.write(tmp.resolve("probe.jar"), new byte[]{1, 2, 3});
        Path folder = tmp.resolve("cache");
        ClassDataArchive first = ClassDataArchive.of(folder, "short", jar);
        Path making = writingTo(first.jvmOptions());
        Files.write(making, new byte[]{42});   // what the JVM dumps at exit
        first.finish(0);
        assertTrue(Files.isRegularFile(first.archive()));
        assertFalse(Files.exists(making));
        assertEquals(List.of("-XX:SharedArchiveFile=" + first.archive(), "-Xlog:cds*=off"),
                ClassDataArchive.of(folder, "short", jar).jvmOptions());
        assertEquals(first.archive(), ClassDataArchive.of(folder, "short", jar).archive(), "the same jar and JVM: the same archive");
    }

    @Test
    void aFailedRunKeepsNothingAndTheNextRunTriesAgain() throws IOException {
        Path jar = Files.write(tmp.resolve("probe.jar"), new byte[]{1});
        Path folder = tmp.resolve("cache");
        ClassDataArchive run = ClassDataArchive.of(folder, "explain", jar);
        Path making = writingTo(run.jvmOptions());
        Files.write(making, new byte[]{42});
        run.finish(2);
        assertFalse(Files.exists(making));
        assertFalse(Files.exists(run.archive()));
        writingTo(ClassDataArchive.of(folder, "explain", jar).jvmOptions());
    }

    @Test
    void aJvmThatWritesNoArchiveIsNotAskedAgain() throws IOException {
        Path jar = Files.write(tmp.resolve("probe.jar"), new byte[]{1});
        Path folder = tmp.resolve("cache");
        ClassDataArchive run = ClassDataArchive.of(folder, "short", jar);
        writingTo(run.jvmOptions());
        run.finish(0);   // succeeded, wrote nothing
        assertEquals(List.of(), ClassDataArchive.of(folder, "short", jar).jvmOptions());
    }

    @Test
    void eachKindKeepsItsMostRecentlyUsedArchivesSoJarsUsedInTurnKeepTheirs() throws IOException {
        Path folder = tmp.resolve("cache");
        List<ClassDataArchive> made = new java.util.ArrayList<>();
        for (int i = 0; i < ClassDataArchive.KEPT; i++) {
            made.add(made(folder, "short", Files.write(tmp.resolve("probe" + i + ".jar"), new byte[]{(byte) i})));
            Files.setLastModifiedTime(made.get(i).archive(), FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        ClassDataArchive otherKind = made(folder, "corpus", tmp.resolve("probe0.jar"));
        ClassDataArchive.of(folder, "short", tmp.resolve("probe0.jar")).jvmOptions();   // jar 0 used again: now the newest
        ClassDataArchive fresh = made(folder, "short", Files.write(tmp.resolve("probe9.jar"), new byte[]{9}));
        assertTrue(Files.exists(fresh.archive()));
        assertTrue(Files.exists(made.get(0).archive()), "used a moment ago: kept");
        assertFalse(Files.exists(made.get(1).archive()), "the least recently used goes");
        assertTrue(Files.exists(made.get(2).archive()));
        assertTrue(Files.exists(otherKind.archive()), "another kind's archives are its own");
    }

    @Test
    void aCacheFolderThatCannotBeMadeMeansNoArchive() throws IOException {
        Path jar = Files.write(tmp.resolve("probe.jar"), new byte[]{1});
        Path file = Files.write(tmp.resolve("not-a-folder"), new byte[0]);
        assertEquals(List.of(), ClassDataArchive.of(file.resolve("cache"), "short", jar).jvmOptions());
    }

    private static ClassDataArchive made(Path folder, String kind, Path jar) throws IOException {
        ClassDataArchive a = ClassDataArchive.of(folder, kind, jar);
        Files.write(writingTo(a.jvmOptions()), new byte[]{42});
        a.finish(0);
        return a;
    }

    /** The file a run's options tell the JVM to dump its archive into. */
    private static Path writingTo(List<String> options) {
        assertEquals(2, options.size(), options.toString());
        String dump = "-XX:ArchiveClassesAtExit=";
        assertTrue(options.get(0).startsWith(dump), options.toString());
        assertEquals("-Xlog:cds*=off", options.get(1), "the dump's class list stays off standard output");
        return Path.of(options.get(0).substring(dump.length()));
    }
}

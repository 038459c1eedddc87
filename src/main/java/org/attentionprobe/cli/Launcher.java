package org.attentionprobe.cli;

import org.attentionprobe.io.UserCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The jar's entry point, {@code java -jar probe.jar ...}: runs {@link Main} in a second JVM started with the options
 * its kind of run wants ({@link JvmProfile}) and the class-data archive of that kind ({@link ClassDataArchive}). A jar
 * cannot give its own JVM options, and these halve a short run: {@code --review 0} on the demo model takes about 0.6 s
 * instead of 1.1 s (docs/speed.md). The child shares this process's standard streams; its exit code is this
 * process's.
 *
 * <p>This JVM does as little as it can before the child starts (no lambdas, streams, string formatting or {@code +}
 * concatenation on that path: each costs its first use tens of milliseconds of bootstrapping).
 *
 * <p>The command runs in this JVM instead when it gains nothing (help, version, {@code bench}), when this JVM was not
 * started with {@code -jar}, with {@code -Dprobe.relaunch=false}, or when the child cannot be started. JVM options
 * given before {@code -jar} are passed on, after the profile's own, so they win.
 */
public final class Launcher {
    /** {@code -Dprobe.relaunch=false}: run the command in this JVM. */
    static final String RELAUNCH_PROPERTY = "probe.relaunch";
    /** The launcher's process id, given to the child: it stops when the launcher is gone (even after {@code kill -9}). */
    static final String PARENT_PROPERTY = "probe.launcher.pid";

    private Launcher() {
    }

    public static void main(String[] args) {
        Optional<Child> child = "false".equalsIgnoreCase(System.getProperty(RELAUNCH_PROPERTY)) ? Optional.empty() : plan(args);
        if (child.isPresent()) {
            Optional<Integer> exit = child.get().run();
            if (exit.isPresent()) {
                System.exit(exit.get());
            }
        }
        Main.main(args);
    }

    /** The child JVM for {@code args}, when this process is {@code java [options] -jar probe.jar ...}. */
    static Optional<Child> plan(String[] args) {
        Optional<JvmProfile> profile = JvmProfile.of(args);
        Optional<Path> jar = jarOfThisProcess();
        Optional<String[]> arguments = ProcessHandle.current().info().arguments();
        Optional<List<String>> userOptions = arguments.isEmpty() ? Optional.empty() : optionsBeforeJar(Arrays.asList(arguments.get()));
        if (profile.isEmpty() || jar.isEmpty() || userOptions.isEmpty()) {
            return Optional.empty();
        }
        ClassDataArchive archive;
        try {
            archive = ClassDataArchive.of(UserCache.folder("jvm"), profile.get().archiveName, jar.get());
        } catch (IOException | RuntimeException e) {
            archive = null;
        }
        return Optional.of(new Child(command(profile.get(), archive == null ? List.of() : archive.jvmOptions(), userOptions.get(), jar.get(), args), archive));
    }

    /** {@code java <profile's options> <archive options> <user's options> -cp probe.jar Main args...}. */
    static List<String> command(JvmProfile profile, List<String> archiveOptions, List<String> userOptions, Path jar, String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(profile.jvmOptions(userOptions));
        cmd.addAll(archiveOptions);
        cmd.addAll(userOptions);
        cmd.add(new StringBuilder("-D").append(PARENT_PROPERTY).append('=').append(ProcessHandle.current().pid()).toString());
        cmd.add("-cp");
        cmd.add(jar.toAbsolutePath().toString());
        cmd.add(Main.class.getName());
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /**
     * In the child: exits (code 143, like a plain {@code kill}) when the launcher that started it is gone, so that a
     * killed launcher leaves no command running on. Shutdown hooks run: outputs are written atomically, none is left
     * half-written.
     */
    static void exitWithLauncher() {
        String pid = System.getProperty(PARENT_PROPERTY);
        if (pid == null) {
            return;
        }
        try {
            ProcessHandle.of(Long.parseLong(pid)).ifPresentOrElse(
                    parent -> parent.onExit().thenRun(() -> System.exit(143)), () -> System.exit(143));
        } catch (NumberFormatException | UnsupportedOperationException e) {
            // not launched by the jar's launcher: nothing to watch
        }
    }

    /** The JVM options of a {@code java ... -jar X ...} command line (its arguments after the executable); else empty. */
    static Optional<List<String>> optionsBeforeJar(List<String> arguments) {
        int jar = arguments.indexOf("-jar");
        return jar < 0 ? Optional.empty() : Optional.of(List.copyOf(arguments.subList(0, jar)));
    }

    /** The jar this class was loaded from, when the class path is exactly that jar. */
    private static Optional<Path> jarOfThisProcess() {
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.endsWith(".jar") || classPath.contains(java.io.File.pathSeparator)) {
            return Optional.empty();
        }
        Path jar = Path.of(classPath);
        return Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
    }

    /** The command line's JVM, to start, wait for, and clean up after. */
    record Child(List<String> command, ClassDataArchive archive) {
        /** The child's exit code; empty when it could not be started (the caller runs the command itself). */
        Optional<Integer> run() {
            Process process;
            try {
                process = new ProcessBuilder(command).inheritIO().start();
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
            Thread stop = new Thread(new Stop(process), "probe-child-stop");   // this JVM stopped (Ctrl-C, kill): so does the child
            Runtime.getRuntime().addShutdownHook(stop);
            int exit = waitFor(process);
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException e) {
                // this JVM is already shutting down (the hook has run)
            }
            if (archive != null) {
                archive.finish(exit);
            }
            return Optional.of(exit);
        }

        /** Stops the child (a named class: this path starts no lambda machinery, which costs a short run 30 ms). */
        private record Stop(Process process) implements Runnable {
            @Override
            public void run() {
                process.destroy();
            }
        }

        private static int waitFor(Process process) {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    // keep waiting: the child owns the terminal until it exits
                }
            }
        }
    }
}

package org.attentionprobe.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.temporal.ChronoUnit;

/**
 * A progress bar with rate and ETA on stderr for people at a terminal; silent otherwise (output redirected,
 * scripts, tests, {@code --json}).
 */
abstract class Progress implements AutoCloseable {
    /** Adds {@code n} finished sequences. */
    abstract void step(int n);

    @Override
    public abstract void close();

    /** A bar for {@code total} sequences when {@code show}, else nothing. */
    static Progress of(String task, long total, boolean show, PrintStream err) {
        return show ? new Bar(task, total, err) : new Silent();
    }

    /** Whether a person is watching: a console (stdin and stdout are a terminal). */
    static boolean atTerminal() {
        return System.console() != null;
    }

    private static final class Silent extends Progress {
        @Override
        void step(int n) {
        }

        @Override
        public void close() {
        }
    }

    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long total, PrintStream err) {
            this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" reviews", 1).showSpeed().setSpeedUnit(ChronoUnit.SECONDS).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(err)).build();
        }

        @Override
        void step(int n) {
            bar.stepBy(n);
        }

        @Override
        public void close() {
            bar.close();
        }
    }
}

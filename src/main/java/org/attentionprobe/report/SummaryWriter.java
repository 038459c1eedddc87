package org.attentionprobe.report;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.AtomicOutput;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ReviewSummary;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes one line per sequence of a corpus run as it arrives, as JSON Lines ({@code .jsonl}) or CSV
 * ({@code .csv}), chosen by the file's extension. The file is written under a temporary name in its folder and
 * renamed by {@link #commit()}; closed without a commit (an error half-way), the temporary file is deleted, so
 * there is never a half-written summary under the real name.
 */
public final class SummaryWriter implements AutoCloseable {
    /** The layouts, by file extension. */
    public enum Format {
        JSONL(".jsonl") {
            @Override
            SummaryRows rows(OutputStream out, Columns columns) throws IOException {
                return new JsonlRows(out, columns);
            }
        },
        CSV(".csv") {
            @Override
            SummaryRows rows(OutputStream out, Columns columns) throws IOException {
                return new CsvRows(out, columns);
            }
        };

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        abstract SummaryRows rows(OutputStream out, Columns columns) throws IOException;

        /** The format a file name asks for; an input error for any other extension. */
        public static Format of(Path file) {
            String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
            for (Format f : values()) {
                if (name.endsWith(f.extension)) {
                    return f;
                }
            }
            throw new InvalidInputException(UserInput.SUMMARY_FILE, "summary file " + file + ": expected a file name ending in .jsonl (JSON Lines) or .csv");
        }
    }

    /**
     * What every row holds.
     *
     * @param classNames the class names {@code [C]}
     * @param heads      the heads of each summary, in order
     * @param top        keys listed per head (CSV columns per head)
     */
    public record Columns(List<String> classNames, List<HeadRef> heads, int top) {
        public Columns {
            classNames = List.copyOf(classNames);
            heads = List.copyOf(heads);
        }
    }

    private final AtomicOutput file;
    private final SummaryRows rows;
    private long written;

    private SummaryWriter(AtomicOutput file, SummaryRows rows) {
        this.file = file;
        this.rows = rows;
    }

    /** Starts {@code target} (its format from its extension) under a temporary name. */
    public static SummaryWriter open(Path target, Columns columns) {
        Format format = Format.of(target);
        if (Files.isDirectory(target)) {
            throw new InvalidInputException(UserInput.SUMMARY_FILE, "summary file " + target + " is a folder; expected a file name such as summary.jsonl");
        }
        AtomicOutput file = AtomicOutput.open(target);
        try {
            return new SummaryWriter(file, format.rows(file.stream(), columns));
        } catch (IOException e) {
            file.close();
            throw AtomicOutput.failure(target, e);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Appends one sequence's row. */
    public void write(ReviewSummary summary) {
        try {
            rows.write(summary);
            written++;
        } catch (IOException e) {
            throw AtomicOutput.failure(file.target(), e);
        }
    }

    /** Rows written so far. */
    public long rows() {
        return written;
    }

    public Path target() {
        return file.target();
    }

    /** Finishes the file and renames it into place. */
    public void commit() {
        try {
            rows.finish();
        } catch (IOException e) {
            throw AtomicOutput.failure(file.target(), e);
        }
        file.commit();
    }

    /** Deletes the temporary file unless {@link #commit()} renamed it into place. */
    @Override
    public void close() {
        file.close();
    }
}

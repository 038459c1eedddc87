package org.attentionprobe.report;

import org.attentionprobe.probe.ReviewSummary;

import java.io.IOException;

/** One layout of a summary file: a row per sequence, written as it comes. */
interface SummaryRows {
    void write(ReviewSummary summary) throws IOException;

    /** Flushes what is buffered (the stream itself is closed by the caller). */
    void finish() throws IOException;
}

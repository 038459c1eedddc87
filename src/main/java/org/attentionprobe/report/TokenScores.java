package org.attentionprobe.report;

/**
 * One method's score for every position, as a report shows it.
 *
 * @param name        a short name ({@code integrated gradients})
 * @param description one line saying what is computed
 * @param signed      whether scores can be negative (shaded red) as well as positive (green)
 * @param values      {@code [L]}, one per position
 */
public record TokenScores(String name, String description, boolean signed, double[] values) {
}

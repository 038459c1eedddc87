package org.attentionprobe.report;

import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ReviewSummary;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV (RFC 4180, UTF-8), one row per sequence: {@code id, origin, label, predicted, correct}, one
 * {@code p_<class>} column per class, {@code real_tokens}, then per head {@code b<B>h<H>_entropy} and for
 * i = 1..top {@code b<B>h<H>_top<i>_word}, {@code _position}, {@code _weight}. Missing values (no label, fewer
 * tokens than top, a number that is not finite) are empty cells.
 */
final class CsvRows implements SummaryRows {
    private final Writer out;
    private final SummaryWriter.Columns columns;

    CsvRows(OutputStream stream, SummaryWriter.Columns columns) throws IOException {
        this.out = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
        this.columns = columns;
        line(header(columns));
    }

    static List<String> header(SummaryWriter.Columns columns) {
        List<String> names = new ArrayList<>(List.of("id", "origin", "label", "predicted", "correct"));
        for (String c : columns.classNames()) {
            names.add("p_" + c);
        }
        names.add("real_tokens");
        for (HeadRef h : columns.heads()) {
            String prefix = "b" + h.block() + "h" + h.head() + "_";
            names.add(prefix + "entropy");
            for (int i = 1; i <= columns.top(); i++) {
                names.add(prefix + "top" + i + "_word");
                names.add(prefix + "top" + i + "_position");
                names.add(prefix + "top" + i + "_weight");
            }
        }
        return names;
    }

    @Override
    public void write(ReviewSummary s) throws IOException {
        List<String> cells = new ArrayList<>();
        List<String> classes = columns.classNames();
        cells.add(Integer.toString(s.id()));
        cells.add(s.origin());
        cells.add(s.label().isPresent() ? classes.get(s.label().getAsInt()) : "");
        cells.add(classes.get(s.predicted()));
        cells.add(s.correct().map(String::valueOf).orElse(""));
        for (float p : s.probabilities()) {
            cells.add(Float.isFinite(p) ? Float.toString(p) : "");
        }
        cells.add(Integer.toString(s.realTokens()));
        for (ReviewSummary.HeadSummary h : s.heads()) {
            cells.add(Double.isFinite(h.entropy()) ? Double.toString(h.entropy()) : "");
            for (int i = 0; i < columns.top(); i++) {
                KeyWeight k = i < h.top().size() ? h.top().get(i) : null;
                cells.add(k == null ? "" : k.word());
                cells.add(k == null ? "" : Integer.toString(k.position()));
                cells.add(k == null || !Double.isFinite(k.weight()) ? "" : Double.toString(k.weight()));
            }
        }
        line(cells);
    }

    private void line(List<String> cells) throws IOException {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(quote(cells.get(i)));
        }
        out.write("\r\n");
    }

    /** A cell as RFC 4180 wants it: quoted when it holds a comma, a quote or a line break, quotes doubled. */
    static String quote(String cell) {
        boolean plain = cell.chars().noneMatch(ch -> ch == ',' || ch == '"' || ch == '\n' || ch == '\r');
        return plain ? cell : '"' + cell.replace("\"", "\"\"") + '"';
    }

    @Override
    public void finish() throws IOException {
        out.flush();
    }
}

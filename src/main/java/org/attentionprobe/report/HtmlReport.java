package org.attentionprobe.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.io.AtomicFiles;
import org.attentionprobe.io.Json;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * One self-contained, offline HTML file for one or more sequences: the prediction, the tokens shaded by each
 * method's scores (green positive, red negative, white near 0; each method scaled by its largest |score| over the
 * shown tokens), a head view per block (click a token to see where it attends, or a key to see who attends to it)
 * and the attention heatmaps, drawn on canvases from data embedded in the page.
 *
 * <p>Everything is inline: the style, the script, the data (a {@code <script type="application/json">}). A
 * Content-Security-Policy of {@code default-src 'none'} forbids the page any request, so it stays offline even
 * when opened from a web server. Only the real tokens are embedded (padding positions are left out, and each
 * query's share of attention on padding is given instead); numbers are rounded to 4 significant digits.
 *
 * <p>The page reports its own state for tests: {@code <body data-status="ok">} once drawn, {@code data-errors}
 * and {@code data-violations} counting script errors and blocked requests.
 */
public final class HtmlReport {
    static final String CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
            + "base-uri 'none'; form-action 'none'";
    private static final MathContext DIGITS = new MathContext(4);

    private HtmlReport() {
    }

    /**
     * @param title   the page title
     * @param about   lines under it (model, format, how the scores were computed)
     * @param reviews one section each, chosen with a selector when there are several
     */
    public static String render(String title, List<String> about, List<HtmlReview> reviews) {
        if (reviews.isEmpty()) {
            throw new IllegalArgumentException("report data: expected at least one sequence to report, got none");
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("title", title);
        about.forEach(root.putArray("about")::add);
        ArrayNode sections = root.putArray("reviews");
        for (HtmlReview r : reviews) {
            sections.add(review(r));
        }
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"" + CSP + "\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>" + escape(title) + "</title>\n"
                + "<style>\n" + resource("report.css") + "</style>\n</head>\n"
                + "<body data-status=\"loading\">\n"
                + "<noscript><p class=\"noscript\">This report draws its content with JavaScript; please allow scripts for this file.</p></noscript>\n"
                + "<script type=\"application/json\" id=\"report-data\">" + scriptSafe(json(root)) + "</script>\n"
                + "<script>\n" + resource("report.js") + "</script>\n"
                + "</body>\n</html>\n";
    }

    /** Writes the report atomically. */
    public static void write(Path file, String title, List<String> about, List<HtmlReview> reviews) {
        AtomicFiles.writeString(file, render(title, about, reviews));
    }

    /** One sequence, trimmed to its shown positions. */
    private static ObjectNode review(HtmlReview r) {
        int[] shown = r.shownPositions();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("title", r.title());
        o.put("length", r.length());
        ArrayNode words = o.putArray("words");
        ArrayNode positions = o.putArray("positions");
        for (int p : shown) {
            words.add(r.words().get(p));
            positions.add(p);
        }
        r.classNames().forEach(o.putArray("classes")::add);
        ArrayNode probabilities = o.putArray("probabilities");
        for (double p : r.probabilities()) {
            probabilities.add(round(p));
        }
        o.put("predicted", r.predictedClass());
        o.put("explained", r.explainedClass().orElse(-1));
        o.put("label", r.trueClass().orElse(-1));
        r.notes().forEach(o.putArray("notes")::add);
        ArrayNode methods = o.putArray("methods");
        for (TokenScores s : r.scores()) {
            ObjectNode m = methods.addObject();
            m.put("name", s.name());
            m.put("description", s.description());
            m.put("signed", s.signed());
            ArrayNode values = m.putArray("values");
            for (int p : shown) {
                values.add(round(s.values()[p]));
            }
        }
        ArrayNode blocks = o.putArray("blocks");
        for (INDArray a : r.attention()) {
            blocks.add(block(a, shown));
        }
        return o;
    }

    /**
     * One block {@code [H, L, L]} among the shown positions: per head the weights row by row ({@code n·n}, row =
     * query) and each shown query's total weight on the positions not shown (padding).
     */
    private static ObjectNode block(INDArray attention, int[] shown) {
        int heads = (int) attention.size(0);
        int length = (int) attention.size(1);
        double[] w = attention.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        boolean[] isShown = new boolean[length];
        for (int p : shown) {
            isShown[p] = true;
        }
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("heads", heads);
        ArrayNode weights = b.putArray("weights");
        ArrayNode hidden = b.putArray("hidden");
        for (int h = 0; h < heads; h++) {
            ArrayNode head = weights.addArray();
            ArrayNode elsewhere = hidden.addArray();
            for (int q : shown) {
                int row = (h * length + q) * length;
                double rest = 0;
                for (int k = 0; k < length; k++) {
                    rest += isShown[k] ? 0 : w[row + k];
                }
                for (int k : shown) {
                    head.add(round(w[row + k]));
                }
                elsewhere.add(round(rest));
            }
        }
        return b;
    }

    /** 4 significant digits. */
    static double round(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return Double.isFinite(v) ? 0 : Double.NaN;
        }
        return new BigDecimal(v).round(DIGITS).doubleValue();
    }

    private static String json(ObjectNode root) {
        try {
            return Json.MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report data", e);
        }
    }

    /** JSON inside a script element: no {@code </script>}, no markup; these characters only occur inside JSON strings. */
    static String scriptSafe(String json) {
        return json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " beside " + HtmlReport.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

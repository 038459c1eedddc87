package org.attentionprobe.report;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.AtomicFiles;
import org.attentionprobe.probe.HeadReading;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.probe.TokenSequence;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One labelled attention heatmap per head, like the familiar seaborn figure: query words down the left, key words
 * across the bottom, viridis colours scaled per head from its smallest to its largest shown weight, and a colour bar
 * with values (and their ratio to uniform attention). Padding positions are left out unless asked for.
 *
 * <p>Process-wide effect: loading this class sets {@code java.awt.headless=true} unless it is set (drawing needs no
 * display).
 */
public final class HeatmapPng {
    /** Labels are cut to this many characters. */
    static final int MAX_LABEL = 14;
    private static final Color TEXT = new Color(0x222222);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private HeatmapPng() {
    }

    /** Where the figure of these heads of a result goes. */
    public static HeatmapLayout layout(ProbeResult result, List<HeadRef> heads, boolean keepPadding) {
        TokenSequence s = result.sequence();
        int[] shown = s.positions(keepPadding);
        if (shown.length == 0) {
            throw new InvalidInputException(UserInput.KEEP_PADDING, "nothing to draw: the sequence has no real tokens, only padding, and padding is not shown");
        }
        FontMetrics fm = labelMetrics();
        int widest = 0;
        for (int p : shown) {
            widest = Math.max(widest, fm.stringWidth(label(s.words()[p])));
        }
        return HeatmapLayout.of(heads, shown.length, widest + 2);
    }

    /** The label font's metrics; a Java runtime without fonts fails here with a message saying so. */
    private static FontMetrics labelMetrics() {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            FontMetrics fm = g.getFontMetrics(labelFont());
            fm.stringWidth("probe");
            return fm;
        } catch (LinkageError | InternalError | RuntimeException e) {
            throw new IllegalStateException("cannot draw the heatmap: Java2D found no usable font (install fontconfig and a font "
                    + "package such as fonts-dejavu-core): " + e, e);
        } finally {
            g.dispose();
        }
    }

    /** Draws the figure and writes it as PNG (atomically); returns its layout. */
    public static HeatmapLayout write(Path file, ProbeResult result, List<HeadRef> heads, boolean keepPadding) {
        HeatmapLayout layout = layout(result, heads, keepPadding);
        BufferedImage image = render(result, heads, keepPadding, layout);
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer in this Java runtime");
            }
        });
        return layout;
    }

    public static BufferedImage render(ProbeResult result, List<HeadRef> heads, boolean keepPadding, HeatmapLayout layout) {
        TokenSequence s = result.sequence();
        int[] shown = s.positions(keepPadding);
        BufferedImage image = new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, layout.width(), layout.height());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            drawFigureTitle(g, result, keepPadding, shown.length);
            ColorMap colors = ColorMap.viridis();
            for (HeatmapLayout.Panel panel : layout.panels()) {
                HeadReading head = HeadReading.of(result, panel.head(), keepPadding);
                drawPanel(g, panel, head, s, shown, layout, colors);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void drawFigureTitle(Graphics2D g, ProbeResult r, boolean keepPadding, int shown) {
        TokenSequence s = r.sequence();
        g.setColor(TEXT);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(String.format(Locale.ROOT, "Attention weights — %s, predicted %s (%.4f)", s.origin(), r.predictedClassName(),
                r.probabilities()[r.predictedClass()]), HeatmapLayout.MARGIN, 20);
        g.setFont(labelFont());
        String padding = s.paddingCount() == 0 ? "no padding"
                : keepPadding ? s.paddingCount() + " padding positions shown" : s.paddingCount() + " padding positions left out";
        g.drawString(String.format(Locale.ROOT, "rows = query tokens, columns = key tokens; every row sums to 1 over all %d positions "
                + "(uniform %.4f); %d tokens shown, %s; colour scale per head", s.length(), 1.0 / s.length(), shown, padding),
                HeatmapLayout.MARGIN, 38);
    }

    /** @param shown the positions drawn {@code [n]}, ascending */
    private static void drawPanel(Graphics2D g, HeatmapLayout.Panel panel, HeadReading head, TokenSequence s, int[] shown,
                                  HeatmapLayout layout, ColorMap colors) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int q : shown) {
            for (int k : shown) {
                min = Math.min(min, head.weight(q, k));
                max = Math.max(max, head.weight(q, k));
            }
        }
        double range = max > min ? max - min : 1;
        Rectangle m = panel.matrix();
        int cell = layout.cell();
        for (int i = 0; i < shown.length; i++) {
            for (int j = 0; j < shown.length; j++) {
                g.setColor(new Color(colors.rgb((head.weight(shown[i], shown[j]) - min) / range)));
                g.fillRect(m.x + j * cell, m.y + i * cell, cell, cell);
            }
        }
        g.setColor(TEXT);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString("block " + panel.head().block() + " · head " + panel.head().head() + "   (query ↓, key →)",
                panel.title().x, panel.title().y + panel.title().height - 7);
        drawLabels(g, s, shown, m, layout);
        drawColorBar(g, panel.colorBar(), min, max, s.length(), colors);
    }

    /** @param shown the positions drawn {@code [n]}, ascending */
    private static void drawLabels(Graphics2D g, TokenSequence s, int[] shown, Rectangle m, HeatmapLayout layout) {
        g.setFont(labelFont());
        g.setColor(TEXT);
        FontMetrics fm = g.getFontMetrics();
        int cell = layout.cell();
        int middle = (fm.getAscent() - fm.getDescent()) / 2;
        for (int i : layout.labelled()) {
            String text = label(s.words()[shown[i]]);
            int centre = i * cell + cell / 2;
            g.drawString(text, m.x - HeatmapLayout.GAP - fm.stringWidth(text), m.y + centre + middle);       // query, left
            AffineTransform saved = g.getTransform();
            g.translate(m.x + centre, m.y + m.height + HeatmapLayout.GAP);                                 // key, below
            g.rotate(-Math.PI / 2);
            g.drawString(text, -fm.stringWidth(text), middle);
            g.setTransform(saved);
        }
    }

    private static void drawColorBar(Graphics2D g, Rectangle bar, double min, double max, int length, ColorMap colors) {
        for (int y = 0; y < bar.height; y++) {
            double t = bar.height == 1 ? 1 : 1 - (double) y / (bar.height - 1);
            g.setColor(new Color(colors.rgb(t)));
            g.fillRect(bar.x, bar.y + y, bar.width, 1);
        }
        g.setColor(TEXT);
        g.setStroke(new BasicStroke(1));
        g.drawRect(bar.x, bar.y, bar.width - 1, bar.height - 1);
        g.setFont(labelFont());
        FontMetrics fm = g.getFontMetrics();
        double[] ticks = {max, (min + max) / 2, min};
        for (int i = 0; i < ticks.length; i++) {
            int y = bar.y + (int) Math.round(i * (bar.height - 1) / 2.0);
            tick(g, bar, y, String.format(Locale.ROOT, "%.4f ×%.2f", ticks[i], ticks[i] * length), fm);
        }
        double uniform = 1.0 / length;
        if (uniform > min && uniform < max) {
            int y = bar.y + (int) Math.round((max - uniform) / (max - min) * (bar.height - 1));
            boolean clear = true;
            for (int i = 0; i < ticks.length; i++) {
                clear &= Math.abs(y - (bar.y + i * (bar.height - 1) / 2.0)) >= HeatmapLayout.LABEL_PITCH;
            }
            if (clear) {
                tick(g, bar, y, "uniform", fm);
            }
        }
    }

    private static void tick(Graphics2D g, Rectangle bar, int y, String text, FontMetrics fm) {
        int x = bar.x + bar.width;
        g.drawLine(x, y, x + 3, y);
        g.drawString(text, x + 5, y + (fm.getAscent() - fm.getDescent()) / 2);
    }

    private static Font labelFont() {
        return new Font(Font.SANS_SERIF, Font.PLAIN, HeatmapLayout.FONT_SIZE);
    }

    static String label(String word) {
        return word.length() <= MAX_LABEL ? word : word.substring(0, MAX_LABEL - 1) + "…";
    }
}

package org.attentionprobe.report;

import org.attentionprobe.probe.HeadRef;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Where everything of a heatmap figure goes: one panel per head, each a square matrix of {@code n × n} cells
 * (query tokens down, key tokens across) with word labels on both axes and a colour bar to the right. Cells get
 * smaller as tokens grow (about 1200 px per matrix side); when labels would overlap, every {@code stride}-th token is
 * labelled. Panels of one block share a row (at most {@value #MAX_COLUMNS} per row).
 */
public final class HeatmapLayout {
    /** One head's panel: the matrix area (cell {@code (q, k)} at {@code x + k*cell, y + q*cell}) and its colour bar. */
    public record Panel(HeadRef head, Rectangle title, Rectangle matrix, Rectangle colorBar) {
    }

    static final int FONT_SIZE = 11;
    /** Smallest distance between two labels, in pixels. */
    static final int LABEL_PITCH = 12;
    static final int TARGET_SIDE = 1200;
    static final int MIN_CELL = 1;
    static final int MAX_CELL = 20;
    static final int MAX_COLUMNS = 4;
    static final int MARGIN = 24;
    static final int FIGURE_TITLE = 48;
    static final int PANEL_TITLE = 22;
    static final int GAP = 6;
    static final int BAR_WIDTH = 14;
    static final int BAR_TEXT = 120;
    /** Wide enough for the figure's two title lines, however few tokens are drawn. */
    static final int MIN_WIDTH = 1000;

    private final int tokens;        // n, shown positions per axis
    private final int cell;          // pixels per cell side
    private final int stride;        // every stride-th token is labelled
    private final int labelWidth;    // pixels reserved for the longest label
    private final int columns;
    private final int width;
    private final int height;
    private final List<Panel> panels;

    private HeatmapLayout(List<HeadRef> heads, int tokens, int labelWidth) {
        if (heads.isEmpty() || tokens <= 0) {
            throw new IllegalArgumentException("a heatmap needs at least one head and one token, got " + heads.size() + " and " + tokens);
        }
        this.tokens = tokens;
        this.cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.round((float) TARGET_SIDE / tokens)));
        this.stride = (LABEL_PITCH + cell - 1) / cell;
        this.labelWidth = labelWidth;
        int perBlock = (int) heads.stream().mapToInt(HeadRef::block).distinct()
                .map(b -> (int) heads.stream().filter(h -> h.block() == b).count()).max().orElse(1);
        this.columns = Math.min(MAX_COLUMNS, perBlock);
        int side = tokens * cell;
        int panelWidth = labelWidth + GAP + side + 2 * GAP + BAR_WIDTH + GAP + BAR_TEXT;
        int panelHeight = PANEL_TITLE + side + GAP + labelWidth;
        List<Panel> out = new ArrayList<>();
        int row = 0;
        int col = 0;
        for (int i = 0; i < heads.size(); i++) {
            boolean newBlock = i > 0 && heads.get(i).block() != heads.get(i - 1).block();
            if (i > 0 && (col == columns || newBlock)) {
                row++;
                col = 0;
            }
            int x0 = MARGIN + col * (panelWidth + MARGIN);
            int y0 = FIGURE_TITLE + row * (panelHeight + MARGIN);
            Rectangle matrix = new Rectangle(x0 + labelWidth + GAP, y0 + PANEL_TITLE, side, side);
            out.add(new Panel(heads.get(i), new Rectangle(matrix.x, y0, side, PANEL_TITLE),
                    matrix, new Rectangle(matrix.x + side + 2 * GAP, matrix.y, BAR_WIDTH, side)));
            col++;
        }
        this.panels = List.copyOf(out);
        this.width = Math.max(MIN_WIDTH, MARGIN + columns * (panelWidth + MARGIN));
        this.height = FIGURE_TITLE + (row + 1) * (panelHeight + MARGIN);
    }

    /** The layout of {@code heads} panels of {@code tokens × tokens} cells, labels at most {@code labelWidth} px long. */
    public static HeatmapLayout of(List<HeadRef> heads, int tokens, int labelWidth) {
        return new HeatmapLayout(heads, tokens, labelWidth);
    }

    public List<Panel> panels() {
        return panels;
    }

    public int tokens() {
        return tokens;
    }

    public int cell() {
        return cell;
    }

    /** Every {@code labelStride()}-th token has a label (1: all of them). */
    public int labelStride() {
        return stride;
    }

    /** The indices (into the shown tokens) that get a label, on both axes. */
    public int[] labelled() {
        return IntStream.range(0, tokens).filter(i -> i % stride == 0).toArray();
    }

    public int labelWidth() {
        return labelWidth;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }
}

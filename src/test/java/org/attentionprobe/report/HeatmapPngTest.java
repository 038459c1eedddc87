package org.attentionprobe.report;

import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.testing.Imdb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The heatmap PNG of Keras's attention for test review 0: decodes, one panel per head, labelled, colours where the weights say. */
class HeatmapPngTest {
    static final List<HeadRef> BOTH_HEADS = List.of(new HeadRef(0, 0), new HeadRef(0, 1));
    /** The ends of the viridis palette. */
    static final int DARKEST = 0x440154;
    static final int BRIGHTEST = 0xFDE725;

    @TempDir
    Path tmp;

    @Test
    void onePanelPerHeadOverTheRealTokensWithEveryTokenLabelled() throws IOException {
        ProbeResult r = Imdb.kerasResult(0);
        int[] real = IntStream.range(0, 200).filter(p -> Imdb.x(0)[p] != 0).toArray();
        Path png = tmp.resolve("heads.png");
        HeatmapLayout layout = HeatmapPng.write(png, r, BOTH_HEADS, false);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "the file decodes as PNG");
        assertEquals(layout.width(), image.getWidth());
        assertEquals(layout.height(), image.getHeight());
        assertEquals(2, layout.panels().size());
        assertEquals(real.length, layout.tokens(), "padding trimmed");
        assertEquals(1, layout.labelStride());
        assertEquals(real.length, layout.labelled().length, "every token labelled");
        for (HeatmapLayout.Panel panel : layout.panels()) {
            assertEquals(real.length * layout.cell(), panel.matrix().width);
            assertCellsFollowTheWeights(image, layout, panel, real);
            assertLabelsDrawn(image, layout, panel);
        }
    }

    @Test
    void twoHundredTokensThinTheLabelsAndOneHeadIsOnePanel() throws IOException {
        Path png = tmp.resolve("padded.png");
        HeatmapLayout layout = HeatmapPng.write(png, Imdb.kerasResult(0), List.of(new HeadRef(0, 1)), true);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1, layout.panels().size());
        assertEquals(200, layout.tokens(), "--keep-padding draws every position");
        assertTrue(layout.labelStride() > 1, "labels would overlap at " + layout.cell() + " px per token");
        assertEquals((200 + layout.labelStride() - 1) / layout.labelStride(), layout.labelled().length);
        assertTrue(layout.cell() * layout.labelStride() >= HeatmapLayout.LABEL_PITCH, "labelled tokens are a label height apart");
        assertEquals(layout.width(), image.getWidth());
        assertCellsFollowTheWeights(image, layout, layout.panels().get(0), IntStream.range(0, 200).toArray());
    }

    @Test
    void blocksGetTheirOwnRowsAndPanelsNeverOverlap() {
        List<HeadRef> heads = List.of(new HeadRef(0, 0), new HeadRef(0, 1), new HeadRef(1, 0), new HeadRef(1, 1));
        HeatmapLayout layout = HeatmapLayout.of(heads, 30, 60);
        List<HeatmapLayout.Panel> p = layout.panels();
        assertEquals(p.get(0).matrix().y, p.get(1).matrix().y, "heads of one block side by side");
        assertTrue(p.get(2).matrix().y > p.get(0).matrix().y + p.get(0).matrix().height, "block 1 below block 0");
        Rectangle figure = new Rectangle(0, 0, layout.width(), layout.height());
        for (int i = 0; i < p.size(); i++) {
            assertTrue(figure.contains(p.get(i).colorBar()) && figure.contains(p.get(i).matrix()), "panel " + i + " inside the figure");
            for (int j = i + 1; j < p.size(); j++) {
                assertFalse(p.get(i).matrix().intersects(p.get(j).matrix()), "panels " + i + " and " + j);
            }
        }
    }

    /** The largest shown weight is drawn in the brightest colour, the smallest in the darkest, the others in between. */
    private static void assertCellsFollowTheWeights(BufferedImage image, HeatmapLayout layout, HeatmapLayout.Panel panel, int[] shown) {
        float[] w = Imdb.kerasResult(0).head(0, panel.head().head());   // [200 * 200], Keras's weights
        int maxQ = 0, maxK = 0, minQ = 0, minK = 0;
        for (int i = 0; i < shown.length; i++) {
            for (int j = 0; j < shown.length; j++) {
                float v = w[shown[i] * 200 + shown[j]];
                if (v > w[shown[maxQ] * 200 + shown[maxK]]) {
                    maxQ = i;
                    maxK = j;
                }
                if (v < w[shown[minQ] * 200 + shown[minK]]) {
                    minQ = i;
                    minK = j;
                }
            }
        }
        assertEquals(BRIGHTEST, cellColour(image, layout, panel, maxQ, maxK), "largest weight of " + panel.head());
        assertEquals(DARKEST, cellColour(image, layout, panel, minQ, minK), "smallest weight of " + panel.head());
        double min = w[shown[minQ] * 200 + shown[minK]];
        double max = w[shown[maxQ] * 200 + shown[maxK]];
        ColorMap viridis = ColorMap.viridis();
        for (int i = 0; i < shown.length; i += 7) {
            int j = (i * 3) % shown.length;
            assertEquals(viridis.rgb((w[shown[i] * 200 + shown[j]] - min) / (max - min)), cellColour(image, layout, panel, i, j),
                    "cell (" + i + ", " + j + ") of " + panel.head());
        }
    }

    private static int cellColour(BufferedImage image, HeatmapLayout layout, HeatmapLayout.Panel panel, int q, int k) {
        Rectangle m = panel.matrix();
        return image.getRGB(m.x + k * layout.cell() + layout.cell() / 2, m.y + q * layout.cell() + layout.cell() / 2) & 0xffffff;
    }

    /** Every labelled row has ink left of the matrix, every labelled column ink below it. */
    private static void assertLabelsDrawn(BufferedImage image, HeatmapLayout layout, HeatmapLayout.Panel panel) {
        Rectangle m = panel.matrix();
        int cell = layout.cell();
        for (int i : layout.labelled()) {
            Rectangle rowLabel = new Rectangle(m.x - layout.labelWidth() - HeatmapLayout.GAP, m.y + i * cell, layout.labelWidth(), cell);
            Rectangle columnLabel = new Rectangle(m.x + i * cell, m.y + m.height + HeatmapLayout.GAP, cell, layout.labelWidth());
            assertTrue(hasInk(image, rowLabel), "label of query " + i + " of " + panel.head());
            assertTrue(hasInk(image, columnLabel), "label of key " + i + " of " + panel.head());
        }
    }

    private static boolean hasInk(BufferedImage image, Rectangle r) {
        for (int y = r.y; y < r.y + r.height; y++) {
            for (int x = r.x; x < r.x + r.width; x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                if ((rgb & 0xff) < 0x80) {
                    return true;
                }
            }
        }
        return false;
    }
}

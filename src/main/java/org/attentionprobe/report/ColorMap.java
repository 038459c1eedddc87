package org.attentionprobe.report;

/**
 * A perceptually ordered colour map: dark violet for the smallest value to yellow for the largest, lightness
 * rising monotonically, readable in grey-scale and by colour-blind readers. It interpolates in sRGB between the
 * ten colours of the viridis palette (R's {@code viridis(10)}), which is close to the full 256-colour table.
 */
public final class ColorMap {
    private static final int[] VIRIDIS_10 = {
            0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725};

    private final int[] anchors;   // [n] 0xRRGGBB from t = 0 to t = 1

    private ColorMap(int[] anchors) {
        this.anchors = anchors.clone();
    }

    public static ColorMap viridis() {
        return new ColorMap(VIRIDIS_10);
    }

    /** The colour of {@code t} in [0, 1] (clamped) as 0xRRGGBB. */
    public int rgb(double t) {
        double x = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t)) * (anchors.length - 1);
        int i = Math.min((int) Math.floor(x), anchors.length - 2);
        double f = x - i;
        int a = anchors[i];
        int b = anchors[i + 1];
        return mix(a >> 16, b >> 16, f) << 16 | mix(a >> 8, b >> 8, f) << 8 | mix(a, b, f);
    }

    private static int mix(int a, int b, double f) {
        int x = a & 0xff;
        int y = b & 0xff;
        return (int) Math.round(x + (y - x) * f);
    }
}

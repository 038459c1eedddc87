package org.attentionprobe.bench;

import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.layers.BlockInfo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Floating-point operations per review, counting matrix products only (2 per multiply-add): what bounds a
 * forward pass. Not counted: the embedding gather, biases, softmax, layer norms, pooling (together a few
 * percent of the operations, all of them memory-bound).
 *
 * <p>Per block of H heads, key size dk, value size dv, on L positions of width E:
 * QKV projection {@code 2·L·E·H·(2·dk + dv)}, scores {@code 2·H·L·L·dk}, A·V {@code 2·H·L·L·dv},
 * output projection {@code 2·L·H·dv·E}, feed-forward {@code 2·2·L·E·ff}; then every Dense layer after the
 * blocks ({@code 2·inputs·units}, per position when it is applied per position; its inputs are the width of
 * the layer before it).
 */
public record FlopCount(Map<String, Double> parts) {

    public static FlopCount of(ModelSummary summary) {
        double l = summary.sequenceLength();
        double e = summary.embedDim();
        Map<String, Double> parts = new LinkedHashMap<>();
        for (BlockInfo b : summary.blocks()) {
            double h = b.heads();
            add(parts, "QKV projection", 2 * l * e * h * (2.0 * b.keyDim() + b.valueDim()));
            add(parts, "scores QKᵀ", 2 * h * l * l * b.keyDim());
            add(parts, "A·V", 2 * h * l * l * b.valueDim());
            add(parts, "output projection", 2 * l * h * b.valueDim() * e);
            add(parts, "feed-forward", 2 * 2 * l * e * b.ffDim());
        }
        long[] previous = null; // the layers form a chain in the keras.io models: a Dense reads the one before it
        for (ModelSummary.LayerInfo layer : summary.layers()) {
            long[] shape = layer.outputShape();
            if (layer.className().endsWith("Dense") && previous != null && previous.length >= 2 && shape.length >= 2) {
                double inputs = previous[previous.length - 1];
                double units = shape[shape.length - 1];
                double positions = shape.length == 3 ? shape[1] : 1;
                add(parts, "dense layers", 2 * positions * inputs * units);
            }
            previous = shape;
        }
        return new FlopCount(parts);
    }

    private static void add(Map<String, Double> parts, String name, double flops) {
        parts.merge(name, flops, Double::sum);
    }

    public double total() {
        return parts.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}

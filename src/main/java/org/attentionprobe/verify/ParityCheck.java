package org.attentionprobe.verify;

import org.attentionprobe.layers.Results;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.io.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares a model's results with a Keras {@code reference.npz} (the layout of python-export's
 * {@code export_reference.py}): per layer the largest absolute difference and where it occurs.
 */
public final class ParityCheck {
    /** Reference array name → graph result name, in data-flow order; {@code {i}} is the block index. */
    private static final Map<String, String> PER_MODEL = Map.of("embedding_output", "embedding", "probs", "probabilities");
    private static final List<String[]> PER_BLOCK = List.of(
            new String[]{"block{i}_input", "block{i}/input"},
            new String[]{"block{i}_attention_weights", "block{i}/attention"},
            new String[]{"block{i}_attention_output", "block{i}/attention_output"},
            new String[]{"block{i}_output", "block{i}/output"});

    private ParityCheck() {
    }

    /**
     * One compared array.
     *
     * @param reference  the name in reference.npz
     * @param result     the graph result name
     * @param shape      the shape both have (or the reference's, on a shape mismatch)
     * @param maxDiff    the largest |java − keras|; {@code +∞} on a shape mismatch
     * @param where      the index of that difference
     * @param tolerance  the allowed difference
     * @param note       a shape-mismatch description, or empty
     */
    public record Diff(String reference, String result, long[] shape, double maxDiff, long[] where, double tolerance, String note) {
        public boolean ok() {
            return maxDiff <= tolerance;
        }
    }

    /**
     * Runs the reference's {@code x} and compares every array the reference holds.
     *
     * @param atol       tolerance for attention weights and probabilities
     * @param hiddenAtol tolerance for hidden states (embedding, block inputs/outputs, attention outputs)
     */
    public static List<Diff> run(TransformerModel model, Map<String, INDArray> reference, double atol, double hiddenAtol) {
        INDArray x = reference.get("x");
        if (x == null) {
            throw new InvalidInputException("the reference has no 'x' array (the token ids it was computed from); arrays: " + reference.keySet());
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put("embedding_output", PER_MODEL.get("embedding_output"));
        for (int i = 0; i < model.summary().blocks().size(); i++) {
            for (String[] p : PER_BLOCK) {
                pairs.put(p[0].replace("{i}", Integer.toString(i)), p[1].replace("{i}", Integer.toString(i)));
            }
        }
        pairs.put("probs", PER_MODEL.get("probs"));
        pairs.keySet().retainAll(reference.keySet());
        Map<String, INDArray> out = model.run(x.castTo(DataType.INT32), pairs.values().toArray(String[]::new));
        List<Diff> diffs = new ArrayList<>();
        for (Map.Entry<String, String> p : pairs.entrySet()) {
            boolean strict = p.getValue().equals(Results.PROBABILITIES) || Results.isAttention(p.getValue());
            diffs.add(compare(p.getKey(), p.getValue(), reference.get(p.getKey()), out.get(p.getValue()), strict ? atol : hiddenAtol));
        }
        return diffs;
    }

    /** Shape first, then the largest absolute difference and its index. */
    public static Diff compare(String refName, String resultName, INDArray expected, INDArray actual, double tolerance) {
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            return new Diff(refName, resultName, expected.shape(), Double.POSITIVE_INFINITY, new long[0], tolerance,
                    "shape mismatch: Keras " + Shapes.format(expected.shape()) + ", Java " + Shapes.format(actual.shape()));
        }
        double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double max = 0;
        int at = 0;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            if (d > max || Double.isNaN(d)) {
                max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                at = i;
            }
        }
        return new Diff(refName, resultName, expected.shape(), max, unravel(at, expected.shape()), tolerance, "");
    }

    private static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return idx;
    }
}

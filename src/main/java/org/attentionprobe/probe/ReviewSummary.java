package org.attentionprobe.probe;

import org.attentionprobe.ModelOutput;
import org.attentionprobe.probe.HeadReading.KeyWeight;

import java.util.List;
import java.util.OptionalInt;

/**
 * What a corpus run keeps of one sequence once its attention is gone: the prediction, and per head the keys that
 * receive the most attention and the attention entropy: the single-review report's numbers
 * ({@link HeadReading#mostAttended}, {@link HeadReading#entropy}); a corpus run takes their sums with OpenBLAS, equal
 * to float rounding ({@link CorpusRun}).
 *
 * @param id            the review's index in the review files, or the row of a token file
 * @param origin        {@code review 12}, {@code row 3 of x.npy}
 * @param label         the true class index, when the data has one
 * @param probabilities the class probabilities {@code [C]} (2 for one sigmoid output)
 * @param realTokens    the real (non-padding) tokens the model read
 * @param heads         the selected heads, in block/head order
 */
public record ReviewSummary(int id, String origin, OptionalInt label, float[] probabilities, int realTokens,
                            List<HeadSummary> heads) {
    public ReviewSummary {
        probabilities = probabilities.clone();
        heads = List.copyOf(heads);
    }

    /**
     * One head on one sequence.
     *
     * @param head     which head
     * @param top      the keys receiving the most attention, largest first ({@link HeadReading#mostAttended})
     * @param entropy  the mean attention entropy of the real-token queries in nats ({@link HeadReading#entropy})
     * @param keyIds   the token ids of the shown keys {@code [n]} (the real tokens, or every position with padding kept)
     * @param received the mean weight each of those keys receives {@code [n]}, for corpus totals per word
     */
    public record HeadSummary(HeadRef head, List<KeyWeight> top, double entropy, int[] keyIds, double[] received) {
        public HeadSummary {
            top = List.copyOf(top);
        }

        /** Reads one head: its {@code k} most attended keys, its entropy and what every shown key receives. */
        public static HeadSummary of(HeadReading reading, TokenSequence sequence, int k) {
            return of(reading.head(), reading.received(), reading.entropy(), sequence, reading.shownPositions(), k);
        }

        /**
         * One head from its numbers: {@code received} {@code [L]} (the mean weight each key receives from the shown
         * queries, {@link HeadReading#received()}) and the entropy; {@code shown} the positions summarised, ascending.
         */
        static HeadSummary of(HeadRef head, double[] received, double entropy, TokenSequence sequence, int[] shown, int k) {
            int[] ids = new int[shown.length];
            double[] shownReceived = new double[shown.length];
            for (int i = 0; i < shown.length; i++) {
                ids[i] = sequence.ids()[shown[i]];
                shownReceived[i] = received[shown[i]];
            }
            return new HeadSummary(head, HeadReading.mostAttended(received, shown, sequence, k), entropy, ids, shownReceived);
        }
    }

    /** The most probable class (the first of equals). */
    public int predicted() {
        return ModelOutput.argMax(probabilities);
    }

    /** Whether the prediction is the true class; empty without a label. */
    public java.util.Optional<Boolean> correct() {
        return label.isPresent() ? java.util.Optional.of(label.getAsInt() == predicted()) : java.util.Optional.empty();
    }

    /**
     * Summarises one probed sequence, e.g. from {@link AttentionProbe#review}: the corpus path's numbers for the
     * single-review path.
     */
    public static ReviewSummary of(int id, ProbeResult result, List<HeadRef> heads, int k, boolean keepPadding) {
        List<HeadSummary> summaries = heads.stream()
                .map(h -> HeadSummary.of(HeadReading.of(result, h, keepPadding), result.sequence(), k)).toList();
        return new ReviewSummary(id, result.sequence().origin(), result.label(), result.probabilities(),
                result.sequence().realCount(), summaries);
    }
}

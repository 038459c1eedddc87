package org.attentionprobe.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.ModelOutput;
import org.attentionprobe.ModelRunner;
import org.attentionprobe.TransformerModel;
import org.attentionprobe.data.Sequences;
import org.attentionprobe.graph.ModelGraph;
import org.attentionprobe.io.TokenFile;
import org.attentionprobe.report.AttentionExport;
import org.attentionprobe.report.JsonReport;
import org.attentionprobe.report.ProbeReport;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A token file of many rows: one line per row (or one JSON document), and the arrays streamed to {@code --export}
 * batch by batch, so a whole corpus never sits in memory.
 */
final class BatchMode {
    private BatchMode() {
    }

    /**
     * Checks a token file's ids for the model ({@link TokenFile#check}: whole numbers, int32, inside the vocabulary
     * where the model reads them) and says how its rows are fitted to the model's length, like pad_sequences.
     */
    static void check(TransformerModel m, TokenFile tokens, PrintWriter err) {
        int length = m.summary().sequenceLength();
        int n = tokens.length();
        tokens.check(m.summary().vocabSize(), p -> p - n + length >= 0 ? p - n + length : -1, ModelGraph::badTokenId);
        if (n != length) {
            err.printf("note: the model reads %d tokens; %d sequence(s) were left-padded with 0 and %d truncated to their last %d ids "
                    + "(like keras.utils.pad_sequences)%n", length, n < length ? tokens.rows() : 0, n > length ? tokens.rows() : 0, length);
        }
    }

    /** Every row {@code [B][n]} padded or truncated to {@code [B][L]} like pad_sequences (rows of length L as they are). */
    static int[][] fit(int[][] raw, int length) {
        int[][] out = new int[raw.length][];
        for (int i = 0; i < raw.length; i++) {
            out[i] = raw[i].length == length ? raw[i] : Sequences.padPre(raw[i], length);
        }
        return out;
    }

    /** Runs {@code tokens} {@code [B][L]} in batches of {@code batchSize}. */
    static void run(TransformerModel m, List<String> classNames, Path modelFile, int[][] tokens, int batchSize, Path exportTo,
                    boolean json, PrintWriter out, PrintWriter err) {
        ObjectNode doc = json ? JsonReport.batchRoot(modelFile, m.summary(), classNames) : null;
        if (doc == null) {
            out.println(ProbeReport.modelLine(modelFile, m.summary()));
        }
        AttentionExport export = exportTo == null ? null : new AttentionExport(exportTo, m.summary(), tokens);
        try (ModelRunner runner = m.newRunner()) {   // the fast path's own arrays: nothing copied per batch
            for (int start = 0; start < tokens.length; start += batchSize) {
                int[][] batch = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + batchSize));  // [b][L]
                ModelOutput result = runner.run(Nd4j.createFromArray(batch));
                if (export != null) {
                    export.append(result.probabilities(), result.attention());
                }
                for (int r = 0; r < batch.length; r++) {
                    INDArray p = result.probabilities().getRow(r);   // [C]
                    if (doc != null) {
                        JsonReport.addRow(doc, start + r, p.toFloatVector(), classNames);
                    } else {
                        out.printf("row %d: class %d, probabilities %s%n", start + r, result.predictedClass(r), p.toString().replace("\n", ""));
                    }
                }
            }
        } finally {
            if (export != null) {
                export.close();
            }
        }
        if (doc != null) {
            out.println(JsonReport.write(doc));
        }
        out.flush();
        if (export != null) {
            err.println("wrote " + String.join(", ", export.fileNames()) + " to " + exportTo);
        }
    }
}

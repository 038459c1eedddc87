package org.attentionprobe.report;

import org.attentionprobe.ModelOutput;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.io.AtomicFiles;
import org.attentionprobe.io.Npy;
import org.attentionprobe.io.NpyStreamWriter;
import org.attentionprobe.probe.HeadReading;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.probe.TokenSequence;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes what the model computed for {@code B} sequences into a folder, for Python users:
 * <ul>
 *   <li>{@code probabilities.npy} float32 {@code [B, C]}</li>
 *   <li>{@code tokens.npy} int32 {@code [B, L]}: the ids the model read (after padding/truncation)</li>
 *   <li>{@code attention_block{i}.npy} float32 {@code [B, H, L, L]}: rows = query, columns = key, all L positions</li>
 *   <li>{@code attention.json} (one sequence only): {@code tokens} and {@code attention[layer][head][query][key]}, the
 *       format bertviz's {@code head_view} takes, padding left out unless kept</li>
 * </ul>
 * The arrays are streamed batch by batch; every file is written under a temporary name and renamed when complete.
 */
public final class AttentionExport implements AutoCloseable {
    public static final String PROBABILITIES = "probabilities.npy";
    public static final String TOKENS = "tokens.npy";
    public static final String BERTVIZ = "attention.json";

    private final Path dir;
    private final int[][] tokens;                  // [B][L], written on close when every row arrived
    private final List<NpyStreamWriter> writers;   // probabilities, then one per block
    private final int outputs;   // the model's output width (1 for a sigmoid)
    private int rows;

    /** Opens the streams for {@code tokens.length} sequences of a model; {@code tokens} {@code [B][L]} are the ids it reads. */
    public AttentionExport(Path dir, ModelSummary model, int[][] tokens) {
        this.dir = dir;
        this.tokens = tokens;
        this.outputs = model.outputs();
        int b = tokens.length;
        int l = model.sequenceLength();
        this.writers = new ArrayList<>();
        try {
            writers.add(new NpyStreamWriter(dir.resolve(PROBABILITIES), b, model.outputs()));   // the model's output, as Keras's
            for (int i = 0; i < model.blocks().size(); i++) {
                writers.add(new NpyStreamWriter(dir.resolve(attentionFile(i)), b, model.blocks().get(i).heads(), l, l));
            }
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
    }

    public static String attentionFile(int block) {
        return "attention_block" + block + ".npy";
    }

    /** Appends the next rows: probabilities {@code [b, C]}, attention per block {@code [b, H, L, L]}. */
    public void append(INDArray probabilities, List<INDArray> attention) {
        writers.get(0).append(probabilities);
        for (int i = 0; i < attention.size(); i++) {
            writers.get(i + 1).append(attention.get(i));
        }
        rows += (int) probabilities.size(0);
    }

    /** Appends one probed sequence. */
    public void append(ProbeResult r) {
        List<INDArray> attention = new ArrayList<>();
        for (INDArray a : r.attention()) {   // [H, L, L] -> [1, H, L, L]
            attention.add(a.reshape(1, a.size(0), a.size(1), a.size(2)));
        }
        append(Nd4j.createFromArray(new float[][]{ModelOutput.outputs(r.probabilities(), outputs)}), attention);
    }

    /** Files written, for messages. */
    public List<String> fileNames() {
        List<String> names = new ArrayList<>(List.of(PROBABILITIES, TOKENS));
        for (int i = 1; i < writers.size(); i++) {
            names.add(attentionFile(i - 1));
        }
        return names;
    }

    /** Commits the arrays if every row arrived (tokens.npy with them); otherwise removes the partial files. */
    @Override
    public void close() {
        closeAll();
        if (rows == tokens.length) {
            Npy.write(Nd4j.createFromArray(tokens), dir.resolve(TOKENS));
        }
    }

    private void closeAll() {
        RuntimeException first = null;
        for (NpyStreamWriter w : writers) {
            try {
                w.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Writes {@code attention.json} for one sequence: {@code tokens} (words), {@code attention[layer][head][query][key]},
     * and for reference {@code token_ids}, {@code positions} (the index of each kept token in the model's input) and
     * {@code padding_included}. In Python: {@code d = json.load(f); head_view([torch.tensor(a)[None] for a in d["attention"]], d["tokens"])}.
     */
    public static void writeBertviz(Path file, ProbeResult r, boolean keepPadding) {
        TokenSequence s = r.sequence();
        int[] shown = s.positions(keepPadding);
        AtomicFiles.write(file, out -> {
            try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)
                    .configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false)) {
                g.writeStartObject();
                g.writeStringField("origin", s.origin());
                g.writeArrayFieldStart("tokens");
                for (int p : shown) {
                    g.writeString(s.words()[p]);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("token_ids");
                for (int p : shown) {
                    g.writeNumber(s.ids()[p]);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("positions");
                for (int p : shown) {
                    g.writeNumber(p);
                }
                g.writeEndArray();
                g.writeBooleanField("padding_included", keepPadding || s.paddingCount() == 0);
                g.writeArrayFieldStart("attention");
                for (int b = 0; b < r.attention().size(); b++) {
                    g.writeStartArray();
                    for (int h = 0; h < r.heads(b); h++) {
                        HeadReading head = HeadReading.of(r, new HeadRef(b, h), keepPadding);
                        g.writeStartArray();
                        for (int q : shown) {
                            g.writeStartArray();
                            for (int k : shown) {
                                g.writeNumber((float) head.weight(q, k));
                            }
                            g.writeEndArray();
                        }
                        g.writeEndArray();
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        });
    }
}

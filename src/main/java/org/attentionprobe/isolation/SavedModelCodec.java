package org.attentionprobe.isolation;

import org.attentionprobe.keras.Weight;
import org.attentionprobe.keras.ModelConfig;
import org.attentionprobe.keras.LayerSpec;
import org.attentionprobe.keras.Call;
import org.attentionprobe.keras.SavedModel;
import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.io.Json;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link SavedModel} as bytes and back, so the child JVM of {@link IsolatedRead} can hand over what it read.
 * Not a file format: both ends are the same build, and the stream never outlives one command.
 *
 * <pre>
 * source format kerasVersion backend                      strings (int length + UTF-8; length -1 for null)
 * modelClass modelName dialect inputLayer outputLayer      strings
 * inputShape                                               int rank (-1 for none), longs
 * modelClass ... inputLayer, output layer, int node, int index
 * layers: int n, then name className module configJson calls   strings; calls: int n, JSON strings ({@link Call})
 * weights: int layers, then layer name, int n, then n × (name, int rank, longs, int count, count float32 little-endian)
 * </pre>
 */
final class SavedModelCodec {
    /** Larger strings or arrays than this mean the stream is damaged (a child that died mid-write). */
    private static final int MAX_STRING = 1 << 28;

    private SavedModelCodec() {
    }

    static void write(SavedModel m, DataOutputStream out) throws IOException {
        writeString(out, m.source() == null ? null : m.source().toString());
        writeString(out, m.format());
        writeString(out, m.kerasVersion());
        writeString(out, m.backend());
        ModelConfig c = m.config();
        writeString(out, c.modelClass());
        writeString(out, c.modelName());
        writeString(out, c.dialect().name());
        writeString(out, c.inputLayer());
        writeString(out, c.output().layer());
        out.writeInt(c.output().node());
        out.writeInt(c.output().index());
        writeLongs(out, c.inputShape());
        out.writeInt(c.layers().size());
        for (LayerSpec layer : c.layers()) {
            writeString(out, layer.name());
            writeString(out, layer.className());
            writeString(out, layer.module());
            writeString(out, layer.config() == null ? null : Json.MAPPER.writeValueAsString(layer.config()));
            out.writeInt(layer.calls().size());
            for (Call call : layer.calls()) {
                writeString(out, Json.MAPPER.writeValueAsString(call.toJson()));
            }
        }
        out.writeInt(m.weights().size());
        for (Map.Entry<String, List<Weight>> layer : m.weights().entrySet()) {
            writeString(out, layer.getKey());
            out.writeInt(layer.getValue().size());
            for (Weight w : layer.getValue()) {
                writeString(out, w.name());
                writeLongs(out, w.shape());
                float[] v = w.values();
                out.writeInt(v.length);
                ByteBuffer bytes = ByteBuffer.allocate(4 * Math.min(v.length, 1 << 16)).order(ByteOrder.LITTLE_ENDIAN);
                for (int start = 0; start < v.length; start += 1 << 16) {
                    int n = Math.min(v.length - start, 1 << 16);
                    bytes.clear();
                    bytes.asFloatBuffer().put(v, start, n);
                    out.write(bytes.array(), 0, 4 * n);
                }
            }
        }
    }

    static SavedModel read(DataInputStream in) throws IOException {
        String source = readString(in);
        String format = readString(in);
        String version = readString(in);
        String backend = readString(in);
        String modelClass = readString(in);
        String modelName = readString(in);
        ModelConfig.Dialect dialect = ModelConfig.Dialect.valueOf(readString(in));
        String inputLayer = readString(in);
        Call.TensorRef output = new Call.TensorRef(readString(in), in.readInt(), in.readInt());
        long[] inputShape = readLongs(in);
        int layerCount = count(in);
        List<LayerSpec> layers = new ArrayList<>(layerCount);
        for (int i = 0; i < layerCount; i++) {
            String name = readString(in);
            String className = readString(in);
            String module = readString(in);
            String json = readString(in);
            JsonNode config = json == null ? null : Json.MAPPER.readTree(json);
            int n = count(in);
            List<Call> calls = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                calls.add(Call.fromJson(Json.MAPPER.readTree(readString(in))));
            }
            layers.add(new LayerSpec(name, className, module, config, calls));
        }
        ModelConfig config = new ModelConfig(modelClass, modelName, dialect, layers, inputLayer, output, inputShape);
        int weightLayers = count(in);
        Map<String, List<Weight>> weights = new LinkedHashMap<>();
        for (int i = 0; i < weightLayers; i++) {
            String layer = readString(in);
            int n = count(in);
            List<Weight> list = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                String name = readString(in);
                long[] shape = readLongs(in);
                float[] values = new float[count(in)];
                byte[] chunk = new byte[4 * Math.min(values.length, 1 << 16)];
                for (int start = 0; start < values.length; start += 1 << 16) {
                    int len = Math.min(values.length - start, 1 << 16);
                    in.readFully(chunk, 0, 4 * len);
                    ByteBuffer.wrap(chunk, 0, 4 * len).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values, start, len);
                }
                list.add(new Weight(name, shape, values));
            }
            weights.put(layer, list);
        }
        return new SavedModel(source == null ? null : Path.of(source), format, version, backend, config, weights);
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > MAX_STRING) {
            throw new IOException("damaged stream: a string of " + n + " bytes");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private static void writeLongs(DataOutputStream out, long[] values) throws IOException {
        out.writeInt(values == null ? -1 : values.length);
        if (values != null) {
            for (long v : values) {
                out.writeLong(v);
            }
        }
    }

    private static long[] readLongs(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > 64) {
            throw new IOException("damaged stream: a shape of rank " + n);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readLong();
        }
        return v;
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw new IOException("damaged stream: a count of " + n);
        }
        return n;
    }
}

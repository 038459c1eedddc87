package org.attentionprobe.robustness;

import org.attentionprobe.robustness.Hdf5Map.Kind;
import org.attentionprobe.robustness.Hdf5Map.Region;
import org.attentionprobe.testing.Hdf5Edit;
import org.attentionprobe.testing.TestData;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Generates broken variants of Keras-written models, deterministically, into a folder: every way a download,
 * a disk or another tool can damage a model file. Each case says what the command line must do with it.
 *
 * <p>Damage to HDF5 structures is aimed with {@link Hdf5Map} at structures the reader walks (the root,
 * {@code model_weights}, layer groups, weight datasets, their attributes and the global heap holding their
 * strings), so every such case is really broken, not a flip in a byte nobody reads.
 */
final class BrokenFiles {
    /** What the command line must do with a case. */
    enum Expect {
        /** exit code 2 and exactly one line on stderr starting with "error:" */
        ERROR,
        /** the numbers changed but the file is intact: exit 0 with one "warning:" line naming NaN/Inf weights */
        WARNING,
        /** damage the reader may or may not notice (random flips): exit 0, or exit 2 with one "error:" line; never a crash */
        NO_CRASH
    }

    record Case(String name, Path file, Expect expect) {
    }

    /** A Keras-written model file and its structure map. */
    private record Source(String label, Path file, byte[] bytes, Hdf5Map map) {
        static Source of(String label, Path file) throws IOException {
            return new Source(label, file, Files.readAllBytes(file), Hdf5Map.of(file));
        }

        /** Regions of a kind on the path the reader walks (never the optimizer state). */
        List<Region> read(Kind kind) {
            return map.regions(kind).stream().filter(r -> !r.path().contains("optimizer_weights")).toList();
        }

        /** The first, a middle and the last of a kind, in file order. */
        List<Region> spread(Kind kind) {
            List<Region> all = read(kind).stream().sorted(Comparator.comparingLong(Region::offset)).toList();
            return all.size() <= 3 ? all : List.of(all.get(0), all.get(all.size() / 2), all.get(all.size() - 1));
        }

        long size() {
            return bytes.length;
        }

        /** The offset of structure {@code i} (0 first, 1 middle, 2 last) of a kind on the read path. */
        int at(Kind kind, int i) {
            List<Region> r = spread(kind);
            return (int) r.get(Math.min(i, r.size() - 1)).offset();
        }

        int root() {
            return (int) map.objectHeader("/").offset();
        }

        int globalHeap() {
            return (int) read(Kind.GLOBAL_HEAP).get(0).offset();
        }

        /** The raw data of the last kernel in the file. */
        int kernel() {
            return (int) read(Kind.RAW_DATA).stream().filter(r -> r.path().endsWith("kernel") || r.path().endsWith("kernel:0"))
                    .max(Comparator.comparingLong(Region::offset)).orElseThrow().offset();
        }

        /** The data of the first non-empty attribute message called {@code name}. */
        int attribute(String name) {
            String path = map.heapRefs().stream().filter(r -> r.attribute().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(label + ": no attribute " + name)).path();
            return (int) map.messages().stream().filter(m -> m.path().equals(path) && name.equals(m.attributeName())).findFirst()
                    .orElseThrow().dataOffset();
        }

        /** The global heap reference of the middle element of {@code layer_names}. */
        int layerNameRef() {
            List<Hdf5Map.HeapRef> refs = map.heapRefs().stream().filter(r -> r.attribute().equals("layer_names")).toList();
            return (int) refs.get(refs.size() / 2).offset();
        }

        /** The data of message {@code type} in the object header of the weight whose data lies last in the file. */
        int weightMessage(int type) {
            String weight = spread(Kind.RAW_DATA).get(spread(Kind.RAW_DATA).size() - 1).path();
            return (int) map.messages().stream().filter(m -> m.path().equals(weight) && m.type() == type).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(label + ": no message " + type + " in " + weight)).dataOffset();
        }

        /** The first dimension in the dataspace message of that weight. */
        int firstDim() {
            int space = weightMessage(1);
            return space + (bytes[space] == 1 ? 8 : 4);
        }
    }

    private final Path dir;
    private final List<Case> cases = new ArrayList<>();
    /** The files damage is spread over: each kind of damage goes to the next file in turn. */
    private List<Source> rotation = List.of();
    private int turn;

    private BrokenFiles(Path dir) {
        this.dir = dir;
    }

    /** Writes every case into {@code dir} and lists them. */
    static List<Case> generate(Path dir) throws IOException {
        BrokenFiles g = new BrokenFiles(dir);
        Source imdb = Source.of("imdb", TestData.IMDB.resolve("model.h5"));
        Source builtin = Source.of("builtin", TestData.VARIANTS.resolve("builtin-layers/model.h5"));
        Source tf213 = Source.of("tf213", TestData.FIXTURES.resolve("tf-keras-2.13/one-block-502-classes/model.h5"));
        Source weightsOnly = Source.of("weights-only", TestData.DERIVED.resolve("weights-only/tf-keras-2.13-one-block-502-classes.h5"));
        g.notModels(imdb);
        g.truncations(imdb, List.of(builtin, tf213, weightsOnly));
        g.rotation = List.of(imdb, builtin, tf213, weightsOnly);
        g.superblock();
        g.groups();
        g.objectHeaders();
        g.globalHeap();
        g.datasets();
        g.attributes();
        g.rotation = List.of(weightsOnly, tf213, builtin);   // the damage that crashed HDF5 most, once more on other files
        g.globalHeapCrashers();
        g.edits(imdb, TestData.FIXTURES.resolve("keras3/v4/model.h5"), TestData.FIXTURES.resolve("tf-keras-2.13/one-block-502-classes/model.h5"));
        g.archives(TestData.IMDB.resolve("model.keras"));
        g.numbers(builtin);
        g.randomFlips(imdb, 4, 1);
        g.randomFlips(builtin, 4, 2);
        return List.copyOf(g.cases);
    }

    // ---- files that are no model at all ----

    private void notModels(Source model) throws IOException {
        write("empty.h5", new byte[0]);
        Files.createDirectories(dir.resolve("a-folder.h5"));
        cases.add(new Case("a-folder.h5", dir.resolve("a-folder.h5"), Expect.ERROR));
        write("text.h5", "model weights will be uploaded soon\n".getBytes(StandardCharsets.UTF_8));
        write("html-error-page.h5", "<!DOCTYPE html><html><body>404 Not Found</body></html>".getBytes(StandardCharsets.UTF_8));
        write("png.h5", new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
        write("random-bytes.h5", random(4096, 7));
        byte[] sigOnly = new byte[4096];
        System.arraycopy(model.bytes(), 0, sigOnly, 0, 8);
        System.arraycopy(random(4088, 8), 0, sigOnly, 8, 4088);
        write("hdf5-signature-then-garbage.h5", sigOnly);
        write("json-config.h5", "{\"class_name\": \"Functional\", \"config\": {\"layers\": []}}".getBytes(StandardCharsets.UTF_8));
        write("npy-array.h5", Files.readAllBytes(TestData.IMDB.resolve("labels.npy")));
        write("zip-pretending-to-be.h5", zip("readme.txt", "not a model".getBytes(StandardCharsets.UTF_8)));
        write("gzip.h5", new byte[]{0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4});
        byte[] userBlockGarbage = new byte[2048];
        System.arraycopy(random(2048, 9), 0, userBlockGarbage, 0, 2048);
        System.arraycopy(model.bytes(), 0, userBlockGarbage, 512, 8);
        write("signature-at-512-then-garbage.h5", userBlockGarbage);
    }

    // ---- truncated downloads ----

    private void truncations(Source main, List<Source> others) throws IOException {
        truncations(main, true);
        for (Source s : others) {
            truncations(s, false);
        }
    }

    /** A file cut short; {@code everywhere}: at many offsets, else in the middle. */
    private void truncations(Source s, boolean everywhere) throws IOException {
        int size = s.bytes().length;
        List<Long> at = new ArrayList<>(List.of((long) size / 2));
        if (everywhere) {
            at.addAll(List.of(1L, 8L, 40L, 95L, 96L + 8, size - 4096L, size - 1L));
            at.add(s.spread(Kind.OBJECT_HEADER).get(0).offset() + 10);
            at.add(s.spread(Kind.GLOBAL_HEAP).get(0).offset() + 100);
            at.add(s.spread(Kind.BTREE).get(1).offset() + 20);
        }
        for (long n : at.stream().distinct().sorted().toList()) {
            write(s.label() + "-truncated-at-" + n + ".h5", java.util.Arrays.copyOf(s.bytes(), (int) n));
        }
        // truncated, and the end-of-file address in the superblock rewritten to match: the reader meets the missing data
        Region kernel = s.read(Kind.RAW_DATA).stream().filter(r -> r.path().endsWith("kernel") || r.path().endsWith("kernel:0"))
                .max(Comparator.comparingLong(Region::offset)).orElseThrow();
        List<Long> patched = everywhere ? List.of((long) size / 3, kernel.offset() + 4) : List.of(kernel.offset() + 4);
        for (long n : patched) {
            byte[] cut = java.util.Arrays.copyOf(s.bytes(), (int) n);
            ByteBuffer.wrap(cut).order(ByteOrder.LITTLE_ENDIAN).putLong(40, n);
            write(s.label() + "-truncated-at-" + n + "-eof-patched.h5", cut);
        }
    }

    // ---- the superblock (version 0: sizes at 13 and 14, base address 24, end of file 40, root entry 56) ----

    private void superblock() throws IOException {
        damage("superblock-version-7", (s, b) -> b.put(8, (byte) 7));
        damage("superblock-offset-size-3", (s, b) -> b.put(13, (byte) 3));
        damage("superblock-length-size-0", (s, b) -> b.put(14, (byte) 0));
        damage("superblock-eof-below-size", (s, b) -> b.putLong(40, 2000));
        damage("superblock-base-address-moved", (s, b) -> b.putLong(24, 4096));
        damage("superblock-root-header-beyond-eof", (s, b) -> b.putLong(64, s.size() + 4096));
        damage("superblock-root-header-into-superblock", (s, b) -> b.putLong(64, 16));
        damage("superblock-root-header-at-zero", (s, b) -> b.putLong(64, 0));
        damage("superblock-signature-flipped", (s, b) -> b.put(1, (byte) 'X'));
    }

    // ---- groups: B-tree nodes, symbol nodes, local heaps ----

    private void groups() throws IOException {
        damage("btree-signature", (s, b) -> b.putInt(s.at(Kind.BTREE, 1), 0x45455254 ^ 0x20202020));
        damage("btree-node-type-1", (s, b) -> b.put(s.at(Kind.BTREE, 0) + 4, (byte) 1));
        damage("btree-level-9", (s, b) -> b.put(s.at(Kind.BTREE, 1) + 5, (byte) 9));
        damage("btree-entries-65535", (s, b) -> b.putShort(s.at(Kind.BTREE, 1) + 6, (short) -1));
        damage("btree-child-beyond-eof", (s, b) -> b.putLong(s.at(Kind.BTREE, 1) + 32, s.size() * 4));
        damage("btree-child-is-itself", (s, b) -> {
            int node = s.at(Kind.BTREE, 0);
            b.put(node + 5, (byte) 1);                 // a level-1 node whose child is the node itself
            b.putLong(node + 32, node);
        });
        damage("symbol-node-signature", (s, b) -> b.put(s.at(Kind.SYMBOL_NODE, 0) + 1, (byte) 'x'));
        damage("symbol-node-count-65535", (s, b) -> b.putShort(s.at(Kind.SYMBOL_NODE, 2) + 6, (short) -1));
        damage("symbol-node-entry-header-beyond-eof", (s, b) -> b.putLong(s.at(Kind.SYMBOL_NODE, 0) + 8 + 8, s.size() + 8));
        damage("symbol-node-entry-name-beyond-heap", (s, b) -> b.putLong(s.at(Kind.SYMBOL_NODE, 2) + 8, 1L << 40));
        damage("local-heap-signature", (s, b) -> b.put(s.at(Kind.LOCAL_HEAP, 0), (byte) 'h'));
        damage("local-heap-size-huge", (s, b) -> b.putLong(s.at(Kind.LOCAL_HEAP, 1) + 8, 1L << 50));
        damage("local-heap-data-beyond-eof", (s, b) -> b.putLong(s.at(Kind.LOCAL_HEAP, 1) + 24, s.size() + 512));
        damage("local-heap-free-list-cycle", (s, b) -> {   // a free block whose successor is itself: HDF5 loops, allocating
            int heap = s.at(Kind.LOCAL_HEAP, 0);
            long size = b.getLong(heap + 8);
            long free = b.getLong(heap + 16) == -1 ? size - 16 : b.getLong(heap + 16);
            long data = b.getLong(heap + 24);
            b.putLong(heap + 16, free);
            b.putLong((int) (data + free), free);
            b.putLong((int) (data + free + 8), 16);
        });
        damage("local-heap-names-overwritten", (s, b) -> {
            Region names = s.read(Kind.LOCAL_HEAP_DATA).get(1);
            for (int i = 8; i < Math.min(names.length(), 64); i++) {
                b.put((int) (names.offset() + i), (byte) 'Q');
            }
        });
    }

    // ---- object headers (version 1: messages at +2, size at +8, first message at +16) ----

    private void objectHeaders() throws IOException {
        damage("object-header-version-2", (s, b) -> b.put(s.root(), (byte) 2));
        damage("object-header-no-messages", (s, b) -> b.putShort(s.root() + 2, (short) 0));
        damage("object-header-size-huge", (s, b) -> b.putInt(s.root() + 8, 0x7ffffff0));
        damage("object-header-unknown-message-must-fail", (s, b) -> {
            int header = s.at(Kind.OBJECT_HEADER, 1);
            b.putShort(header + 16, (short) 0x7a7a);
            b.put(header + 16 + 4, (byte) 0x88);          // flags: fail when the message type is unknown
        });
        damage("object-header-message-size-huge", (s, b) -> b.putShort(s.root() + 16 + 2, (short) -8));
        damage("object-header-zeroed", (s, b) -> {
            int header = s.at(Kind.OBJECT_HEADER, 1);
            for (int i = 0; i < 64; i++) {
                b.put(header + i, (byte) 0);
            }
        });
    }

    // ---- the global heap holding variable-length strings (layer and weight names, configs) ----

    private void globalHeap() throws IOException {
        damage("global-heap-signature", (s, b) -> b.put(s.globalHeap() + 2, (byte) 'c'));
        damage("global-heap-size-huge", (s, b) -> b.putLong(s.globalHeap() + 8, 1L << 45));
        damage("global-heap-size-tiny", (s, b) -> b.putLong(s.globalHeap() + 8, 16));
        damage("global-heap-object-size-huge", (s, b) -> b.putLong(s.globalHeap() + 16 + 8, 0x4700000000000L));
        damage("global-heap-object-size-past-collection", (s, b) -> b.putLong(s.globalHeap() + 16 + 8,
                s.read(Kind.GLOBAL_HEAP).get(0).length() * 2));
        damage("global-heap-object-index-changed", (s, b) -> b.putShort(s.globalHeap() + 16, (short) 999));
    }

    private void globalHeapCrashers() throws IOException {
        damage("global-heap-size-tiny", (s, b) -> b.putLong(s.globalHeap() + 8, 16));
        damage("global-heap-object-size-huge", (s, b) -> b.putLong(s.globalHeap() + 16 + 8, 0x4700000000000L));
        damage("global-heap-object-index-changed", (s, b) -> b.putShort(s.globalHeap() + 16, (short) 999));
    }

    // ---- weight datasets: dataspace (message 1), datatype (3) and layout (8) of weights the reader loads ----

    private void datasets() throws IOException {
        damage("dataset-dimension-plus-one", (s, b) -> b.putLong(s.firstDim(), b.getLong(s.firstDim()) + 1));
        damage("dataset-dimension-huge", (s, b) -> b.putLong(s.firstDim(), 1L << 40));
        damage("dataset-rank-31", (s, b) -> b.put(s.weightMessage(1) + 1, (byte) 31));
        damage("dataset-type-class-string", (s, b) -> b.put(s.weightMessage(3), (byte) ((b.get(s.weightMessage(3)) & 0xf0) | 3)));
        damage("dataset-type-size-3", (s, b) -> b.putInt(s.weightMessage(3) + 4, 3));
        damage("dataset-type-class-garbage", (s, b) -> b.put(s.weightMessage(3), (byte) 0x1e));
        damage("dataset-storage-beyond-eof", (s, b) -> b.putLong(s.weightMessage(8) + 2, s.size() + 100L));
        damage("dataset-storage-size-short", (s, b) -> b.putLong(s.weightMessage(8) + 10, 4));
        damage("dataset-layout-class-chunked", (s, b) -> b.put(s.weightMessage(8) + 1, (byte) 2));
    }

    // ---- attribute messages (version 1: name, type, space sizes at +2, +4, +6; then each 8-byte aligned) ----

    private void attributes() throws IOException {
        damage("layer-names-name-size-huge", (s, b) -> b.putShort(s.attribute("layer_names") + 2, (short) -1));
        damage("layer-names-type-size-huge", (s, b) -> b.putShort(s.attribute("layer_names") + 4, (short) 0x7ff0));
        damage("layer-names-type-class-garbage", (s, b) -> b.put(s.attribute("layer_names") + 8 + 16, (byte) 0x1b));
        damage("layer-names-rank-30", (s, b) -> b.put(s.attribute("layer_names") + 8 + 16 + 16 + 1, (byte) 30));
        damage("layer-names-count-huge", (s, b) -> b.putLong(s.attribute("layer_names") + 8 + 16 + 16 + 8, 1L << 33));
        damage("weight-names-space-size-huge", (s, b) -> b.putShort(s.attribute("weight_names") + 6, (short) 0x7ff8));
        damage("weight-names-count-plus-one", (s, b) -> {
            int count = s.attribute("weight_names") + 8 + 16 + 16 + 8;
            b.putLong(count, b.getLong(count) + 1);
        });
        // one element of layer_names: (length, global heap collection address, object index)
        damage("string-length-huge", (s, b) -> b.putInt(s.layerNameRef(), 0x7ffffff0));
        damage("string-heap-address-beyond-eof", (s, b) -> b.putLong(s.layerNameRef() + 4, s.size() + 64L));
        damage("string-heap-address-into-superblock", (s, b) -> b.putLong(s.layerNameRef() + 4, 8));
        damage("string-heap-index-missing", (s, b) -> b.putInt(s.layerNameRef() + 12, 4242));
    }

    // ---- valid HDF5, wrong contents: edited with the HDF5 library on a copy ----

    private void edits(Source imdb, Path attention2020, Path tf213) throws IOException {
        String config = config(imdb.file());
        edit(imdb.file(), "no-model-config", e -> e.deleteAttribute("/", "model_config"));
        edit(imdb.file(), "no-layer-names", e -> e.deleteAttribute("model_weights", "layer_names"));
        edit(imdb.file(), "no-weight-names", e -> e.deleteAttribute("model_weights/dense_2", "weight_names"));
        edit(imdb.file(), "weight-dataset-missing", e -> e.deleteLink("model_weights/dense_2/dense_2/kernel"));
        edit(imdb.file(), "layer-group-missing", e -> e.deleteLink("model_weights/dense_3"));
        edit(imdb.file(), "no-model-weights", e -> e.deleteLink("model_weights"));
        edit(imdb.file(), "hdf5-but-no-keras", e -> e.deleteAttribute("/", "model_config").deleteLink("model_weights"));
        edit(imdb.file(), "config-not-json", e -> e.writeStringAttribute("/", "model_config", "model: transformer, heads: 2"));
        edit(imdb.file(), "config-truncated-json", e -> e.writeStringAttribute("/", "model_config", config.substring(0, config.length() / 2)));
        edit(imdb.file(), "config-empty", e -> e.writeStringAttribute("/", "model_config", ""));
        edit(imdb.file(), "config-json-array", e -> e.writeStringAttribute("/", "model_config", "[1, 2, 3]"));
        edit(imdb.file(), "config-no-layers", e -> e.writeStringAttribute("/", "model_config",
                "{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": []}}"));
        edit(imdb.file(), "config-unknown-model-class", e -> e.writeStringAttribute("/", "model_config",
                config.replaceFirst("\"Functional\"", "\"Graph\"")));
        edit(imdb.file(), "config-unknown-layer-class", e -> e.writeStringAttribute("/", "model_config",
                config.replace("\"GlobalAveragePooling1D\"", "\"GlobalMaxPooling3D\"")));
        edit(imdb.file(), "config-inbound-layer-missing", e -> e.writeStringAttribute("/", "model_config",
                config.replace("\"keras_history\": [\"global_average_pooling1d\"", "\"keras_history\": [\"no_such_layer\"")));
        edit(imdb.file(), "config-embed-dim-changed", e -> e.writeStringAttribute("/", "model_config",
                config.replace("\"embed_dim\": 32", "\"embed_dim\": 48")));
        edit(imdb.file(), "config-maxlen-changed", e -> e.writeStringAttribute("/", "model_config",
                config.replace("\"maxlen\": 200", "\"maxlen\": 100")));
        edit(imdb.file(), "config-nested-too-deep", e -> e.writeStringAttribute("/", "model_config",
                config.replaceFirst("\"config\": \\{", "\"deep\": " + "[".repeat(5000) + "]".repeat(5000) + ", \"config\": {")));
        edit(imdb.file(), "config-input-rank-3", e -> e.writeStringAttribute("/", "model_config",
                config.replace("\"batch_shape\": [null, 200]", "\"batch_shape\": [null, 200, 3]")));
        edit(imdb.file(), "config-input-length-huge", e -> e.writeStringAttribute("/", "model_config",
                config.replace("\"batch_shape\": [null, 200]", "\"batch_shape\": [null, 2000000000]")));
        edit(imdb.file(), "config-layer-feeds-itself-later", e -> e.writeStringAttribute("/", "model_config",
                config.replace("\"keras_history\": [\"global_average_pooling1d\"", "\"keras_history\": [\"dense_3\"")));
        edit(imdb.file(), "config-units-changed-and-class-unknown", e -> e.writeStringAttribute("/", "model_config",
                config.replace("\"units\": 2,", "\"units\": 3,").replace("\"Dropout\"", "\"SpatialDropout9D\"")));
        edit(imdb.file(), "kernel-transposed", e -> e.replaceDataset("model_weights/dense_2/dense_2/kernel", 20, 32));
        edit(imdb.file(), "bias-wrong-size", e -> e.replaceDataset("model_weights/dense_3/dense_3/bias", 3));
        edit(imdb.file(), "embedding-wrong-shape", e -> e.replaceDataset(
                "model_weights/token_and_position_embedding/token_and_position_embedding/embedding/embeddings", 500, 16));
        edit(imdb.file(), "weight-names-renamed", e -> e.writeStringAttribute("model_weights/dense_3", "weight_names", "dense_3/kernel_0"));
        String c2020 = config(attention2020);
        edit(attention2020, "v4-heads-do-not-divide-embedding", e -> e.writeStringAttribute("/", "model_config",
                c2020.replace("\"num_heads\": 4", "\"num_heads\": 5")));
        edit(attention2020, "v4-heads-zero", e -> e.writeStringAttribute("/", "model_config",
                c2020.replace("\"num_heads\": 4", "\"num_heads\": 0")));
        String ctf = config(tf213);
        edit(tf213, "tf213-config-ff-dim-changed", e -> e.writeStringAttribute("/", "model_config", ctf.replace("\"ff_dim\": 64", "\"ff_dim\": 65")));
    }

    // ---- .keras archives ----

    private void archives(Path keras) throws IOException {
        byte[] zip = Files.readAllBytes(keras);
        write("keras-truncated-half.keras", java.util.Arrays.copyOf(zip, zip.length / 2));
        write("keras-truncated-end.keras", java.util.Arrays.copyOf(zip, zip.length - 10));
        byte[] dataFlip = zip.clone();
        dataFlip[zip.length / 2] ^= 0x55;   // inside the stored model.weights.h5: the CRC no longer matches
        write("keras-weights-crc-mismatch.keras", dataFlip);
        byte[] central = zip.clone();
        for (int i = zip.length - 22; i < zip.length - 12; i++) {
            central[i] = (byte) 0xee;       // the end-of-central-directory record
        }
        write("keras-central-directory-damaged.keras", central);
        write("keras-without-weights.keras", zip("config.json", "{\"class_name\": \"Functional\"}".getBytes(StandardCharsets.UTF_8)));
        write("keras-config-not-json.keras", zip("config.json", "config".getBytes(StandardCharsets.UTF_8)));
    }

    // ---- numbers changed, structure intact ----

    private void numbers(Source s) throws IOException {
        damage(s, "weights-nan", Expect.WARNING, (x, b) -> {
            for (int i = 0; i < 3; i++) {
                b.putFloat(x.kernel() + 4 * i, Float.NaN);
            }
        });
        damage(s, "weights-infinite", Expect.WARNING, (x, b) -> b.putFloat(x.kernel() + 8, Float.NEGATIVE_INFINITY));
        damage(s, "weights-bytes-flipped", Expect.NO_CRASH, (x, b) -> b.put(x.kernel() + 13, (byte) 0x5a));
    }

    /** Random byte changes anywhere in the metadata: the reader may or may not notice, but must never crash or hang. */
    private void randomFlips(Source s, int count, long seed) throws IOException {
        Random random = new Random(seed);
        List<Region> meta = s.map().regions().stream().filter(r -> r.kind() != Kind.RAW_DATA && r.length() > 0).toList();
        for (int i = 0; i < count; i++) {
            Region r = meta.get(random.nextInt(meta.size()));
            int at = (int) (r.offset() + random.nextInt((int) Math.min(r.length(), 4096)));
            int value = random.nextInt(255) + 1;
            damage(s, "random-" + r.kind().name().toLowerCase() + "-" + at, Expect.NO_CRASH, (x, b) -> b.put(at, (byte) (b.get(at) ^ value)));
        }
    }

    // ---- plumbing ----

    /** A change to the bytes of a source, placed by its map. */
    @FunctionalInterface
    private interface Damage {
        void apply(Source s, ByteBuffer bytes);
    }

    /** Applies a broken-file damage to the next source in the rotation. */
    private void damage(String what, Damage d) throws IOException {
        damage(rotation.get(turn++ % rotation.size()), what, Expect.ERROR, d);
    }

    private void damage(Source s, String what, Expect expect, Damage d) throws IOException {
        byte[] copy = s.bytes().clone();
        d.apply(s, ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
        String name = s.label() + "-" + what + ".h5";
        for (int i = 2; Files.exists(dir.resolve(name)); i++) {
            name = s.label() + "-" + what + "-" + i + ".h5";
        }
        Files.write(dir.resolve(name), copy);
        cases.add(new Case(name, dir.resolve(name), expect));
    }

    @FunctionalInterface
    private interface Edit {
        void apply(Hdf5Edit edit);
    }

    private void edit(Path source, String what, Edit edit) throws IOException {
        String name = "edited-" + what + ".h5";
        try (Hdf5Edit e = Hdf5Edit.copy(source, dir.resolve(name))) {
            edit.apply(e);
        }
        cases.add(new Case(name, dir.resolve(name), Expect.ERROR));
    }

    private static String config(Path file) {
        try (org.attentionprobe.keras.Hdf5File f = org.attentionprobe.keras.Hdf5File.open(file)) {
            return String.join("", f.stringAttribute("/", "model_config").orElseThrow());
        }
    }

    private void write(String name, byte[] bytes) throws IOException {
        Files.write(dir.resolve(name), bytes);
        cases.add(new Case(name, dir.resolve(name), Expect.ERROR));
    }

    private static byte[] zip(String entry, byte[] content) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(content);
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}

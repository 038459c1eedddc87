package org.attentionprobe.robustness;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the metadata of an intact HDF5 file lies, found by walking it in plain Java: the superblock, every
 * group's object header, B-tree nodes, local heap and symbol nodes, every dataset's object header and raw
 * data, every attribute message, and the global heap collections. Test code: it tells the broken-file
 * generator where to damage a Keras file so that the damage is on the path the reader walks.
 *
 * <p>Reads what h5py writes by default (superblock 0 or 1, version 1 object headers, symbol-table groups,
 * contiguous or compact datasets); anything else is reported as {@link IllegalArgumentException}. Layout:
 * HDF5 File Format Specification version 2.0, sections II (superblock), III.A.1 (v1 B-trees), III.B (SNOD),
 * III.D (local heap), III.E (global heap), IV.A.1 (v1 object headers), IV.A.2 (messages).
 */
final class Hdf5Map {
    /** A kind of structure and where it starts; {@code path} is the HDF5 object it belongs to. */
    record Region(Kind kind, String path, long offset, long length) {
    }

    enum Kind { SUPERBLOCK, OBJECT_HEADER, BTREE, LOCAL_HEAP, LOCAL_HEAP_DATA, SYMBOL_NODE, GLOBAL_HEAP, RAW_DATA }

    /** One message of an object header: its type (1 dataspace, 3 datatype, 8 layout, 12 attribute, 17 symbol table ...). */
    record Message(String path, int type, long dataOffset, int size, String attributeName) {
    }

    /** A variable-length element of an attribute: where its global heap reference lies and what it points to. */
    record HeapRef(String path, String attribute, long offset, long collection, int index) {
    }

    private static final int OFFSET = 8;
    private final ByteBuffer buf;
    private final List<Region> regions = new ArrayList<>();
    private final List<Message> messages = new ArrayList<>();
    private final List<HeapRef> heapRefs = new ArrayList<>();
    private final Set<Long> visited = new HashSet<>();

    private Hdf5Map(byte[] bytes) {
        this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static Hdf5Map of(Path file) throws IOException {
        Hdf5Map map = new Hdf5Map(Files.readAllBytes(file));
        map.walk();
        return map;
    }

    List<Region> regions() {
        return regions;
    }

    List<Region> regions(Kind kind) {
        return regions.stream().filter(r -> r.kind() == kind).toList();
    }

    List<Message> messages() {
        return messages;
    }

    List<HeapRef> heapRefs() {
        return heapRefs;
    }

    Region objectHeader(String path) {
        return regions(Kind.OBJECT_HEADER).stream().filter(r -> r.path().equals(path)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no object " + path));
    }

    private void walk() {
        if (buf.getLong(0) != 0x0a1a0a0d46444889L) {
            throw new IllegalArgumentException("no HDF5 signature at 0");
        }
        int version = buf.get(8);
        if (version > 1 || buf.get(13) != OFFSET || buf.get(14) != OFFSET) {
            throw new IllegalArgumentException("superblock version " + version + " with offsets " + buf.get(13) + " is not mapped");
        }
        int rootEntry = version == 0 ? 56 : 60;
        regions.add(new Region(Kind.SUPERBLOCK, "", 0, rootEntry + 40));
        walkObject("/", buf.getLong(rootEntry + 8));
        // global heap collections are found by signature: their addresses are inside attribute data
        for (int i = 0; i + 16 <= buf.capacity(); i += 8) {
            if (buf.getInt(i) == 0x4c4f4347) { // "GCOL"
                regions.add(new Region(Kind.GLOBAL_HEAP, "", i, buf.getLong(i + 8)));
            }
        }
    }

    private void walkObject(String path, long address) {
        if (!visited.add(address)) {
            return;
        }
        if (buf.get((int) address) != 1) {
            throw new IllegalArgumentException(path + ": object header version " + buf.get((int) address) + " is not mapped");
        }
        int count = buf.getShort((int) address + 2) & 0xffff;
        long size = buf.getInt((int) address + 8) & 0xffffffffL;
        regions.add(new Region(Kind.OBJECT_HEADER, path, address, 16 + size));
        List<long[]> blocks = new ArrayList<>();
        blocks.add(new long[]{address + 16, size});
        long btree = -1;
        long heap = -1;
        for (int b = 0; b < blocks.size() && count > 0; b++) {
            long pos = blocks.get(b)[0];
            long end = pos + blocks.get(b)[1];
            while (pos + 8 <= end && count > 0) {
                int type = buf.getShort((int) pos) & 0xffff;
                int msgSize = buf.getShort((int) pos + 2) & 0xffff;
                long data = pos + 8;
                count--;
                switch (type) {
                    case 0x10 -> { // continuation
                        blocks.add(new long[]{buf.getLong((int) data), buf.getLong((int) data + 8)});
                        regions.add(new Region(Kind.OBJECT_HEADER, path, buf.getLong((int) data), buf.getLong((int) data + 8)));
                    }
                    case 0x11 -> {
                        btree = buf.getLong((int) data);
                        heap = buf.getLong((int) data + 8);
                    }
                    case 0x08 -> layout(path, data);
                    default -> {
                    }
                }
                messages.add(new Message(path, type, data, msgSize, type == 0x0c ? attribute(path, data) : null));
                pos = data + msgSize;
            }
        }
        if (btree >= 0) {
            walkGroup(path, btree, heap);
        }
    }

    /** Layout message version 3: compact (0) or contiguous (1) raw data. */
    private void layout(String path, long data) {
        int version = buf.get((int) data);
        int layoutClass = buf.get((int) data + 1);
        if (version == 3 && layoutClass == 1) {
            long address = buf.getLong((int) data + 2);
            long size = buf.getLong((int) data + 10);
            if (address != -1L) {
                regions.add(new Region(Kind.RAW_DATA, path, address, size));
            }
        }
    }

    /** Attribute message version 1 (8-byte aligned fields) or 3; records variable-length elements' heap references. */
    private String attribute(String path, long data) {
        int version = buf.get((int) data);
        int nameSize = buf.getShort((int) data + 2) & 0xffff;
        int typeSize = buf.getShort((int) data + 4) & 0xffff;
        int spaceSize = buf.getShort((int) data + 6) & 0xffff;
        long pos = data + (version == 3 ? 9 : 8);
        String name = string(pos, nameSize - 1);
        pos += version == 1 ? align(nameSize) : nameSize;
        long type = pos;
        pos += version == 1 ? align(typeSize) : typeSize;
        long space = pos;
        pos += version == 1 ? align(spaceSize) : spaceSize;
        int typeClass = buf.get((int) type) & 0x0f;
        if (typeClass == 9) { // variable-length: (length, collection address, index) per element
            long elements = elements(space);
            for (long i = 0; i < elements; i++) {
                long at = pos + i * 16;
                heapRefs.add(new HeapRef(path, name, at, buf.getLong((int) at + 4), buf.getInt((int) at + 12)));
            }
        }
        return name;
    }

    /** Number of elements of a dataspace message (version 1 or 2). */
    private long elements(long space) {
        int version = buf.get((int) space);
        int rank = buf.get((int) space + 1);
        long pos = space + (version == 1 ? 8 : 4);
        long n = 1;
        for (int i = 0; i < rank; i++) {
            n *= buf.getLong((int) (pos + 8L * i));
        }
        return n;
    }

    private void walkGroup(String path, long btree, long heap) {
        int dataSize = (int) buf.getLong((int) heap + 8);
        long heapData = buf.getLong((int) heap + 24);
        regions.add(new Region(Kind.LOCAL_HEAP, path, heap, 32));
        regions.add(new Region(Kind.LOCAL_HEAP_DATA, path, heapData, dataSize));
        walkBtree(path, btree, heapData);
    }

    private void walkBtree(String path, long node, long heapData) {
        if (buf.getInt((int) node) != 0x45455254) { // "TREE"
            throw new IllegalArgumentException(path + ": no B-tree at " + node);
        }
        int level = buf.get((int) node + 5);
        int used = buf.getShort((int) node + 6) & 0xffff;
        regions.add(new Region(Kind.BTREE, path, node, 24 + (used * 2L + 1) * 8));
        for (int i = 0; i < used; i++) {
            long child = buf.getLong((int) (node + 24 + 8 + 16L * i));
            if (level > 0) {
                walkBtree(path, child, heapData);
            } else {
                walkSymbols(path, child, heapData);
            }
        }
    }

    private void walkSymbols(String path, long node, long heapData) {
        int count = buf.getShort((int) node + 6) & 0xffff;
        regions.add(new Region(Kind.SYMBOL_NODE, path, node, 8 + 40L * count));
        for (int i = 0; i < count; i++) {
            long entry = node + 8 + 40L * i;
            String name = string(heapData + buf.getLong((int) entry), 4096);
            walkObject(path.equals("/") ? name : path + "/" + name, buf.getLong((int) entry + 8));
        }
    }

    private String string(long pos, int max) {
        int end = (int) pos;
        while (end < pos + max && end < buf.capacity() && buf.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end - (int) pos];
        buf.get((int) pos, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }
}

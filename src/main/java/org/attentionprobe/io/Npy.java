package org.attentionprobe.io;

import org.attentionprobe.errors.InvalidInputException;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * numpy's {@code .npy} and {@code .npz} formats (format versions 1 to 3, C order, little-endian
 * float16/32/64, int8/16/32/64, uint8/16/32, bool). Reading refuses object (pickled) arrays with a clear
 * message; writing produces files {@code numpy.load} reads.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    /** Arrays larger than this are refused (2^31 - 1 elements is also nd4j's limit for one buffer). */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Npy() {
    }

    /** Reads one {@code .npy} file. */
    public static INDArray read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.getFileName().toString());
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads every array of an {@code .npz} archive, by name (without {@code .npy}). */
    public static Map<String, INDArray> readNpz(Path file) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                if (!entry.getName().endsWith(".npy")) {
                    continue;
                }
                String name = entry.getName().substring(0, entry.getName().length() - 4);
                try (InputStream in = zip.getInputStream(entry)) {
                    out.put(name, read(in, file.getFileName() + ":" + name));
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + " as an .npz archive: " + e.getMessage(), e);
        }
        return out;
    }

    /** Reads an {@code .npy} stream; {@code what} names it in messages. */
    public static INDArray read(InputStream in, String what) throws IOException {
        Header h = header(in, what);
        long bytes = h.dataBytes();
        byte[] data = in.readNBytes((int) Math.min(bytes, Integer.MAX_VALUE));
        if (data.length < bytes) {
            throw h.truncated(what, data.length);
        }
        return h.dtype.toArray(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN), (int) h.count, h.shape);
    }

    /**
     * What an {@code .npy} header declares: the element type, the shape, the element count, and the header's own
     * length in bytes (where the data starts).
     */
    record Header(Dtype dtype, String descr, long[] shape, long count, long dataStart) {
        long dataBytes() {
            return count * dtype.size;
        }

        InvalidInputException truncated(String what, long bytesThatFollow) {
            return new InvalidInputException(what + " is truncated: its header declares shape " + Shapes.format(shape) + " of " + descr
                    + " (" + dataBytes() + " bytes of data) but only " + bytesThatFollow + " bytes follow");
        }
    }

    /** Reads an {@code .npy} header, up to where the data starts; {@code what} names the stream in messages. */
    static Header header(InputStream in, String what) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(magic, 6), MAGIC)) {
            throw new InvalidInputException(what + " is not a numpy .npy file (no \\x93NUMPY header)");
        }
        int major = magic[6];
        if (major < 1 || major > 3) {
            throw new InvalidInputException(what + " has .npy format version " + major + ", expected 1, 2 or 3");
        }
        byte[] len = in.readNBytes(major == 1 ? 2 : 4);
        if (len.length < (major == 1 ? 2 : 4)) {
            throw new InvalidInputException(what + " is truncated inside its .npy header");
        }
        ByteBuffer lenBytes = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = major == 1 ? lenBytes.getShort() & 0xffff : lenBytes.getInt();
        if (headerLength < 0 || headerLength > 1 << 20) {
            throw new InvalidInputException(what + " has a damaged .npy header (length " + headerLength + ")");
        }
        byte[] headerBytes = in.readNBytes(headerLength);
        if (headerBytes.length < headerLength) {
            throw new InvalidInputException(what + " is truncated inside its .npy header");
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = match(DESCR, header, what, "descr");
        if (match(FORTRAN, header, what, "fortran_order").equals("True")) {
            throw new InvalidInputException(what + " is stored in Fortran order; save it with numpy.ascontiguousarray first");
        }
        String shapeText = match(SHAPE, header, what, "shape");
        long[] shape = parseShape(shapeText, what);
        long count = 1;
        for (long d : shape) {
            if (d > 0 && count > MAX_ELEMENTS / d) {
                throw new InvalidInputException(what + " declares shape (" + shapeText + "), more elements than this tool reads");
            }
            count *= d;
        }
        return new Header(Dtype.of(descr, what), descr, shape, count, 8L + len.length + headerLength);
    }

    private static String match(Pattern p, String header, String what, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new InvalidInputException(what + " has a .npy header without '" + key + "': " + header.strip());
        }
        return m.group(1);
    }

    private static long[] parseShape(String text, String what) {
        String[] parts = text.split(",");
        return java.util.Arrays.stream(parts).map(String::strip).filter(s -> !s.isEmpty()).mapToLong(s -> {
            try {
                long v = Long.parseLong(s.endsWith("L") ? s.substring(0, s.length() - 1) : s);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new InvalidInputException(what + " has an unreadable shape (" + text + ")");
            }
        }).toArray();
    }

    /** An element type numpy writes, and how to read it (little-endian). */
    enum Dtype {
        F2("f2", 2), F4("f4", 4), F8("f8", 8), I1("i1", 1), I2("i2", 2), I4("i4", 4), I8("i8", 8),
        U1("u1", 1), U2("u2", 2), U4("u4", 4), B1("b1", 1);

        final String code;
        final int size;   // bytes per element, stored little-endian (of() refuses big-endian files)

        Dtype(String code, int size) {
            this.code = code;
            this.size = size;
        }

        static Dtype of(String descr, String what) {
            if (descr.startsWith("|O") || descr.startsWith("O")) {
                throw new InvalidInputException(what + " holds Python objects (a pickled object array, e.g. unpadded reviews); "
                        + "convert it to a padded int32 array first (python-export/export_reviews.py does)");
            }
            if (descr.startsWith(">") && !descr.endsWith("1")) {
                throw new InvalidInputException(what + " is big-endian (" + descr + "); save it little-endian");
            }
            String code = descr.replaceFirst("^[<>|=]", "");
            for (Dtype d : values()) {
                if (d.code.equals(code)) {
                    return d;
                }
            }
            throw new InvalidInputException(what + " has dtype " + descr + "; expected a numeric array (float or int)");
        }

        /** The ND4J type it reads as, for messages. */
        DataType dataType() {
            return switch (this) {
                case F2 -> DataType.HALF;
                case F4 -> DataType.FLOAT;
                case F8 -> DataType.DOUBLE;
                case I8, U4 -> DataType.LONG;
                default -> DataType.INT32;
            };
        }

        /** Element {@code i} of a little-endian buffer of this type, as a double (exact for every type but large int64). */
        double doubleAt(ByteBuffer buf, int i) {
            return switch (this) {
                case F2 -> halfToFloat(buf.getShort(i * 2));
                case F4 -> buf.getFloat(i * 4);
                case F8 -> buf.getDouble(i * 8);
                default -> longAt(buf, i);
            };
        }

        /** Element {@code i} of a little-endian buffer of an integer type. */
        long longAt(ByteBuffer buf, int i) {
            return switch (this) {
                case I1, B1 -> buf.get(i);
                case U1 -> buf.get(i) & 0xff;
                case I2 -> buf.getShort(i * 2);
                case U2 -> buf.getShort(i * 2) & 0xffff;
                case I4 -> buf.getInt(i * 4);
                case U4 -> buf.getInt(i * 4) & 0xffffffffL;
                case I8 -> buf.getLong(i * 8);
                default -> (long) doubleAt(buf, i);
            };
        }

        INDArray toArray(ByteBuffer buf, int count, long[] shape) {
            return switch (this) {
                case F2 -> {
                    float[] v = new float[count];
                    for (int i = 0; i < count; i++) {
                        v[i] = halfToFloat(buf.getShort());
                    }
                    yield NativeArrays.floats(v, shape);
                }
                case F4 -> {
                    float[] v = new float[count];
                    buf.asFloatBuffer().get(v);
                    yield NativeArrays.floats(v, shape);
                }
                case F8 -> {
                    double[] v = new double[count];
                    buf.asDoubleBuffer().get(v);
                    yield Nd4j.create(v, shape, 'c');
                }
                case I8 -> {
                    long[] v = new long[count];
                    buf.asLongBuffer().get(v);
                    yield Nd4j.createFromArray(v).reshape(shape);
                }
                case U4 -> {
                    long[] v = new long[count];
                    for (int i = 0; i < count; i++) {
                        v[i] = longAt(buf, i);
                    }
                    yield Nd4j.createFromArray(v).reshape(shape);
                }
                default -> {
                    int[] v = new int[count];
                    for (int i = 0; i < count; i++) {
                        v[i] = (int) longAt(buf, i);   // int8/16/32 and uint8/16: all fit
                    }
                    yield Nd4j.createFromArray(v).reshape(shape);
                }
            };
        }
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived only in Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Writes a float32, float64, int32 or int64 array as {@code .npy} (version 1.0, little-endian, C order). */
    public static void write(INDArray array, OutputStream out) throws IOException {
        INDArray a = switch (array.dataType()) {
            case FLOAT, DOUBLE, INT, LONG -> array;
            default -> array.castTo(DataType.FLOAT);
        };
        String descr = switch (a.dataType()) {
            case DOUBLE -> "<f8";
            case INT -> "<i4";
            case LONG -> "<i8";
            default -> "<f4";
        };
        writeHeader(out, descr, a.shape());
        writeData(a, out);
    }

    /** Writes an array to a file atomically. */
    public static void write(INDArray array, Path file) {
        AtomicFiles.write(file, out -> write(array, out));
    }

    /** The {@code .npy} version 1.0 header for an array of this dtype and shape, padded to 64 bytes. */
    static void writeHeader(OutputStream out, String descr, long[] shape) throws IOException {
        String dims = shape.length == 1 ? shape[0] + ","
                : String.join(", ", java.util.Arrays.stream(shape).mapToObj(Long::toString).toArray(String[]::new));
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int total = MAGIC.length + 2 + 2 + header.length() + 1;
        header = header + " ".repeat((64 - total % 64) % 64) + "\n";
        out.write(MAGIC);
        out.write(new byte[]{1, 0, (byte) (header.length() & 0xff), (byte) ((header.length() >> 8) & 0xff)});
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The array's values, C order, little-endian. */
    static void writeData(INDArray array, OutputStream out) throws IOException {
        INDArray a = array.isView() || array.ordering() != 'c' ? array.dup('c') : array;
        ByteBuffer bytes = ByteBuffer.allocate((int) (a.length() * a.dataType().width())).order(ByteOrder.LITTLE_ENDIAN);
        switch (a.dataType()) {
            case FLOAT -> bytes.asFloatBuffer().put(a.data().asFloat(), 0, (int) a.length());
            case DOUBLE -> bytes.asDoubleBuffer().put(a.data().asDouble(), 0, (int) a.length());
            case INT -> bytes.asIntBuffer().put(a.data().asInt(), 0, (int) a.length());
            case LONG -> bytes.asLongBuffer().put(a.data().asLong(), 0, (int) a.length());
            default -> throw new IllegalArgumentException("cannot write " + a.dataType());
        }
        out.write(bytes.array());
    }
}

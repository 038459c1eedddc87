package org.attentionprobe.cli;

import org.attentionprobe.testing.Cli;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Token files numpy (or something else) wrote that the model cannot take: exit 2 and one line naming what is wrong. */
class TokenFileErrorsTest {
    static final Path MODEL = TestData.IMDB.resolve("model.h5");   // vocab 500, maxlen 200

    @TempDir
    Path tmp;

    /** An .npy file: the header numpy writes for {@code descr}, {@code fortran} and {@code shape}, then {@code data}. */
    private Path npy(String name, String descr, boolean fortran, String shape, byte[] data) throws IOException {
        return npy(name, "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }", data);
    }

    /** An .npy file with this header dictionary. */
    private Path npy(String name, String dictionary, byte[] data) throws IOException {
        String header = dictionary + " ".repeat(63 - (10 + dictionary.length()) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        Path file = tmp.resolve(name);
        Files.write(file, out.toByteArray());
        return file;
    }

    private static byte[] ints(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        Arrays.stream(v).forEach(b::putInt);
        return b.array();
    }

    private static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        Arrays.stream(v).forEach(b::putLong);
        return b.array();
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static void assertOneLineError(Path tokens, String expected) {
        Cli.Result r = Cli.run(MODEL.toString(), "--tokens-file", tokens.toString());
        assertEquals(2, r.exitCode(), tokens.getFileName() + ": " + r.err());
        assertTrue(r.errIsOneLine(), "one line: " + r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertTrue(r.err().contains(expected), tokens.getFileName() + ": expected \"" + expected + "\" in " + r.err());
    }

    @Test
    void arraysOfTheWrongRankOrSizeSaySo() throws IOException {
        assertOneLineError(npy("rank3.npy", "<i4", false, "(1, 2, 3)", ints(1, 2, 3, 4, 5, 6)),
                "rank3.npy has shape [1, 2, 3]; expected token ids of shape [batch, length] or [length]");
        assertOneLineError(npy("scalar.npy", "<i4", false, "()", ints(7)),
                "scalar.npy has shape []; expected token ids of shape [batch, length] or [length]");
        assertOneLineError(npy("empty.npy", "<i4", false, "(0,)", new byte[0]), "empty.npy is empty (shape [0]); expected token ids");
        assertOneLineError(npy("no-columns.npy", "<i8", false, "(2, 0)", new byte[0]), "no-columns.npy is empty (shape [2, 0]); expected token ids");
        assertOneLineError(npy("no-rows.npy", "<i8", false, "(0, 5)", new byte[0]), "no-rows.npy is empty (shape [0, 5]); expected token ids");
    }

    @Test
    void valuesThatAreNoTokenIdsSaySo() throws IOException {
        assertOneLineError(npy("int64.npy", "<i8", false, "(3,)", longs(1, 1L << 40, 3)),
                "int64.npy holds token ids outside the int32 range (1 .. 1099511627776)");
        assertOneLineError(npy("fraction.npy", "<f4", false, "(2,)", floats(1.5f, 2f)), "fraction.npy holds non-integer values");
        assertOneLineError(npy("nan.npy", "<f4", false, "(2,)", floats(1f, Float.NaN)), "nan.npy holds non-integer values");
        assertOneLineError(npy("huge-float.npy", "<f8", false, "(1,)", longs(Double.doubleToLongBits(1e12))),
                "huge-float.npy holds token ids outside the int32 range");
        assertOneLineError(npy("negative.npy", "<i4", false, "(1, 3)", ints(1, -4, 2)),
                "token id -4 at row 0, position 198 is negative; expected ids in [0, 500)");
        assertOneLineError(npy("too-big.npy", "<i4", false, "(1, 3)", ints(1, 500, 2)),
                "token id 500 at row 0, position 198 is not below the model's vocabulary size 500; expected ids in [0, 500)");
    }

    @Test
    void layoutsThisToolDoesNotReadSaySoAndHowToFixThem() throws IOException {
        assertOneLineError(npy("fortran.npy", "<i4", true, "(2, 2)", ints(1, 2, 3, 4)),
                "fortran.npy is stored in Fortran order; save it with numpy.ascontiguousarray first");
        assertOneLineError(npy("big-endian.npy", ">i4", false, "(2,)", ints(1, 2)), "big-endian.npy is big-endian (>i4); save it little-endian");
        assertOneLineError(npy("pickled.npy", "|O", false, "(2,)", new byte[]{(byte) 0x80, 4, 0x4e, 0x2e}),
                "pickled.npy holds Python objects (a pickled object array, e.g. unpadded reviews)");
        assertOneLineError(npy("complex.npy", "<c8", false, "(1,)", new byte[8]), "complex.npy has dtype <c8; expected a numeric array");
    }

    @Test
    void damagedFilesSaySo() throws IOException {
        assertOneLineError(npy("short-data.npy", "<i4", false, "(1, 10)", ints(1, 2, 3)),
                "short-data.npy is truncated: its header declares shape (1, 10) of <i4 (40 bytes of data) but only 12 bytes follow");
        Path cutHeader = tmp.resolve("cut-header.npy");
        Files.write(cutHeader, new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118});
        assertOneLineError(cutHeader, "cut-header.npy is truncated inside its .npy header");
        Path cutMagic = tmp.resolve("cut-magic.npy");
        Files.write(cutMagic, new byte[]{(byte) 0x93, 'N', 'U'});
        assertOneLineError(cutMagic, "cut-magic.npy is not a numpy .npy file");
        assertOneLineError(npy("overflow.npy", "<i4", false, "(4294967296, 4294967296)", new byte[0]),
                "overflow.npy declares shape (4294967296, 4294967296), more elements than this tool reads");
        assertOneLineError(npy("huge-row.npy", "<i8", false, "(300000000,)", longs(1, 2)),
                "huge-row.npy has rows of 300000000 ids (<i8), more than this tool reads in one row");
        assertOneLineError(npy("structured.npy", "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", ints(1)),
                "structured.npy has a .npy header without 'descr'");
        Path v9 = npy("version9.npy", "<i4", false, "(1,)", ints(1));
        byte[] b = Files.readAllBytes(v9);
        b[6] = 9;
        Files.write(v9, b);
        assertOneLineError(v9, "version9.npy has .npy format version 9, expected 1, 2 or 3");
    }

    @Test
    void aSequenceLongerThanTheModelReadsIsTruncatedOnTheLeftAndSaysSo() throws IOException {
        int[] ids = new int[250];
        Arrays.fill(ids, 7);
        Cli.Result r = Cli.run(MODEL.toString(), "--tokens-file", npy("long.npy", "<i4", false, "(1, 250)", ints(ids)).toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("note: the model reads 200 tokens; 0 sequence(s) were left-padded with 0 and 1 truncated "
                + "to their last 200 ids (like keras.utils.pad_sequences)"), r.err());
    }
}

package org.attentionprobe.io;

import org.attentionprobe.errors.InvalidInputException;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Token files read row by row from the file: the same ids as reading the whole array, for every type numpy writes. */
class TokenFileTest {
    private static final int[][] IDS = {{0, 7, 499, 12}, {3, 0, 0, 255}, {1, 2, 3, 4}};

    @TempDir
    Path tmp;

    @Test
    void readsTheRowsNumpyWroteAsReadingTheWholeArrayDoes() {
        Path reviews = TestData.IMDB.resolve("reviews.npy");   // int32 [1000, 200], written by numpy
        int[][] whole = NativeArrays.intRows(Npy.read(reviews));
        try (TokenFile tokens = TokenFile.open(reviews)) {
            assertEquals(whole.length, tokens.rows());
            assertEquals(whole[0].length, tokens.length());
            tokens.checkValues();
            for (int r : new int[]{0, 1, 517, whole.length - 1}) {
                assertArrayEquals(whole[r], tokens.row(r), "row " + r);
            }
            assertArrayEquals(whole, tokens.readAll());
        }
    }

    @Test
    void everyIntegerTypeAndFloatsHoldingWholeNumbersReadAsTheSameIds() throws IOException {
        assertRows("<i2", 2, (v) -> ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v));
        assertRows("<u2", 2, (v) -> ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v));
        assertRows("<i4", 4, (v) -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v));
        assertRows("<u4", 4, (v) -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v));
        assertRows("<i8", 8, (v) -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v));
        assertRows("<f4", 4, (v) -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v));
        assertRows("<f8", 8, (v) -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v));
    }

    @Test
    void aOneDimensionalArrayIsOneRow() throws IOException {
        Path file = npy("one.npy", "<i4", "(4,)", 4, v -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v), IDS[0]);
        try (TokenFile tokens = TokenFile.open(file)) {
            assertEquals(1, tokens.rows());
            assertArrayEquals(IDS[0], tokens.row(0));
        }
    }

    @Test
    void theFirstIdOutsideTheVocabularyIsNamedAtItsModelPositionAndDroppedIdsAreNotRead() throws IOException {
        Path file = npy("ids.npy", "<i4", "(3, 4)", 4, v -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v), IDS);
        try (TokenFile tokens = TokenFile.open(file)) {
            TokenFile.IdCheck message = (id, vocab, where) -> new InvalidInputException("id " + id + " " + where + " vocab " + vocab);
            // padded to 6: position p of a row is the model's p + 2; 499 at row 0 is the first id >= 300
            InvalidInputException padded = assertThrows(InvalidInputException.class, () -> tokens.check(300, p -> p + 2, message));
            assertEquals("id 499 at row 0, position 4 vocab 300", padded.getMessage());
            // truncated to the last id: 499 at row 0 is dropped, 255 at row 1 is the first id >= 200 the model reads
            InvalidInputException truncated = assertThrows(InvalidInputException.class,
                    () -> tokens.check(200, p -> p == 3 ? 0 : -1, message));
            assertEquals("id 255 at row 1, position 0 vocab 200", truncated.getMessage());
            tokens.check(500, p -> p, message);   // every id is below 500
        }
    }

    @Test
    void aValueOutsideInt32IsNamedBeforeAnIdOutsideTheVocabularyThatComesFirst() throws IOException {
        Path file = tmp.resolve("i8.npy");
        npy("i8.npy", "<i8", "(3,)", 8, v -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v), new int[]{600, 1, 0});
        // the third id as a long past int32 (the helper takes ints)
        byte[] data = Files.readAllBytes(file);
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length - 8, 1L << 40);
        Files.write(file, data);
        try (TokenFile tokens = TokenFile.open(file)) {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> tokens.check(500, p -> p, (id, vocab, where) -> new InvalidInputException("id " + id + " " + where)));
            assertEquals("i8.npy holds token ids outside the int32 range (1 .. 1099511627776)", e.getMessage());
        }
    }

    @Test
    void threadsReadRowsAtTheSameTime() throws Exception {
        Path reviews = TestData.IMDB.resolve("reviews.npy");
        try (TokenFile tokens = TokenFile.open(reviews)) {
            int[][] expected = tokens.readAll();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                Future<?>[] readers = new Future<?>[4];
                for (int t = 0; t < readers.length; t++) {
                    int first = t;
                    readers[t] = pool.submit(() -> {
                        for (int r = first; r < tokens.rows(); r += 4) {
                            assertArrayEquals(expected[r], tokens.row(r), "row " + r);
                        }
                    });
                }
                for (Future<?> f : readers) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    private void assertRows(String descr, int size, IntFunction<ByteBuffer> encode) throws IOException {
        Path file = npy(descr.substring(1) + ".npy", descr, "(3, 4)", size, encode, IDS);
        try (TokenFile tokens = TokenFile.open(file)) {
            tokens.checkValues();
            assertArrayEquals(IDS, tokens.readAll(), descr);
        }
    }

    /** An .npy file as numpy writes it: the header for {@code descr} and {@code shape}, then the ids encoded. */
    private Path npy(String name, String descr, String shape, int size, IntFunction<ByteBuffer> encode, int[]... rows) throws IOException {
        String dictionary = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        String header = dictionary + " ".repeat(63 - (10 + dictionary.length()) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        for (int[] row : rows) {
            for (int v : row) {
                out.write(encode.apply(v).array(), 0, size);
            }
        }
        Path file = tmp.resolve(name);
        Files.write(file, out.toByteArray());
        return file;
    }
}

package org.attentionprobe.keras;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks a file in plain Java before any native reader touches it: it exists, is a readable regular
 * file, carries the HDF5 or zip signature, and (for HDF5) is not shorter than its superblock declares.
 * The native HDF5 library is robust against many kinds of damage but not all; these checks turn the
 * common ones (a wrong file, a truncated download) into one clear line.
 */
public final class FilePreflight {
    /** What the first bytes say the file is. */
    public enum Kind { HDF5, ZIP }

    static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final byte[] ZIP_SIGNATURE = {'P', 'K', 3, 4};
    private static final long UNDEFINED_ADDRESS = -1L;

    private FilePreflight() {
    }

    /** Throws {@link InvalidInputException} when the path is not a readable regular file. */
    public static void requireReadableFile(Path path, String what) {
        if (!Files.exists(path)) {
            throw new InvalidInputException(what + " not found: " + path);
        }
        if (Files.isDirectory(path)) {
            throw new InvalidInputException(what + " is a directory, expected a file: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new InvalidInputException(what + " is not a regular file: " + path);
        }
        if (!Files.isReadable(path)) {
            throw new InvalidInputException(what + " is not readable (permission denied): " + path);
        }
    }

    /** Checks the file and returns what it is; throws {@link BrokenModelException} for anything else. */
    public static Kind check(Path path) {
        requireReadableFile(path, "model file");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new BrokenModelException(path + " is empty (0 bytes), expected a Keras model file (.h5 or .keras)");
            }
            byte[] head = read(ch, 0, 8);
            if (startsWith(head, ZIP_SIGNATURE)) {
                return Kind.ZIP;
            }
            long base = findHdf5Signature(ch, size);
            if (base < 0) {
                throw new BrokenModelException(path + " is not an HDF5 file (no HDF5 signature; it starts with "
                        + describe(head) + "), expected a Keras model saved as .h5 or .keras");
            }
            checkSuperblock(path, ch, base, size);
            return Kind.HDF5;
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** HDF5 looks for its signature at 0, 512, 1024, 2048, ... (a user block may precede it). */
    private static long findHdf5Signature(FileChannel ch, long size) throws IOException {
        for (long offset = 0; offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
            if (startsWith(read(ch, offset, 8), HDF5_SIGNATURE)) {
                return offset;
            }
        }
        return -1;
    }

    /**
     * Reads the superblock's sizes and its end-of-file address, and compares that with the real size.
     * Layout: HDF5 File Format Specification, section II.A (versions 0 and 1) and II.B (2 and 3).
     */
    private static void checkSuperblock(Path path, FileChannel ch, long sigOffset, long size) throws IOException {
        byte[] sb = read(ch, sigOffset, (int) Math.min(96, size - sigOffset));
        if (sb.length < 12) {
            throw truncated(path, size, "the HDF5 superblock is cut off");
        }
        int version = sb[8] & 0xff;
        int offsetSize;
        int pos;
        switch (version) {
            case 0, 1 -> {
                offsetSize = sb[13] & 0xff;
                pos = version == 0 ? 24 : 28;
            }
            case 2, 3 -> {
                offsetSize = sb[9] & 0xff;
                pos = 12;
            }
            default -> throw new BrokenModelException(path + " has an HDF5 superblock of version " + version
                    + ", expected version 0 to 3 (the file is damaged or from an unknown HDF5 release)");
        }
        if (offsetSize != 2 && offsetSize != 4 && offsetSize != 8) {
            throw new BrokenModelException(path + " has a damaged HDF5 superblock: size of offsets is "
                    + offsetSize + ", expected 2, 4 or 8");
        }
        // base address, then (v0/1) free-space address or (v2/3) extension address, then end-of-file address
        int eofPos = pos + 2 * offsetSize;
        if (sb.length < eofPos + offsetSize) {
            throw truncated(path, size, "the HDF5 superblock is cut off");
        }
        ByteBuffer buf = ByteBuffer.wrap(sb).order(ByteOrder.LITTLE_ENDIAN);
        long baseAddress = readOffset(buf, pos, offsetSize);
        long eof = readOffset(buf, eofPos, offsetSize);
        if (eof == UNDEFINED_ADDRESS || baseAddress == UNDEFINED_ADDRESS) {
            throw new BrokenModelException(path + " was not closed properly: its HDF5 superblock has no end-of-file address");
        }
        long declared = (baseAddress == 0 ? sigOffset : baseAddress) + eof;
        if (declared < 0 || declared > size) {
            throw truncated(path, size, "the HDF5 superblock declares " + (declared < 0 ? "an impossible size" : declared + " bytes"));
        }
    }

    private static BrokenModelException truncated(Path path, long size, String detail) {
        return new BrokenModelException(path + " is truncated: " + detail + " but the file has " + size
                + " bytes (an interrupted download or copy?)");
    }

    private static long readOffset(ByteBuffer buf, int pos, int width) {
        return switch (width) {
            case 2 -> buf.getShort(pos) & 0xffffL;
            case 4 -> {
                long v = buf.getInt(pos) & 0xffffffffL;
                yield v == 0xffffffffL ? UNDEFINED_ADDRESS : v;
            }
            default -> buf.getLong(pos);
        };
    }

    private static byte[] read(FileChannel ch, long offset, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                break;
            }
        }
        byte[] out = new byte[buf.position()];
        buf.flip();
        buf.get(out);
        return out;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** A short printable rendering of the first bytes, for "it starts with ..." messages. */
    static String describe(byte[] head) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte b : head) {
            int c = b & 0xff;
            sb.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append('"').toString();
    }
}

package org.attentionprobe.testing;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.bytedeco.hdf5.global.hdf5.*;

/**
 * Edits a copy of a Keras-written HDF5 file, for negative tests: the rest of the file stays exactly
 * as Keras wrote it. Test code only.
 */
public final class Hdf5Edit implements AutoCloseable {
    private final long file;

    private Hdf5Edit(Path path) {
        Loader.load(org.bytedeco.hdf5.global.hdf5.class);
        H5open();
        H5Eset_auto2(H5E_DEFAULT, null, null);
        file = H5Fopen(path.toString(), H5F_ACC_RDWR, H5P_DEFAULT);
        if (file < 0) {
            throw new IllegalStateException("cannot open " + path + " for writing");
        }
    }

    /**
     * A copy of the model file {@code source} at {@code target} whose {@code model_config} has {@code from} replaced by
     * {@code to} (the config must contain {@code from}): the one-line edit behind most negative import tests.
     */
    public static Path withConfigEdit(Path source, Path target, String from, String to) throws IOException {
        String json;
        try (org.attentionprobe.keras.Hdf5File f = org.attentionprobe.keras.Hdf5File.open(source)) {
            json = String.join("", f.stringAttribute("/", "model_config").orElseThrow());
        }
        if (!json.contains(from)) {
            throw new AssertionError(source + ": the model config should contain " + from);
        }
        try (Hdf5Edit edit = copy(source, target)) {
            edit.writeStringAttribute("/", "model_config", json.replace(from, to));
        }
        return target;
    }

    /** Copies {@code source} to {@code target} and opens the copy for editing. */
    public static Hdf5Edit copy(Path source, Path target) throws IOException {
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        target.toFile().setWritable(true);
        return new Hdf5Edit(target);
    }

    public Hdf5Edit deleteAttribute(String object, String name) {
        long obj = H5Oopen(file, object, H5P_DEFAULT);
        check(H5Adelete(obj, name), "delete " + object + " @" + name);
        H5Oclose(obj);
        return this;
    }

    /** Replaces (or adds) a scalar string attribute, written as a fixed-length string. */
    public Hdf5Edit writeStringAttribute(String object, String name, String value) {
        long obj = H5Oopen(file, object, H5P_DEFAULT);
        H5Adelete(obj, name);
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        long type = H5Tcopy(H5T_C_S1_g());
        H5Tset_size(type, Math.max(bytes.length, 1));
        long space = H5Screate(H5S_SCALAR);
        long attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        try (BytePointer data = new BytePointer(bytes.length + 1)) {
            data.put(bytes);
            check(H5Awrite(attr, type, data), "write " + object + " @" + name);
        }
        H5Aclose(attr);
        H5Sclose(space);
        H5Tclose(type);
        H5Oclose(obj);
        return this;
    }

    /** Replaces a dataset by a float32 one of another shape (filled with zeros). */
    public Hdf5Edit replaceDataset(String path, long... shape) {
        check(H5Ldelete(file, path, H5P_DEFAULT), "delete " + path);
        long space = H5Screate_simple(shape.length, shape, null);
        long dset = H5Dcreate2(file, path, H5T_NATIVE_FLOAT_g(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        try (FloatPointer zeros = new FloatPointer(n)) {
            zeros.fill(0);
            check(H5Dwrite(dset, H5T_NATIVE_FLOAT_g(), H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros), "write " + path);
        }
        H5Dclose(dset);
        H5Sclose(space);
        return this;
    }

    /** Removes a group or dataset (its link; the bytes stay in the file, unreachable). */
    public Hdf5Edit deleteLink(String path) {
        check(H5Ldelete(file, path, H5P_DEFAULT), "delete " + path);
        return this;
    }

    /** Renames (moves) a group or dataset. */
    public Hdf5Edit move(String from, String to) {
        check(H5Lmove(file, from, file, to, H5P_DEFAULT, H5P_DEFAULT), "move " + from + " to " + to);
        return this;
    }

    private static void check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException("HDF5 could not " + what);
        }
    }

    @Override
    public void close() {
        H5Fclose(file);
    }
}

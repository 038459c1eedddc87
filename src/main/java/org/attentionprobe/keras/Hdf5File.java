package org.attentionprobe.keras;

import org.attentionprobe.io.Shapes;
import org.attentionprobe.errors.BrokenModelException;
import org.bytedeco.hdf5.H5O_info2_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerPointer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.bytedeco.hdf5.global.hdf5.*;

/**
 * A read-only HDF5 file, through the bytedeco {@code hdf5} C API (the library DL4J's {@code Hdf5Archive}
 * wraps). Every call is checked: a missing object or a failed read becomes a {@link BrokenModelException}
 * naming the path, never an HDF5 diagnostic dump. HDF5's automatic error printing is switched off.
 *
 * <p>Why not {@code Hdf5Archive}: its {@code readAttributeAsString} reads variable-length string arrays
 * (Keras's {@code layer_names}, {@code weight_names}) into a fixed buffer and can crash the JVM. Here a
 * variable-length string is read with a variable-length memory type of the file's own character set,
 * and HDF5 frees what it allocated.
 *
 * <p>The HDF5 library is not built thread-safe: all access goes through one lock.
 */
public final class Hdf5File implements AutoCloseable {
    private static final Object LOCK = new Object();
    /** Sizes above this are refused before reading: no Keras weight or attribute comes near it. */
    private static final long MAX_BYTES = 1L << 31;
    /** The most values one weight may have: what one Java array holds. */
    private static final long MAX_VALUES = Integer.MAX_VALUE - 8;
    private static volatile boolean initialised;

    private final Path path;
    private final long fileSize;
    private long fileId = -1;

    private Hdf5File(Path path, long fileSize) {
        this.path = path;
        this.fileSize = fileSize;
    }

    /** Opens an HDF5 file after {@link FilePreflight} has checked its signature and size. */
    public static Hdf5File open(Path path) {
        if (FilePreflight.check(path) != FilePreflight.Kind.HDF5) {
            throw new BrokenModelException(path + " is a zip archive, expected an HDF5 file here");
        }
        long size = path.toFile().length();
        Hdf5File file = new Hdf5File(path, size);
        synchronized (LOCK) {
            init();
            // "strong" close: closing the file closes whatever a failed read left open, so a damaged file
            // leaves no state behind in the library for the next file to trip over
            long access = H5Pcreate(H5P_CLS_FILE_ACCESS_ID_g());
            try {
                H5Pset_fclose_degree(access, H5F_CLOSE_STRONG);
                file.fileId = H5Fopen(path.toString(), H5F_ACC_RDONLY, access);
            } finally {
                H5Pclose(access);
            }
        }
        if (file.fileId < 0) {
            throw new BrokenModelException(path + " has a valid HDF5 signature but HDF5 cannot open it (the file is damaged)");
        }
        return file;
    }

    /**
     * Loads the HDF5 library now (the first open otherwise does): a command line loads it before ND4J's natives, on
     * one thread ({@code NativeBackend.loadInBackground}).
     */
    public static void loadNatives() {
        synchronized (LOCK) {
            init();
        }
    }

    private static void init() {
        if (!initialised) {
            Loader.load(org.bytedeco.hdf5.global.hdf5.class);
            H5open();
            H5Eset_auto2(H5E_DEFAULT, null, null);
            initialised = true;
        }
    }

    public Path path() {
        return path;
    }

    /** True when every component of the path exists (a link to a group or dataset). */
    public boolean exists(String objectPath) {
        synchronized (LOCK) {
            String current = "";
            for (String part : objectPath.split("/")) {
                if (part.isEmpty()) {
                    continue;
                }
                current = current.isEmpty() ? part : current + "/" + part;
                if (H5Lexists(fileId, current, H5P_DEFAULT) <= 0) {
                    return false;
                }
            }
            return true;
        }
    }

    public boolean isGroup(String objectPath) {
        return objectType(objectPath) == H5O_TYPE_GROUP;
    }

    public boolean isDataset(String objectPath) {
        return objectType(objectPath) == H5O_TYPE_DATASET;
    }

    private int objectType(String objectPath) {
        if (!exists(objectPath)) {
            return -1;
        }
        synchronized (LOCK) {
            H5O_info2_t info = new H5O_info2_t();
            try {
                if (H5Oget_info_by_name3(fileId, objectPath, info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
                    return -1;
                }
                return info.type();
            } finally {
                info.close();
            }
        }
    }

    /** The names of a group's members, in HDF5's (alphabetical) order. */
    public List<String> children(String groupPath) {
        requireGroup(groupPath);
        synchronized (LOCK) {
            long group = check(H5Gopen2(fileId, groupPath, H5P_DEFAULT), "open group", groupPath);
            try {
                List<String> names = new ArrayList<>();
                for (long i = 0; ; i++) {
                    long len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, (BytePointer) null, 0, H5P_DEFAULT);
                    if (len < 0) {
                        break;
                    }
                    if (len > 65_536) {
                        throw broken("a member name of " + groupPath + " is " + len + " bytes long");
                    }
                    try (BytePointer name = new BytePointer(len + 1)) {
                        check(H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, len + 1, H5P_DEFAULT),
                                "list group", groupPath);
                        byte[] bytes = new byte[(int) len]; // without the terminating NUL
                        name.get(bytes);
                        names.add(new String(bytes, StandardCharsets.UTF_8));
                    }
                    if (names.size() > 1_000_000) {
                        throw broken(groupPath + " lists more than a million members");
                    }
                }
                return names;
            } finally {
                H5Gclose(group);
            }
        }
    }

    private void requireGroup(String groupPath) {
        if (!isGroup(groupPath)) {
            throw broken("no HDF5 group " + groupPath);
        }
    }

    public boolean hasAttribute(String objectPath, String name) {
        if (!objectPath.equals("/") && !exists(objectPath)) {
            return false;
        }
        synchronized (LOCK) {
            long obj = H5Oopen(fileId, objectPath, H5P_DEFAULT);
            if (obj < 0) {
                return false;
            }
            try {
                return H5Aexists(obj, name) > 0;
            } finally {
                H5Oclose(obj);
            }
        }
    }

    /**
     * A string attribute as a list: one element for a scalar, n for an array. Reads fixed- and
     * variable-length strings of either character set. Empty when the attribute does not exist.
     */
    public Optional<List<String>> stringAttribute(String objectPath, String name) {
        if (!hasAttribute(objectPath, name)) {
            return Optional.empty();
        }
        String what = objectPath + " @" + name;
        synchronized (LOCK) {
            long attr = check(H5Aopen_by_name(fileId, objectPath, name, H5P_DEFAULT, H5P_DEFAULT), "open attribute", what);
            long fileType = -1;
            long space = -1;
            try {
                fileType = check(H5Aget_type(attr), "read the type of", what);
                space = check(H5Aget_space(attr), "read the shape of", what);
                long count = H5Sget_simple_extent_npoints(space);
                if (count == 0) {
                    return Optional.of(List.of()); // h5py writes an empty list as an empty float array
                }
                if (H5Tget_class(fileType) != H5T_STRING) {
                    throw broken(what + " is not a string attribute (HDF5 type class " + H5Tget_class(fileType) + ")");
                }
                if (count < 0 || count > 10_000_000) {
                    throw broken(what + " declares " + count + " strings");
                }
                if (H5Tis_variable_str(fileType) > 0) {
                    return Optional.of(readVariableStrings(attr, fileType, space, (int) count, what));
                }
                return Optional.of(readFixedStrings(attr, fileType, (int) count, what));
            } finally {
                if (space >= 0) {
                    H5Sclose(space);
                }
                if (fileType >= 0) {
                    H5Tclose(fileType);
                }
                H5Aclose(attr);
            }
        }
    }

    private List<String> readVariableStrings(long attr, long fileType, long space, int count, String what) {
        long memType = check(H5Tcopy(H5T_C_S1_g()), "create a string type for", what);
        try (PointerPointer<BytePointer> buf = new PointerPointer<>(Math.max(count, 1))) {
            check(H5Tset_size(memType, H5T_VARIABLE), "create a string type for", what);
            // HDF5 does not convert between ASCII and UTF-8: read with the file's own character set.
            check(H5Tset_cset(memType, H5Tget_cset(fileType)), "create a string type for", what);
            check(H5Aread(attr, memType, buf), "read", what);
            List<String> out = new ArrayList<>(count);
            try {
                for (int i = 0; i < count; i++) {
                    BytePointer s = buf.get(BytePointer.class, i);
                    out.add(s == null || s.isNull() ? "" : s.getString(StandardCharsets.UTF_8));
                }
            } finally {
                H5Treclaim(memType, space, H5P_DEFAULT, buf);
            }
            return out;
        } finally {
            H5Tclose(memType);
        }
    }

    private List<String> readFixedStrings(long attr, long fileType, int count, String what) {
        long width = H5Tget_size(fileType);
        if (width <= 0 || width > MAX_BYTES || width * count > MAX_BYTES || width * count > Math.max(fileSize, 1 << 16) * 2) {
            throw broken(what + " declares " + count + " strings of " + width + " bytes, more than the file holds");
        }
        long memType = check(H5Tcopy(fileType), "create a string type for", what);
        try (BytePointer buf = new BytePointer(width * Math.max(count, 1))) {
            check(H5Aread(attr, memType, buf), "read", what);
            byte[] bytes = new byte[(int) (width * count)];
            buf.get(bytes);
            List<String> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int start = (int) (i * width);
                int end = start;
                while (end < start + width && bytes[end] != 0) {
                    end++;
                }
                out.add(new String(bytes, start, end - start, StandardCharsets.UTF_8).stripTrailing());
            }
            return out;
        } finally {
            H5Tclose(memType);
        }
    }

    private long[] shapeOf(long dset, String datasetPath) {
        long space = check(H5Dget_space(dset), "read the shape of", datasetPath);
        try {
            int rank = H5Sget_simple_extent_ndims(space);
            if (rank < 0 || rank > 32) {
                throw broken(datasetPath + " has rank " + rank);
            }
            long[] dims = new long[rank];
            if (rank > 0) {
                check(H5Sget_simple_extent_dims(space, dims, null), "read the shape of", datasetPath);
            }
            return dims;
        } finally {
            H5Sclose(space);
        }
    }

    /** A numeric dataset as weight {@code name}: its shape and its values converted to float32 by HDF5, in row-major (C) order. */
    public Weight readWeight(String datasetPath, String name) {
        requireDataset(datasetPath);
        synchronized (LOCK) {
            long dset = check(H5Dopen2(fileId, datasetPath, H5P_DEFAULT), "open dataset", datasetPath);
            long type = -1;
            try {
                type = check(H5Dget_type(dset), "read the type of", datasetPath);
                long elementSize = checkNumericType(type, datasetPath);
                long[] dims = shapeOf(dset, datasetPath);
                long count = valueCount(dims, datasetPath);
                long bytes = count * elementSize;   // no overflow: count < 2^31 and elementSize <= 8
                boolean unfiltered = isUnfiltered(dset);
                long limit = unfiltered ? fileSize : Math.min(MAX_BYTES, 1024 * fileSize);   // compressed data may unpack larger
                if (bytes > limit) {
                    throw broken(datasetPath + " declares " + count + " values (" + bytes
                            + " bytes) but the file has " + fileSize + " bytes");
                }
                long stored = H5Dget_storage_size(dset);
                if (count > 0 && stored == 0) {
                    throw broken(datasetPath + " has no data written (shape " + Shapes.format(dims) + ")");
                }
                if (count > 0 && stored < bytes && unfiltered) {
                    throw broken(datasetPath + " declares shape " + Shapes.format(dims) + " (" + bytes
                            + " bytes) but stores " + stored + " bytes");
                }
                long offset = H5Dget_offset(dset);   // contiguous data only; HDF5 reads zeros past the end of a file
                if (count > 0 && offset >= 0 && offset + stored > fileSize) {
                    throw broken(datasetPath + " lies at bytes " + offset + ".." + (offset + stored) + " but the file ends at "
                            + fileSize + " (it was cut short)");
                }
                float[] out = new float[(int) count];
                if (count > 0) {
                    try (FloatPointer buf = new FloatPointer(count)) {
                        check(H5Dread(dset, H5T_NATIVE_FLOAT_g(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "read", datasetPath);
                        buf.get(out);
                    }
                }
                return new Weight(name, dims, out);
            } finally {
                if (type >= 0) {
                    H5Tclose(type);
                }
                H5Dclose(dset);
            }
        }
    }

    /** The element size of an integer or IEEE-like float type; broken when the type cannot hold what it claims. */
    private long checkNumericType(long type, String datasetPath) {
        int typeClass = H5Tget_class(type);
        if (typeClass != H5T_FLOAT && typeClass != H5T_INTEGER) {
            throw broken(datasetPath + " is not numeric (HDF5 type class " + typeClass + ")");
        }
        long size = H5Tget_size(type);
        long precision = H5Tget_precision(type);
        boolean sizeOk = typeClass == H5T_FLOAT ? size == 2 || size == 4 || size == 8 : size == 1 || size == 2 || size == 4 || size == 8;
        if (!sizeOk || precision <= 0 || precision > 8 * size) {
            throw broken(datasetPath + " has a " + (typeClass == H5T_FLOAT ? "float" : "integer") + " type of " + size
                    + " bytes and " + precision + " bits, expected 2, 4 or 8 bytes (the type is damaged)");
        }
        return size;
    }

    /** The number of values of a shape; broken when it is negative or more than one Java array holds. */
    private long valueCount(long[] dims, String datasetPath) {
        long count = 1;
        for (long d : dims) {
            if (d < 0 || (d > 0 && count > MAX_VALUES / d)) {
                throw broken(datasetPath + " declares shape " + Shapes.format(dims) + ", more values than a weight can hold");
            }
            count *= d;
        }
        return count;
    }

    /** True when the dataset's storage is its values as they are (contiguous or compact, no compression). */
    private static boolean isUnfiltered(long dset) {
        long plist = H5Dget_create_plist(dset);
        if (plist < 0) {
            return false;
        }
        try {
            int layout = H5Pget_layout(plist);
            return (layout == H5D_CONTIGUOUS || layout == H5D_COMPACT) && H5Pget_nfilters(plist) == 0;
        } finally {
            H5Pclose(plist);
        }
    }

    private void requireDataset(String datasetPath) {
        if (!isDataset(datasetPath)) {
            throw broken("no HDF5 dataset " + datasetPath);
        }
    }

    private long check(long result, String action, String what) {
        if (result < 0) {
            throw broken("HDF5 could not " + action + " " + what + " (the file is damaged)");
        }
        return result;
    }

    private BrokenModelException broken(String detail) {
        return new BrokenModelException(path.getFileName() + ": " + detail);
    }

    @Override
    public void close() {
        synchronized (LOCK) {
            if (fileId >= 0) {
                H5Fclose(fileId);
                fileId = -1;
            }
        }
    }
}

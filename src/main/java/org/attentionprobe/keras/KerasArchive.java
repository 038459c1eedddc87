package org.attentionprobe.keras;

import org.attentionprobe.io.TempFolders;
import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.errors.UnsupportedModelException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A Keras 3 archive, {@code model.save("model.keras")}: a zip (entries stored, not compressed) of
 * <pre>
 * metadata.json       {"keras_version": "3.15.1", "date_saved": ...}
 * config.json         the model config: the Functional layout of a .h5's model_config, plus module,
 *                     registered_name and build_config on every layer
 * model.weights.h5    the weights in the Keras 3 layout ({@link WeightsH5Reader})
 * </pre>
 * Entries are read with size limits (declared and actual) and their CRC checked. HDF5 can only open a
 * file, so {@code model.weights.h5} is copied to a private temporary directory that is deleted when
 * reading ends, whatever happens.
 */
public final class KerasArchive {
    public static final String FORMAT = "Keras 3 archive (.keras)";
    static final String CONFIG = "config.json";
    static final String METADATA = "metadata.json";
    static final String WEIGHTS = "model.weights.h5";
    static final String TEMP_PREFIX = "attention-probe-";
    /** JSON entries larger than this are refused; Keras's are a few KB. */
    static final long MAX_JSON_BYTES = 64L << 20;
    /** A weights entry larger than this is refused (no single weight may exceed 2 GB anyway). */
    static final long MAX_WEIGHTS_BYTES = 16L << 30;

    private KerasArchive() {
    }

    /** The architecture and the Keras version an archive records. */
    public record Contents(ModelConfig config, String kerasVersion) {
    }

    /** Reads config, metadata and weights. */
    public static SavedModel read(Path path, SublayerOrder order) {
        return read(path, order, null);
    }

    /** Reads config, metadata and weights, extracting into a new directory under {@code tempRoot} (null: the system's). */
    static SavedModel read(Path path, SublayerOrder order, Path tempRoot) {
        String name = path.getFileName().toString();
        try (ZipFile zip = open(path)) {
            Contents contents = contents(zip, name);
            Map<String, List<Weight>> weights = withExtractedWeights(zip, name, tempRoot,
                    file -> WeightsH5Reader.read(file, name + " (" + WEIGHTS + ")", contents.config(), "its " + CONFIG, order));
            return new SavedModel(path, FORMAT, contents.kerasVersion(), "unknown", contents.config(), weights);
        } catch (IOException e) {
            throw new BrokenModelException(name + " cannot be read as a zip archive: " + e.getMessage(), e);
        }
    }

    /** Only the architecture and version (for {@code --config model.keras}). */
    public static Contents readContents(Path path) {
        String name = path.getFileName().toString();
        try (ZipFile zip = open(path)) {
            return contents(zip, name);
        } catch (IOException e) {
            throw new BrokenModelException(name + " cannot be read as a zip archive: " + e.getMessage(), e);
        }
    }

    private static ZipFile open(Path path) {
        try {
            return new ZipFile(path.toFile(), StandardCharsets.UTF_8);
        } catch (ZipException e) {
            throw new BrokenModelException(path.getFileName() + " starts like a zip archive (.keras) but is not a valid one ("
                    + e.getMessage() + "); the file is damaged or truncated");
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static Contents contents(ZipFile zip, String name) {
        ZipEntry configEntry = zip.getEntry(CONFIG);
        if (configEntry == null) {
            throw new BrokenModelException(name + " is a zip archive without " + CONFIG + "; expected a Keras 3 .keras archive "
                    + "holding " + METADATA + ", " + CONFIG + " and " + WEIGHTS + ", it holds " + entryNames(zip));
        }
        JsonNode configJson = KerasJson.parseFirstValue(readText(zip, configEntry, name), name + " " + CONFIG);
        ModelConfig config = ModelConfig.parse(configJson);
        String version = "unknown";
        ZipEntry metadata = zip.getEntry(METADATA);
        if (metadata != null) {
            JsonNode meta = KerasJson.parseFirstValue(readText(zip, metadata, name), name + " " + METADATA);
            version = meta.path("keras_version").isTextual() ? meta.get("keras_version").asText() : "unknown";
        }
        return new Contents(config, version);
    }

    private static String readText(ZipFile zip, ZipEntry entry, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy(zip, entry, name, out, MAX_JSON_BYTES);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Copies {@code model.weights.h5} to a private temporary directory, reads it, and deletes the copy. */
    private static <T> T withExtractedWeights(ZipFile zip, String name, Path tempRoot, Function<Hdf5File, T> reader) {
        ZipEntry entry = zip.getEntry(WEIGHTS);
        if (entry == null) {
            if (zip.getEntry("model.weights.npz") != null) {
                throw new UnsupportedModelException(name + " holds its weights as model.weights.npz (saved with "
                        + "weights_format=\"npz\"), which this tool does not read; save it with the default weights format (h5)");
            }
            throw new BrokenModelException(name + " has no " + WEIGHTS + "; it holds " + entryNames(zip));
        }
        Path dir = null;
        try {
            dir = tempRoot == null ? Files.createTempDirectory(TEMP_PREFIX) : Files.createTempDirectory(tempRoot, TEMP_PREFIX);
            Path copy = dir.resolve(WEIGHTS);
            requireSpace(dir, entry, name);
            try (OutputStream out = Files.newOutputStream(copy)) {
                copy(zip, entry, name, out, MAX_WEIGHTS_BYTES);
            }
            try (Hdf5File file = Hdf5File.open(copy)) {
                return reader.apply(file);
            } catch (BrokenModelException e) {
                String message = e.getMessage().replace(copy.toString(), WEIGHTS);
                throw new BrokenModelException(message.startsWith(name) ? message : name + ": " + message, e);
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot extract " + WEIGHTS + " of " + name + " to a temporary file: " + e.getMessage(), e);
        } finally {
            TempFolders.deleteRecursively(dir);
        }
    }

    private static void requireSpace(Path dir, ZipEntry entry, String name) throws IOException {
        long free = Files.getFileStore(dir).getUsableSpace();
        if (entry.getSize() > 0 && entry.getSize() > free) {
            throw new InvalidInputException("cannot extract " + WEIGHTS + " of " + name + " (" + entry.getSize()
                    + " bytes): the temporary directory " + dir.getParent() + " has " + free + " bytes free");
        }
    }

    /** Copies an entry, refusing more than {@code limit} bytes (declared or actual), and checks its CRC. */
    private static void copy(ZipFile zip, ZipEntry entry, String name, OutputStream out, long limit) {
        if (entry.getSize() > limit) {
            throw new BrokenModelException(name + ": " + entry.getName() + " declares " + entry.getSize()
                    + " bytes, more than the " + limit + " this tool accepts");
        }
        CRC32 crc = new CRC32();
        long total = 0;
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > limit) {
                    throw new BrokenModelException(name + ": " + entry.getName() + " unpacks to more than " + limit
                            + " bytes (declared " + entry.getSize() + "); refusing it");
                }
                crc.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        } catch (ZipException e) {
            throw new BrokenModelException(name + ": " + entry.getName() + " is damaged (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new BrokenModelException(name + ": " + entry.getName() + " cannot be read (" + e.getMessage() + ")");
        }
        if (entry.getSize() >= 0 && total != entry.getSize()) {
            throw new BrokenModelException(name + ": " + entry.getName() + " declares " + entry.getSize()
                    + " bytes but holds " + total + " (the archive is damaged)");
        }
        if (entry.getCrc() >= 0 && crc.getValue() != entry.getCrc()) {
            throw new BrokenModelException(name + ": " + entry.getName() + " fails its CRC check (the archive is damaged)");
        }
    }

    private static String entryNames(ZipFile zip) {
        List<String> names = zip.stream().limit(11).map(ZipEntry::getName).toList();
        return names.isEmpty() ? "nothing" : String.join(", ", names.subList(0, Math.min(10, names.size())))
                + (names.size() > 10 ? ", ..." : "");
    }
}

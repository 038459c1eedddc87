package org.attentionprobe.keras;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.errors.UnsupportedModelException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The architecture for a weights file, read from what the user has beside it: {@code config.json} (or
 * {@code model.to_json()} output), a {@code .keras} archive, or a {@code .h5} written by {@code model.save}.
 */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * An architecture and where it came from.
     *
     * @param config       the architecture
     * @param kerasVersion the Keras version the source records, or "unknown"
     * @param source       the file's name, for the format description and messages
     */
    public record Source(ModelConfig config, String kerasVersion, String source) {
    }

    public static Source read(Path path) {
        FilePreflight.requireReadableFile(path, "config file");
        String name = path.getFileName().toString();
        if (looksLikeJson(path)) {
            try {
                return new Source(ModelConfig.parse(KerasJson.parseFirstValue(readJson(path), name)), "unknown", name);
            } catch (BrokenModelException | UnsupportedModelException e) {
                throw new InvalidInputException(UserInput.CONFIG, name + " is not a usable Keras model config: " + e.getMessage(), e);
            }
        }
        return switch (FilePreflight.check(path)) {
            case ZIP -> {
                KerasArchive.Contents contents = KerasArchive.readContents(path);
                yield new Source(contents.config(), contents.kerasVersion(), name);
            }
            case HDF5 -> {
                try (Hdf5File file = Hdf5File.open(path)) {
                    ModelConfig config = LegacyH5Reader.config(file).orElseThrow(() -> new InvalidInputException(
                            UserInput.CONFIG, name + " holds no architecture (no model_config attribute); expected config.json, "
                                    + "a .keras archive or a .h5 written by model.save"));
                    yield new Source(config, LegacyH5Reader.version(file), name);
                }
            }
        };
    }

    private static boolean looksLikeJson(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            for (int i = 0, c; i < 4096 && (c = in.read()) >= 0; i++) {
                if (!Character.isWhitespace(c)) {
                    return c == '{';
                }
            }
            return false;
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static String readJson(Path path) {
        try {
            long size = Files.size(path);
            if (size > KerasArchive.MAX_JSON_BYTES) {
                throw new InvalidInputException(UserInput.CONFIG, path.getFileName() + " has " + size
                        + " bytes, more than a Keras config could need (" + KerasArchive.MAX_JSON_BYTES + ")");
            }
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}

package org.attentionprobe.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.Json;
import org.attentionprobe.keras.FilePreflight;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small JSON files beside a model ({@code meta.json}, {@code vocab.json}), read with one-line errors. */
final class JsonFiles {
    /** Larger than any vocabulary file this tool expects (a 1M-word vocabulary is about 15 MB). */
    private static final long MAX_BYTES = 256L << 20;

    private JsonFiles() {
    }

    static JsonNode read(Path file) {
        FilePreflight.requireReadableFile(file, file.getFileName().toString());
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new InvalidInputException(file + " has " + size + " bytes, more than the " + MAX_BYTES
                        + " this tool reads for a JSON file");
            }
            JsonNode root = Json.MAPPER.readTree(Files.readAllBytes(file));
            if (root == null || root.isMissingNode()) {
                throw new InvalidInputException(file + " is empty, expected JSON");
            }
            return root;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new InvalidInputException(file + " is not valid JSON"
                    + (loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")")
                    + ": " + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}

package org.attentionprobe.keras;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.io.Json;

import java.io.IOException;

/** Parses JSON that Keras wrote; tolerates trailing bytes after the first complete value. */
public final class KerasJson {
    private KerasJson() {
    }

    /** The first complete JSON value in {@code text}; what follows it (NULs, garbage) is ignored. */
    public static JsonNode parseFirstValue(String text, String what) {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(text)) {
            JsonNode node = Json.MAPPER.readTree(parser);
            if (node == null || node.isMissingNode()) {
                throw new BrokenModelException(what + " is empty, expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? "" : " at character " + e.getLocation().getCharOffset();
            throw new BrokenModelException(what + " is not valid JSON (" + e.getOriginalMessage() + at + ")");
        } catch (IOException e) {
            throw new BrokenModelException(what + " cannot be parsed: " + e.getMessage());
        }
    }
}

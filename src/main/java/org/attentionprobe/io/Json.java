package org.attentionprobe.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * The project's one Jackson mapper, for reading Keras and data files and for building and writing reports.
 * Jackson's defaults, set up here and never reconfigured afterwards: an {@link ObjectMapper} that is no longer
 * configured is thread-safe, so every class and thread shares it. Indentation is a property of a writer
 * ({@link #INDENTED}), not of the mapper, so compact and indented output come from the same mapper.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    /** Writes with Jackson's default pretty printer (two-space indent, {@code "key" : value}), as the JSON reports are. */
    public static final ObjectWriter INDENTED = MAPPER.writerWithDefaultPrettyPrinter();

    private Json() {
    }
}

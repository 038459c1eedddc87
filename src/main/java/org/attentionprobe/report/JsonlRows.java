package org.attentionprobe.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import org.attentionprobe.probe.HeadReading.KeyWeight;
import org.attentionprobe.probe.ReviewSummary;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * JSON Lines, one object per sequence:
 * <pre>{"id":0,"origin":"review 0","label":"negative","predicted":"negative","correct":true,
 *  "probabilities":{"negative":0.807,"positive":0.193},"real_tokens":68,
 *  "heads":[{"block":0,"head":0,"entropy":5.29,"top":[{"word":"terrible","position":150,"weight":0.0101},...]},...]}</pre>
 * {@code label} and {@code correct} are null without a true label; a number that is not finite is null.
 */
final class JsonlRows implements SummaryRows {
    private final JsonGenerator g;
    private final List<String> classNames;

    JsonlRows(OutputStream out, SummaryWriter.Columns columns) throws IOException {
        this.g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8).configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        g.setPrettyPrinter(new MinimalPrettyPrinter(""));
        this.classNames = columns.classNames();
    }

    @Override
    public void write(ReviewSummary s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", s.id());
        g.writeStringField("origin", s.origin());
        g.writeFieldName("label");
        if (s.label().isPresent()) {
            g.writeString(classNames.get(s.label().getAsInt()));
        } else {
            g.writeNull();
        }
        g.writeStringField("predicted", classNames.get(s.predicted()));
        g.writeFieldName("correct");
        if (s.correct().isPresent()) {
            g.writeBoolean(s.correct().get());
        } else {
            g.writeNull();
        }
        g.writeObjectFieldStart("probabilities");
        for (int c = 0; c < classNames.size(); c++) {
            g.writeFieldName(classNames.get(c));
            number(s.probabilities()[c]);
        }
        g.writeEndObject();
        g.writeNumberField("real_tokens", s.realTokens());
        g.writeArrayFieldStart("heads");
        for (ReviewSummary.HeadSummary h : s.heads()) {
            g.writeStartObject();
            g.writeNumberField("block", h.head().block());
            g.writeNumberField("head", h.head().head());
            g.writeFieldName("entropy");
            number(h.entropy());
            g.writeArrayFieldStart("top");
            for (KeyWeight k : h.top()) {
                g.writeStartObject();
                g.writeStringField("word", k.word());
                g.writeNumberField("position", k.position());
                g.writeFieldName("weight");
                number(k.weight());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeRaw('\n');
    }

    private void number(double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumber(v);
        } else {
            g.writeNull();
        }
    }

    private void number(float v) throws IOException {
        if (Float.isFinite(v)) {
            g.writeNumber(v);
        } else {
            g.writeNull();
        }
    }

    @Override
    public void finish() throws IOException {
        g.flush();
    }
}

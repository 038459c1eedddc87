package org.attentionprobe.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.attentionprobe.errors.InvalidInputException;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Where the job's columns are in the selected input row ({@code text} or {@code tokens}, then optional {@code id} and
 * {@code label}), checked once on the driver against the dataset's schema; -1 when absent.
 */
record InputColumns(int text, int tokens, int id, int label, DataType idType, DataType labelType) implements Serializable {
    /** The columns the job reads, in the order {@link #of} numbers them. */
    static List<String> select(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        List<String> out = new java.util.ArrayList<>();
        out.add(names.contains("text") ? "text" : "tokens");
        for (String optional : new String[]{"id", "label"}) {
            if (names.contains(optional)) {
                out.add(optional);
            }
        }
        return out;
    }

    static InputColumns of(StructType schema, String input) {
        List<String> names = Arrays.asList(schema.fieldNames());
        boolean text = names.contains("text");
        if (!text && !names.contains("tokens")) {
            throw new InvalidInputException(input + " has columns " + names + "; expected a text column (strings, tokenized as --text) "
                    + "or a tokens column (arrays of integer token ids), and optionally id and label");
        }
        if (text && !(schema.apply("text").dataType() == DataTypes.StringType)) {
            throw new InvalidInputException(input + ": column text is " + schema.apply("text").dataType().simpleString()
                    + "; expected strings");
        }
        if (!text) {
            DataType t = schema.apply("tokens").dataType();
            if (!(t instanceof ArrayType a) || !isInteger(a.elementType())) {
                throw new InvalidInputException(input + ": column tokens is " + t.simpleString() + "; expected arrays of integers");
            }
        }
        List<String> selected = select(schema);
        int id = selected.indexOf("id");
        int label = selected.indexOf("label");
        return new InputColumns(text ? 0 : -1, text ? -1 : 0, id, label,
                id >= 0 ? schema.apply("id").dataType() : DataTypes.LongType,
                label >= 0 ? schema.apply("label").dataType() : DataTypes.StringType);
    }

    private static boolean isInteger(DataType t) {
        return t instanceof IntegerType || t instanceof LongType || t instanceof ShortType;
    }

    /** The row's true class: a class name, or a class index; empty when absent or not a class. */
    OptionalInt labelIndex(Row row, List<String> classNames) {
        if (label < 0 || row.isNullAt(label)) {
            return OptionalInt.empty();
        }
        Object v = row.get(label);
        if (v instanceof Number n) {
            int i = n.intValue();
            return i >= 0 && i < classNames.size() ? OptionalInt.of(i) : OptionalInt.empty();
        }
        int i = classNames.indexOf(String.valueOf(v));
        return i >= 0 ? OptionalInt.of(i) : OptionalInt.empty();
    }

    static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, true);
    }
}

package org.attentionprobe.data;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.io.NativeArrays;
import org.attentionprobe.io.Npy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.Arrays;

/** Token-id sequences: reading them from {@code .npy} and fitting them to the model's length. */
public final class Sequences {
    private Sequences() {
    }

    /**
     * Like {@code keras.utils.pad_sequences(x, maxlen)} with its defaults: {@code padding='pre'} (zeros on
     * the left) and {@code truncating='pre'} (a long sequence keeps its last {@code maxlen} ids).
     */
    public static int[] padPre(int[] ids, int maxlen) {
        int[] out = new int[maxlen];
        int n = Math.min(ids.length, maxlen);
        System.arraycopy(ids, ids.length - n, out, maxlen - n, n);
        return out;
    }

    /** Token ids typed by a person: {@code 1,14,22} or {@code 1 14 22}. */
    public static int[] parseIds(String text) {
        String[] items = text.strip().split("[,\\s]+");
        if (text.isBlank()) {
            throw new InvalidInputException(UserInput.TOKENS, "the token ids are empty; expected ids like 1,14,22");
        }
        int[] ids = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            try {
                ids[i] = Integer.parseInt(items[i]);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(UserInput.TOKENS, "token item " + (i + 1) + " \"" + items[i] + "\" is not a token id; "
                        + "expected integers like 1,14,22");
            }
        }
        return ids;
    }

    /** Reads int32/int64 token ids {@code [B, L]} or {@code [L]} from an {@code .npy} file. */
    public static int[][] readNpy(Path file) {
        org.attentionprobe.keras.FilePreflight.requireReadableFile(file, "token file");
        INDArray a = Npy.read(file);
        String name = file.getFileName().toString();
        if (a.rank() != 1 && a.rank() != 2) {
            throw new InvalidInputException(name + " has shape " + Arrays.toString(a.shape())
                    + "; expected token ids of shape [batch, length] or [length]");
        }
        if (a.length() == 0) {
            throw new InvalidInputException(name + " is empty (shape " + Arrays.toString(a.shape()) + "); expected token ids");
        }
        if (a.rank() == 1) {
            a = a.reshape(1, a.length());
        }
        if (!a.dataType().isIntType()) {
            INDArray rounded = Transforms.round(a, true);
            if (!rounded.equals(a)) {
                throw new InvalidInputException(name + " holds non-integer values (" + a.dataType()
                        + "); expected int32 or int64 token ids");
            }
        }
        if (a.dataType() == DataType.LONG || a.dataType() == DataType.UINT32 || !a.dataType().isIntType()) {
            double max = a.maxNumber().doubleValue();
            double min = a.minNumber().doubleValue();
            if (max > Integer.MAX_VALUE || min < Integer.MIN_VALUE) {
                throw new InvalidInputException(name + " holds token ids outside the int32 range (" + (long) min + " .. " + (long) max + ")");
            }
        }
        return NativeArrays.intRows(a);
    }
}

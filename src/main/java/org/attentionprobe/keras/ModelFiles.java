package org.attentionprobe.keras;

import org.attentionprobe.BrokenModelException;
import org.attentionprobe.UnsupportedModelException;

import java.nio.file.Path;

/** Opens whatever Keras wrote and returns it as a {@link SavedModel}; the file is closed on return. */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** Reads a model file: legacy {@code .h5} from {@code model.save}. */
    public static SavedModel read(Path path) {
        FilePreflight.Kind kind = FilePreflight.check(path);
        if (kind == FilePreflight.Kind.ZIP) {
            throw new UnsupportedModelException(path.getFileName() + " is a zip archive (.keras); this build reads legacy .h5 files");
        }
        try (Hdf5File file = Hdf5File.open(path)) {
            if (LegacyH5Reader.isLegacyLayout(file)) {
                return LegacyH5Reader.read(file);
            }
            throw new BrokenModelException(path.getFileName() + " is an HDF5 file but not a Keras model: it has no model_config "
                    + "and no model_weights; expected a file written by model.save(\"model.h5\")");
        }
    }
}

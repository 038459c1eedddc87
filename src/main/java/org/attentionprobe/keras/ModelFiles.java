package org.attentionprobe.keras;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.errors.InvalidInputException;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * Opens whatever Keras wrote and returns it as a {@link SavedModel}; the file is closed on return.
 *
 * <pre>
 * zip                                        Keras 3 archive (.keras)                   {@link KerasArchive}
 * HDF5 with @model_config or model_weights   legacy HDF5 (model.save)                   {@link LegacyH5Reader}
 * HDF5 with root @layer_names                weights-only HDF5 (tf.keras save_weights)  {@link WeightsOnlyH5Reader}, + optional --config
 * HDF5 with layers/.../vars                  Keras 3 weights (.weights.h5) + --config   {@link WeightsH5Reader}
 * </pre>
 */
public final class ModelFiles {
    /** How one HDF5 layout is recognised and read. */
    private record Hdf5Layout(String description, Predicate<Hdf5File> recognises, boolean takesConfig, Reader reader) {
    }

    @FunctionalInterface
    private interface Reader {
        SavedModel read(Hdf5File file, LoadOptions options, SublayerOrder order);
    }

    /** Tried in order; the first that recognises the file reads it. */
    private static final List<Hdf5Layout> HDF5_LAYOUTS = List.of(
            new Hdf5Layout("a legacy .h5 (model.save), which carries its own architecture", LegacyH5Reader::isLegacyLayout, false,
                    (file, options, order) -> LegacyH5Reader.read(file)),
            new Hdf5Layout("a weights-only .h5 (save_weights), whose architecture is given apart or inferred", WeightsOnlyH5Reader::recognises, true,
                    (file, options, order) -> WeightsOnlyH5Reader.read(file, options)),
            new Hdf5Layout("a Keras 3 .weights.h5", WeightsH5Reader::recognises, true, WeightsH5Reader::readWithConfig));

    private ModelFiles() {
    }

    /** Reads a model file that carries its own architecture ({@code .h5}, {@code .keras}) or lets it be inferred. */
    public static SavedModel read(Path path) {
        return read(path, LoadOptions.defaults());
    }

    /** Reads a model file, with the options it may need (the architecture of a {@code .weights.h5}, head counts). */
    public static SavedModel read(Path path, LoadOptions options) {
        SublayerOrder order = options.sublayerOrder();
        SavedModel model = switch (FilePreflight.check(path)) {
            case ZIP -> {
                rejectConfig(path, options, "a Keras 3 archive (.keras), which carries its own architecture");
                yield KerasArchive.read(path, order);
            }
            case HDF5 -> readHdf5(path, options, order);
        };
        ModelConfig config = HeadCounts.apply(model.config(), options);
        return config == model.config() ? model
                : new SavedModel(model.source(), model.format(), model.kerasVersion(), model.backend(), config, model.weights());
    }

    private static SavedModel readHdf5(Path path, LoadOptions options, SublayerOrder order) {
        try (Hdf5File file = Hdf5File.open(path)) {
            for (Hdf5Layout layout : HDF5_LAYOUTS) {
                if (layout.recognises().test(file)) {
                    if (!layout.takesConfig()) {
                        rejectConfig(path, options, layout.description());
                    }
                    return layout.reader().read(file, options, order);
                }
            }
            throw new BrokenModelException(path.getFileName() + " is an HDF5 file but not a Keras model: it has no model_config "
                    + "or model_weights (model.save), no root layer_names (save_weights) and no layers group (Keras 3 .weights.h5)");
        }
    }

    private static void rejectConfig(Path path, LoadOptions options, String what) {
        if (options.config() != null) {
            throw new InvalidInputException(UserInput.CONFIG, "a separate architecture is for a weights-only file (a Keras 3 .weights.h5 "
                    + "or a tf.keras save_weights .h5), but " + path.getFileName() + " is " + what + "; expected no separate architecture");
        }
    }
}

package org.attentionprobe.cli;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.keras.FilePreflight;
import org.attentionprobe.keras.IsolatedRead;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.keras.NonFiniteWeights;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.graph.GraphOptions;
import org.attentionprobe.layers.LayerMappers;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the commands open the model file. The real command line ({@link Main#main}) lets a child JVM read the file
 * ({@link IsolatedRead}), started as soon as the model is named so it runs while the inputs load: a file that would
 * crash or hang the native HDF5 library then ends as one error line, and this JVM never runs HDF5 on it. In-process
 * runs ({@link Main#run} from tests) read directly. Either way, weights holding NaN or Inf are named in one warning line.
 */
final class ModelLoader {
    /** The command line's layer kinds: the built-in ones and those of LayerKindProvider jars on the class path. */
    static final LayerMappers MAPPERS = LayerMappers.withPlugins();
    private final boolean isolate;
    private final Duration timeout;   // null: IsolatedRead.timeoutFor(file)

    private ModelLoader(boolean isolate, Duration timeout) {
        this.isolate = isolate;
        this.timeout = timeout;
    }

    static ModelLoader inProcess() {
        return new ModelLoader(false, null);
    }

    /** Reads each model in a child JVM first, allowing it {@code timeout} (null: by file size). */
    static ModelLoader isolated(Duration timeout) {
        return new ModelLoader(true, timeout);
    }

    /**
     * Checks the file in plain Java ({@link FilePreflight}: a wrong or truncated file fails here, at once) and starts
     * reading it (in a child JVM when isolating); {@link Pending#open} finishes.
     */
    Pending begin(Path model, LoadOptions given) {
        FilePreflight.check(model);
        LoadOptions options = given.withSublayerOrder(MAPPERS.sublayerOrder());
        IsolatedRead read = isolate ? IsolatedRead.start(model, options, timeout != null ? timeout : IsolatedRead.timeoutFor(model)) : null;
        return new Pending(model, options, read);
    }

    /** A model being read; closing it before {@link #open} stops the read. */
    static final class Pending implements AutoCloseable {
        private final Path model;
        private final LoadOptions options;
        private final IsolatedRead read;   // null: read in this JVM

        private Pending(Path model, LoadOptions options, IsolatedRead read) {
            this.model = model;
            this.options = options;
            this.read = read;
        }

        /** Takes what the child read (or reads here), builds the model and warns about non-finite weights on {@code err}. */
        TransformerModel open(PrintWriter err) {
            SavedModel saved = (read == null ? Optional.<SavedModel>empty() : read.await())
                    .orElseGet(() -> ModelFiles.read(model, options));
            TransformerModel m = TransformerModel.of(saved, MAPPERS, GraphOptions.inference());
            NonFiniteWeights nonFinite = NonFiniteWeights.scan(m.saved());
            if (!nonFinite.isEmpty()) {
                err.println("warning: " + nonFinite.warning());
            }
            return m;
        }

        @Override
        public void close() {
            if (read != null) {
                read.close();
            }
        }
    }
}

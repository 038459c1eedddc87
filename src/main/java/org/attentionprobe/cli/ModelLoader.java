package org.attentionprobe.cli;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.isolation.CleanReads;
import org.attentionprobe.errors.TaskFailures;
import org.attentionprobe.keras.FilePreflight;
import org.attentionprobe.isolation.IsolatedRead;
import org.attentionprobe.keras.LoadOptions;
import org.attentionprobe.keras.ModelFiles;
import org.attentionprobe.keras.NonFiniteWeights;
import org.attentionprobe.keras.SavedModel;
import org.attentionprobe.graph.GraphOptions;
import org.attentionprobe.graph.NativeBackend;
import org.attentionprobe.layers.LayerMappers;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * How the commands open the model file. The real command line ({@link Main#main}) lets a child JVM read the file
 * ({@link IsolatedRead}), started as soon as the model is named so it runs while the inputs load: a file that would
 * crash or hang the native HDF5 library then ends as one error line, and this JVM never runs HDF5 on it; a file whose
 * bytes a child read cleanly before ({@link CleanReads}) is read in this JVM, beside the inputs. In-process
 * runs ({@link Main#run} from tests) read directly. Either way, weights holding NaN or Inf are named in one warning line.
 */
final class ModelLoader {
    /** The command line's layer kinds: the built-in ones and those of LayerKindProvider jars on the class path. */
    static final LayerMappers MAPPERS = LayerMappers.withPlugins();
    private final boolean isolate;
    private final Duration timeout;   // null: IsolatedRead.timeoutFor(file)
    private final CleanReads cleanReads;   // null: every file in isolation

    private ModelLoader(boolean isolate, Duration timeout, CleanReads cleanReads) {
        this.isolate = isolate;
        this.timeout = timeout;
        this.cleanReads = cleanReads;
    }

    static ModelLoader inProcess() {
        return new ModelLoader(false, null, null);
    }

    /**
     * Reads each model in a child JVM first, allowing it {@code timeout} (null: by file size), unless
     * {@code cleanReads} (null: none) remembers that a child read the same bytes cleanly before: then in this JVM,
     * on a thread of its own while the inputs load.
     */
    static ModelLoader isolated(Duration timeout, CleanReads cleanReads) {
        return new ModelLoader(true, timeout, cleanReads);
    }

    /**
     * Checks the file in plain Java ({@link FilePreflight}: a wrong or truncated file fails here, at once) and starts
     * reading it (in a child JVM when isolating); {@link Pending#open} finishes.
     */
    Pending begin(Path model, LoadOptions given) {
        FilePreflight.check(model);
        LoadOptions options = given.withSublayerOrder(MAPPERS.sublayerOrder());
        if (!isolate) {
            return new Pending(model, options, null, null, null);
        }
        // only a file read without a separate config: a config given as .h5 goes through HDF5 too, and is not vouched for
        String identity = cleanReads == null || options.config() != null ? null : CleanReads.identify(model).orElse(null);
        if (identity != null && cleanReads.contains(identity)) {
            return new Pending(model, options, null, readHere(model, options), null);
        }
        IsolatedRead read = IsolatedRead.start(model, options, timeout != null ? timeout : IsolatedRead.timeoutFor(model));
        return new Pending(model, options, read, null, identity == null ? null : () -> cleanReads.remember(identity));
    }

    /** Reads a file known to read cleanly, in this JVM, on a daemon thread. */
    private static CompletableFuture<SavedModel> readHere(Path model, LoadOptions options) {
        return CompletableFuture.supplyAsync(() -> ModelFiles.read(model, options), task -> {
            Thread t = new Thread(task, "model-read");
            t.setDaemon(true);
            t.start();
        });
    }

    /** A model being read; closing it before {@link #open} stops the read. */
    static final class Pending implements AutoCloseable {
        private final Path model;
        private final LoadOptions options;
        private final IsolatedRead read;                  // the child JVM's read, or null
        private final CompletableFuture<SavedModel> here; // this JVM's read of a file read cleanly before, or null
        private final Runnable onCleanRead;               // remembers the file after the child read it cleanly, or null

        private Pending(Path model, LoadOptions options, IsolatedRead read, CompletableFuture<SavedModel> here, Runnable onCleanRead) {
            this.model = model;
            this.options = options;
            this.read = read;
            this.here = here;
            this.onCleanRead = onCleanRead;
        }

        /** Whether the file is being read in a child JVM. */
        boolean isolated() {
            return read != null;
        }

        /** Takes what the child read (or reads here), builds the model and warns about non-finite weights on {@code err}. */
        TransformerModel open(PrintWriter err) {
            SavedModel saved = here != null ? TaskFailures.join(here) : readOrIsolated();
            NativeBackend.setOpThreads(1);   // one review, or runners of their own: OpenMP's spinning workers only cost
            TransformerModel m = TransformerModel.of(saved, MAPPERS, GraphOptions.inference());
            NonFiniteWeights nonFinite = NonFiniteWeights.scan(m.saved());
            if (!nonFinite.isEmpty()) {
                err.println("warning: " + nonFinite.warning());
            }
            return m;
        }

        private SavedModel readOrIsolated() {
            Optional<SavedModel> isolated = read == null ? Optional.empty() : read.await();
            if (isolated.isPresent() && onCleanRead != null) {
                onCleanRead.run();
            }
            return isolated.orElseGet(() -> ModelFiles.read(model, options));
        }

        @Override
        public void close() {
            if (read != null) {
                read.close();
            }
        }
    }
}

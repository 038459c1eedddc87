package org.attentionprobe.testing;

import org.attentionprobe.io.Npy;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The models and Keras references under {@code testdata/} (copied from ../shared; never edited). */
public final class TestData {
    public static final Path ROOT = Path.of("testdata");
    public static final Path IMDB = ROOT.resolve("imdb-transformer");
    public static final Path FIXTURES = ROOT.resolve("fixtures");
    public static final Path VARIANTS = ROOT.resolve("variants");

    private TestData() {
    }

    /** A folder holding {@code model.h5} and the {@code reference.npz} Keras computed from it. */
    public record Fixture(String name, Path dir, double attentionAtol) {
        public Path h5() {
            return dir.resolve("model.h5");
        }

        public Path keras() {
            return dir.resolve("model.keras");
        }

        public Path weightsH5() {
            return dir.resolve("model.weights.h5");
        }

        public Map<String, INDArray> reference() {
            return Npy.readNpz(dir.resolve("reference.npz"));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Every model with a Keras reference. The IMDB model's attention is nearly uniform: it is held to 1e-6.
     * The variants (made by {@code variants/make_variants.py}) cover a Sequential model, a sigmoid output,
     * key_dim/value_dim unlike E, three stacked blocks of mixed attention, and a model of built-in layers only.
     */
    public static List<Fixture> fixtures() {
        return List.of(
                new Fixture("keras3/v1", FIXTURES.resolve("keras3/v1"), 1e-5),
                new Fixture("keras3/v2", FIXTURES.resolve("keras3/v2"), 1e-5),
                new Fixture("keras3/v3", FIXTURES.resolve("keras3/v3"), 1e-5),
                new Fixture("keras3/v4", FIXTURES.resolve("keras3/v4"), 1e-5),
                new Fixture("tf-keras-2.13", FIXTURES.resolve("tf-keras-2.13/one-block-502-classes"), 1e-5),
                new Fixture("imdb-transformer", IMDB, 1e-6),
                new Fixture("variants/sequential-sigmoid", VARIANTS.resolve("sequential-sigmoid"), 1e-5),
                new Fixture("variants/keydim-stack", VARIANTS.resolve("keydim-stack"), 1e-5),
                new Fixture("variants/builtin-layers", VARIANTS.resolve("builtin-layers"), 1e-5));
    }

    public static Stream<Fixture> keras3Fixtures() {
        return fixtures().stream().filter(f -> Files.exists(f.keras()));
    }

    /** Fixtures with a Keras 3 {@code model.weights.h5} beside their {@code .h5} and {@code .keras}. */
    public static Stream<Fixture> weightsH5Fixtures() {
        return fixtures().stream().filter(f -> Files.exists(f.weightsH5()));
    }

    public static final Path DERIVED = ROOT.resolve("derived");

    /**
     * A weights-only {@code .h5} derived from a fixture's {@code model.h5} by {@code testdata/derive_weights_only.py}
     * (the fixture's {@code model_weights} at the root, as tf.keras {@code save_weights} writes it), checked
     * against the fixture's reference.
     *
     * @param numHeads the head count to pass, 0 when the weights tell it
     */
    public record WeightsOnly(Path file, Fixture fixture, int numHeads) {
        @Override
        public String toString() {
            return file.getFileName().toString();
        }
    }

    public static List<WeightsOnly> weightsOnly() {
        return List.of(
                new WeightsOnly(DERIVED.resolve("weights-only/tf-keras-2.13-one-block-502-classes.h5"), fixture("tf-keras-2.13"), 0),
                new WeightsOnly(DERIVED.resolve("weights-only/keras3-v4-2020-attention.h5"), fixture("keras3/v4"), 4));
    }

    public static Fixture fixture(String name) {
        return fixtures().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }
}

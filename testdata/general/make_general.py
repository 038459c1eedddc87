#!/usr/bin/env python3
"""Writes Keras text models built other ways than the keras.io example, each with references computed by Keras.

    KERAS_SRC=... KERAS_HUB_SRC=... KERAS_BACKEND=torch \\
        /usr/bin/python3 ../shared/keras-env/launch.py testdata/general/make_general.py

(torch backend: Conv1D needs it here; the numpy backend gives the same numbers within 1e-6 for the others.)
Weights are Keras's initialisers with fixed seeds, untrained; embeddings and query/key kernels are scaled up so
that attention is clearly peaked. Every reference array comes from Keras running the saved model's own layers:

  probs, hidden/<layer>, embedding_output   the model's inference path, model(x) (for MultiHeadAttention with no
                                            dropout that is ops.dot_product_attention)
  block{i}_attention_weights                every MultiHeadAttention in call order, as Keras returns them
                                            (return_attention_scores=True: masked keys and fully masked query rows
                                            are 0), recorded during the same model(x) call by a wrapper around
                                            MultiHeadAttention._compute_attention that returns what the original
                                            call returned
  block{i}_attention_output                 that layer's output in the same call
  mask                                      the embedding's Keras mask (1 = real), when the model has one

Every saved file is loaded back by Keras and must give the same probabilities.

  mha-masked          Embedding(mask_zero) -> MultiHeadAttention(x, x) -> x + a (op node) -> LayerNormalization
                      -> Dense gelu -> Dense -> Add layer -> LayerNormalization(center=False)
                      -> GlobalAveragePooling1D -> Dense(3, softmax); .keras, .h5, .weights.h5, legacy-weights.h5
  mha-cross           no mask_zero: mha(q, v) with value_dim != key_dim, output_shape, use_bias=False;
                      mha(q, v, k) with an attention_mask built from the token ids by ops (not_equal, cast, getitem
                      with None); Concatenate, Multiply, Activation(swish), x - y, x[:, 0] -> Dense(2, softmax)
  hub-encoder-post    KerasHub TokenAndPositionEmbedding(mask_zero) -> 2 x TransformerEncoder (post-LN, relu)
                      -> GlobalAveragePooling1D -> Dropout -> Dense(1, sigmoid); all four formats
  hub-encoder-prenorm Embedding + KerasHub PositionEmbedding (x + p) -> TransformerEncoder(normalize_first, gelu,
                      4 heads, eps 1e-6) -> h[:, 0, :] -> Dense(2, softmax)
  hub-sine-tied       KerasHub TokenAndPositionEmbedding(mask_zero, tie_weights=False) + SinePositionEncoding (op add)
                      -> TransformerEncoder(activation keras_hub>gelu_approximate, dropout 0.1)
                      -> GlobalMaxPooling1D -> Dense(3, softmax)
  conv1d-encoder      the keras.io timeseries encoder on text: 2 x [LayerNormalization -> MultiHeadAttention
                      (dropout 0.1) -> Dropout -> x + res -> LayerNormalization -> Conv1D(k=1, relu) -> Dropout
                      -> Conv1D(k=1) -> x + res] -> GlobalAveragePooling1D(channels_first) -> Dense relu -> Dense(2,
                      softmax); all four formats
  conv-variety        Sequential: Embedding -> Conv1D(causal, dilation 2, swish) -> SpatialDropout1D -> Conv1D(same,
                      tanh) -> Conv1D(valid) -> GaussianNoise -> GaussianDropout -> ActivityRegularization
                      -> GlobalMaxPooling1D -> Dense(4, softmax) (no attention)
  hub-sequential      Sequential: KerasHub TokenAndPositionEmbedding(mask_zero) -> TransformerEncoder
                      -> GlobalAveragePooling1D -> Dense(2, softmax)
  varlen              Input(shape=(None,)): Embedding(mask_zero) + SinePositionEncoding (op add) -> MultiHeadAttention
                      -> GlobalAveragePooling1D -> Dense(2, softmax); references at 12 and 7 tokens
  custom-layer        a layer of the user's own, demo>ScaleShift (x * scale + shift), between Embedding and attention
  hub-reversible      KerasHub ReversibleEmbedding(tie_weights=False, mask_zero) -> masked MHA -> masked pooling
"""
import json
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

import keras  # noqa: E402
import keras_hub  # noqa: E402
from keras import layers, ops  # noqa: E402
from keras.src.layers.attention.multi_head_attention import MultiHeadAttention  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

hub = keras_hub.layers
V, L, E = 80, 12, 16


def to_np(t):
    return np.asarray(keras.ops.convert_to_numpy(t))


class Recorder:
    """Records every MultiHeadAttention's returned weights and output during one model call, without changing it."""

    def __init__(self):
        self.original = MultiHeadAttention._compute_attention
        self.original_call = MultiHeadAttention.call
        self.weights, self.outputs = [], []

    def __enter__(self):
        rec, original, original_call = self, self.original, self.original_call

        def compute(layer, query, key, value, attention_mask=None, training=None, return_attention_scores=False, **kw):
            _, scores = original(layer, query, key, value, attention_mask, training, True, **kw)
            rec.weights.append(to_np(scores))
            return original(layer, query, key, value, attention_mask, training, return_attention_scores, **kw)

        def call(layer, *args, **kwargs):
            out = original_call(layer, *args, **kwargs)
            rec.outputs.append(to_np(out[0] if isinstance(out, tuple) else out))
            return out

        MultiHeadAttention._compute_attention = compute
        MultiHeadAttention.call = call
        return self

    def __exit__(self, *exc):
        MultiHeadAttention._compute_attention = self.original
        MultiHeadAttention.call = self.original_call


def tokens(batch, length, seed, pad="post", full_first=True):
    rng = np.random.default_rng(seed)
    x = np.zeros((batch, length), dtype="int32")
    lengths = rng.integers(3, length + 1, size=batch)
    if full_first:
        lengths[0] = length
    for i, n in enumerate(lengths):
        ids = rng.integers(1, V, size=n)
        if pad == "post" or i % 2 == 0:
            x[i, :n] = ids
        else:
            x[i, length - n:] = ids
    return x


def sharpen(model, factor=3.0):
    """Scales embeddings and query/key kernels so attention is clearly peaked (still Keras's own weights)."""
    for w in model.weights:
        path = w.path
        if path.endswith("embeddings") or "query" in path and path.endswith("kernel") or "key" in path and path.endswith("kernel"):
            w.assign(to_np(w) * factor)


def reference(model, x, embedding_layer, hidden, mask_layer=None):
    with Recorder() as rec:
        probs = to_np(model(x, training=False))
    arrays = {"x": x, "probs": probs}
    for i, (w, o) in enumerate(zip(rec.weights, rec.outputs)):
        arrays[f"block{i}_attention_weights"] = w
        arrays[f"block{i}_attention_output"] = o
    names = [embedding_layer] + hidden
    sub = keras.Model(model.inputs, [model.get_layer(n).output for n in names])
    outs = sub(x, training=False)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    arrays["embedding_output"] = to_np(outs[0])
    for n, o in zip(hidden, outs[1:]):
        arrays[f"hidden/{n}"] = to_np(o)
    if mask_layer is not None:
        layer = model.get_layer(mask_layer)
        layer = getattr(layer, "token_embedding", layer)  # KerasHub's TokenAndPositionEmbedding: its token embedding's mask
        m = layers.Embedding.compute_mask(layer, x)       # (ReversibleEmbedding sets it in call() with this very method)
        arrays["mask"] = to_np(m).astype("int32")
    return {k: (v.astype("float32") if v.dtype.kind == "f" else v) for k, v in arrays.items()}


def classes(model):
    config = json.loads(model.to_json())["config"]
    return [{"class_name": l["class_name"], "module": l.get("module"), "registered_name": l.get("registered_name"), "name": l.get("name", l["config"].get("name"))}
            for l in config["layers"]]


def save(name, model, refs, notes, all_formats=False, custom_objects=None):
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    model.save(os.path.join(folder, "model.keras"))
    model.save(os.path.join(folder, "model.h5"))
    if all_formats:
        model.save_weights(os.path.join(folder, "model.weights.h5"))
        with open(os.path.join(folder, "config.json"), "w") as f:
            f.write(model.to_json())
        with h5py.File(os.path.join(folder, "legacy-weights.h5"), "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, model)
    info = {"keras_version": keras.__version__, "backend": keras.backend.backend(), "notes": notes,
            "classes": classes(model), "references": {}}
    for ref_name, arrays in refs.items():
        np.savez(os.path.join(folder, ref_name), **arrays)
        info["references"][ref_name] = {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in arrays.items()}
    info["keras_reload_problems"] = check(folder, model, refs, all_formats, custom_objects)
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(name, {k: v.shape for k, v in refs["reference.npz"].items()})


def check(folder, model, refs, all_formats, custom_objects):
    """Keras loads every saved file back and computes the same probabilities. Returns what Keras could not reload.

    Keras 3.15.1 writes an operation node (x + y) into a legacy .h5 without its module and then reads it back as the
    layer of the same class name (keras.layers.Add), which fails ("too many positional arguments"), or as an unknown
    layer (NotEqual); such a .h5 holds
    the same config and weights as the .keras, so the .keras references hold for it.
    """
    files = [keras.saving.load_model(os.path.join(folder, "model.keras"), custom_objects=custom_objects)]
    problems = []
    try:
        files.append(keras.saving.load_model(os.path.join(folder, "model.h5"), custom_objects=custom_objects))
    except (TypeError, ValueError) as e:
        problems.append(f"model.h5: Keras {keras.__version__} cannot load it back ({str(e)[:80]}): its operation nodes were "
                        "saved without their module")
    if all_formats:
        m = keras.models.model_from_json(open(os.path.join(folder, "config.json")).read(), custom_objects=custom_objects)
        m.load_weights(os.path.join(folder, "model.weights.h5"))
        files.append(m)
        m2 = keras.models.model_from_json(open(os.path.join(folder, "config.json")).read(), custom_objects=custom_objects)
        with h5py.File(os.path.join(folder, "legacy-weights.h5"), "r") as f:
            legacy_h5_format.load_weights_from_hdf5_group(f, m2)
        files.append(m2)
    for arrays in refs.values():
        for loaded in files:
            got = to_np(loaded(arrays["x"], training=False))
            diff = np.abs(got - arrays["probs"]).max()
            assert diff <= 1e-6, f"{folder}: a reloaded model differs by {diff}"
    return problems


def mha_masked():
    keras.utils.set_random_seed(21)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    x = layers.Embedding(V, E, mask_zero=True, name="embedding")(inputs)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="attention")(x, x)
    h = x + a
    h = layers.LayerNormalization(epsilon=1e-5, name="norm1")(h)
    f = layers.Dense(24, activation="gelu", name="ff1")(h)
    f = layers.Dense(E, name="ff2")(f)
    h = layers.Add(name="residual")([h, f])
    h = layers.LayerNormalization(center=False, name="norm2")(h)
    p = layers.GlobalAveragePooling1D(name="pool")(h)
    outputs = layers.Dense(3, activation="softmax", name="classes")(p)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    x_ = tokens(5, L, 1)
    save("mha-masked", model, {"reference.npz": reference(model, x_, "embedding", ["norm1", "norm2", "pool"], "embedding")},
         "Embedding(mask_zero) -> MHA(x, x) -> x + a (op node drops the mask) -> LN -> Dense gelu -> Dense -> Add layer "
         "-> LN(center=False) -> GlobalAveragePooling1D (unmasked: the op dropped the mask) -> Dense(3, softmax)",
         all_formats=True)


def mha_cross():
    keras.utils.set_random_seed(22)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    x = layers.Embedding(V, E, name="embedding")(inputs)
    q = layers.Dense(E, activation="tanh", name="query_proj")(x)
    k = layers.Dense(E, name="key_proj")(x)
    a1 = layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=6, output_shape=10, use_bias=False, name="cross1")(q, x)
    real = ops.cast(ops.not_equal(inputs, 0), "float32")
    attention_mask = real[:, None, :] * real[:, :, None]
    a2 = layers.MultiHeadAttention(num_heads=2, key_dim=5, name="cross2")(q, x, k, attention_mask=attention_mask)
    c = layers.Concatenate(name="concat")([a1, a2])
    g = layers.Dense(10 + E, name="gate")(x)
    m = layers.Multiply(name="gated")([c, g])
    m = layers.Activation("swish", name="swish")(m)
    d = m - layers.Dense(10 + E, name="shift")(x)
    first = d[:, 0]
    outputs = layers.Dense(2, activation="softmax", name="classes")(first)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    x_ = tokens(5, L, 2, pad="mixed")
    save("mha-cross", model, {"reference.npz": reference(model, x_, "embedding", ["concat", "swish"])},
         "no mask_zero; mha(q, v) value_dim 6, output_shape 10, no bias; mha(q, v, k, attention_mask) with the mask from "
         "ops.not_equal/cast/getitem(None)/multiply; Concatenate, Multiply, Activation(swish), x - y, x[:, 0]")


def hub_encoder_post():
    keras.utils.set_random_seed(23)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    h = hub.TokenAndPositionEmbedding(vocabulary_size=V, sequence_length=L, embedding_dim=E, mask_zero=True, name="embedding")(inputs)
    h = hub.TransformerEncoder(intermediate_dim=32, num_heads=2, name="encoder1")(h)
    h = hub.TransformerEncoder(intermediate_dim=32, num_heads=2, name="encoder2")(h)
    h = layers.GlobalAveragePooling1D(name="pool")(h)
    h = layers.Dropout(0.1, name="dropout")(h)
    outputs = layers.Dense(1, activation="sigmoid", name="score")(h)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    x_ = tokens(5, L, 3)
    save("hub-encoder-post", model, {"reference.npz": reference(model, x_, "embedding", ["encoder1", "encoder2", "pool"], "embedding")},
         "KerasHub TokenAndPositionEmbedding(mask_zero) -> 2 x TransformerEncoder (post-LN) -> masked GlobalAveragePooling1D "
         "-> Dropout -> Dense(1, sigmoid)", all_formats=True)


def hub_encoder_prenorm():
    keras.utils.set_random_seed(24)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    e = layers.Embedding(V, E, name="embedding")(inputs)
    p = hub.PositionEmbedding(sequence_length=L, name="positions")(e)
    h = e + p
    h = hub.TransformerEncoder(intermediate_dim=24, num_heads=4, normalize_first=True, activation="gelu",
                               layer_norm_epsilon=1e-6, name="encoder")(h)
    first = h[:, 0, :]
    outputs = layers.Dense(2, activation="softmax", name="classes")(first)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    x_ = tokens(5, L, 4)
    save("hub-encoder-prenorm", model, {"reference.npz": reference(model, x_, "embedding", ["encoder"])},
         "Embedding + KerasHub PositionEmbedding (op add) -> TransformerEncoder(normalize_first, gelu, 4 heads, eps 1e-6) "
         "-> h[:, 0, :] -> Dense(2, softmax)")


def hub_sine_tied():
    keras.utils.set_random_seed(25)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    e = hub.TokenAndPositionEmbedding(vocabulary_size=V, sequence_length=L, embedding_dim=E, mask_zero=True,
                                      tie_weights=False, name="embedding")(inputs)
    s = hub.SinePositionEncoding(name="sine")(e)
    h = e + s
    h = hub.TransformerEncoder(intermediate_dim=24, num_heads=2, activation=keras_hub.src.utils.keras_utils.gelu_approximate,
                               dropout=0.1, name="encoder")(h)
    h = layers.GlobalMaxPooling1D(name="pool")(h)
    outputs = layers.Dense(3, activation="softmax", name="classes")(h)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    x_ = tokens(5, L, 5)
    save("hub-sine-tied", model, {"reference.npz": reference(model, x_, "embedding", ["encoder", "pool"], "embedding")},
         "KerasHub TokenAndPositionEmbedding(mask_zero, tie_weights=False) + SinePositionEncoding (op add drops the mask) "
         "-> TransformerEncoder(keras_hub>gelu_approximate, dropout 0.1) -> GlobalMaxPooling1D -> Dense(3, softmax)")


def conv1d_encoder():
    keras.utils.set_random_seed(26)

    def encoder(inputs, i, head_size=8, num_heads=2, ff_dim=24, dropout=0.1):
        x = layers.LayerNormalization(epsilon=1e-6, name=f"ln_a{i}")(inputs)
        x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=dropout, name=f"attention{i}")(x, x)
        x = layers.Dropout(dropout, name=f"drop_a{i}")(x)
        res = x + inputs
        x = layers.LayerNormalization(epsilon=1e-6, name=f"ln_b{i}")(res)
        x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu", name=f"conv_a{i}")(x)
        x = layers.Dropout(dropout, name=f"drop_b{i}")(x)
        x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1, name=f"conv_b{i}")(x)
        return x + res

    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    x = layers.Embedding(V, E, name="embedding")(inputs)
    x = encoder(x, 0)
    x = encoder(x, 1)
    x = layers.GlobalAveragePooling1D(data_format="channels_first", name="pool")(x)
    x = layers.Dense(16, activation="relu", name="mlp")(x)
    x = layers.Dropout(0.2, name="drop_mlp")(x)
    outputs = layers.Dense(2, activation="softmax", name="classes")(x)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    x_ = tokens(5, L, 6)
    save("conv1d-encoder", model, {"reference.npz": reference(model, x_, "embedding", ["conv_a0", "ln_b1", "pool"])},
         "keras.io timeseries Transformer encoder on text (pre-LN, Conv1D feed-forward, MHA dropout 0.1), "
         "GlobalAveragePooling1D(channels_first)", all_formats=True)


def conv_variety():
    keras.utils.set_random_seed(27)
    model = keras.Sequential([
        keras.Input(shape=(L,), dtype="int32"),
        layers.Embedding(V, E, name="embedding"),
        layers.Conv1D(12, 3, padding="causal", dilation_rate=2, activation="swish", name="causal"),
        layers.SpatialDropout1D(0.2, name="spatial"),
        layers.Conv1D(12, 3, padding="same", activation="tanh", name="same"),
        layers.Conv1D(8, 2, padding="valid", name="valid"),
        layers.GaussianNoise(0.1, name="noise"),
        layers.GaussianDropout(0.1, name="gdrop"),
        layers.ActivityRegularization(0.01, name="reg"),
        layers.GlobalMaxPooling1D(name="pool"),
        layers.Dense(4, activation="softmax", name="classes"),
    ], name="conv_variety")
    x_ = tokens(4, L, 7)
    save("conv-variety", model, {"reference.npz": reference(model, x_, "embedding", ["causal", "same", "valid", "pool"])},
         "Sequential Conv1D stack (causal dilation 2 swish, same tanh, valid) with identity regularizers; no attention")


def hub_sequential():
    keras.utils.set_random_seed(28)
    model = keras.Sequential([
        keras.Input(shape=(L,), dtype="int32"),
        hub.TokenAndPositionEmbedding(vocabulary_size=V, sequence_length=L, embedding_dim=E, mask_zero=True, name="embedding"),
        hub.TransformerEncoder(intermediate_dim=24, num_heads=2, name="encoder"),
        layers.GlobalAveragePooling1D(name="pool"),
        layers.Dense(2, activation="softmax", name="classes"),
    ], name="hub_sequential")
    sharpen(model)
    x_ = tokens(4, L, 8)
    save("hub-sequential", model, {"reference.npz": reference(model, x_, "embedding", ["encoder", "pool"], "embedding")},
         "Sequential of KerasHub layers, masked")


def varlen():
    keras.utils.set_random_seed(29)
    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    e = layers.Embedding(V, E, mask_zero=True, name="embedding")(inputs)
    h = e + hub.SinePositionEncoding(name="sine")(e)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="attention")(h, h)
    p = layers.GlobalAveragePooling1D(name="pool")(a)
    outputs = layers.Dense(2, activation="softmax", name="classes")(p)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    refs = {"reference.npz": reference(model, tokens(4, 12, 9), "embedding", ["pool"], "embedding"),
            "reference_len7.npz": reference(model, tokens(3, 7, 10), "embedding", ["pool"], "embedding")}
    save("varlen", model, refs, "Input(shape=(None,)): any length; references at 12 and 7 tokens. The attention's output "
         "keeps the query mask, so the pooling is masked")


def hub_reversible():
    keras.utils.set_random_seed(31)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    x = hub.ReversibleEmbedding(V, E, tie_weights=False, mask_zero=True, name="embedding")(inputs)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="attention")(x, x)
    p = layers.GlobalAveragePooling1D(name="pool")(a)
    outputs = layers.Dense(2, activation="softmax", name="classes")(p)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    x_ = tokens(4, L, 12)
    save("hub-reversible", model, {"reference.npz": reference(model, x_, "embedding", ["pool"], "embedding")},
         "KerasHub ReversibleEmbedding(tie_weights=False, mask_zero) -> MHA (masked) -> masked pooling: the worked example "
         "of docs/architecture.md")


@keras.saving.register_keras_serializable(package="demo")
class ScaleShift(layers.Layer):
    """x * scale + shift, per feature: a layer of the user's own."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="random_normal", name="scale")
        self.shift = self.add_weight(shape=(input_shape[-1],), initializer="random_normal", name="shift")

    def call(self, x):
        return x * self.scale + self.shift


def custom_layer():
    keras.utils.set_random_seed(30)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    x = layers.Embedding(V, E, name="embedding")(inputs)
    x = ScaleShift(name="scale_shift")(x)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="attention")(x, x)
    h = layers.LayerNormalization(name="norm")(x + a)
    p = layers.GlobalAveragePooling1D(name="pool")(h)
    outputs = layers.Dense(2, activation="softmax", name="classes")(p)
    model = keras.Model(inputs, outputs)
    sharpen(model)
    x_ = tokens(4, L, 11)
    save("custom-layer", model, {"reference.npz": reference(model, x_, "embedding", ["scale_shift", "norm"])},
         "a user's own registered layer demo>ScaleShift (weights scale, shift) between Embedding and MHA",
         custom_objects={"ScaleShift": ScaleShift})


if __name__ == "__main__":
    only = set(sys.argv[1:])
    for make in (mha_masked, mha_cross, hub_encoder_post, hub_encoder_prenorm, hub_sine_tied, conv1d_encoder, conv_variety,
                 hub_sequential, varlen, custom_layer, hub_reversible):
        if not only or make.__name__ in only:
            make()

#!/usr/bin/env python3
"""Writes Keras text models built other ways than the keras.io example, each with references computed by Keras.

    cd /work/main   # the project root
    KERAS_SRC=/work/src-keras KERAS_HUB_SRC=/work/src-kerashub KERAS_BACKEND=torch \\
        /usr/bin/python3 ../shared/keras-env/launch.py testdata/general/make_general.py [--out DIR] [function ...]

(torch backend: Conv1D needs it here; the numpy backend gives the same numbers within 1e-5 for the others.
--out writes the folders elsewhere (default: beside this script); naming functions, e.g. `custom_layer`, writes only
those models. Every model starts a fresh Keras session with its own fixed seed, so it is written the same whether alone
or with the others. README.md beside this script is written from the folders' reference.json at the end.)
Weights are Keras's initialisers with fixed seeds, untrained; query/key kernels are scaled up x3 and embeddings x3
(x20 where they reach an attention layer with no LayerNormalization between) so that attention is clearly peaked.
Every reference array comes from Keras running the saved model's own layers, and none is ever edited:

  probs, hidden/<layer>, embedding_output   the model's inference path, model(x, training=False) (for
                                            MultiHeadAttention with no dropout that is ops.dot_product_attention);
                                            hidden/<layer> and embedding_output from a sub-model
                                            keras.Model(model.inputs, [model.get_layer(n).output ...])
  block{i}_attention_weights                every MultiHeadAttention in call order (also those inside KerasHub's
                                            TransformerEncoder), as Keras returns them (return_attention_scores=True:
                                            masked keys and fully masked query rows are 0), recorded during the same
                                            model(x) call by a wrapper around MultiHeadAttention._compute_attention
                                            that returns what the original call returned
  block{i}_attention_output                 that layer's output in the same call
  mask                                      the embedding's Keras mask (1 = real), when the embedding has mask_zero

Every saved file is loaded back by Keras and must give the same probabilities (within 1e-6): model.keras and model.h5
with keras.saving.load_model; model.weights.h5 and legacy-weights.h5 with load_weights into a model built from
config.json. Keras 3.15.1 cannot load back its own model.h5 when the model has operation nodes (x + y, x[:, 0], ...):
it writes them into the .h5 config without their module, and reading them back looks the name up as a layer. For
those files the check is the .h5's own model_config (the same layers, nodes and configs as model.to_json(), less
each layer's module/registered_name/build_config and the dtype policies' shared_object_id, and with registered
classes named by their registered name) and its weights loaded by Keras (model.load_weights("model.h5")) into a model
built from model.to_json(), which must give the same probabilities; reference.json's keras_reload_problems says so.

  mha-masked          Embedding(mask_zero) -> MultiHeadAttention(x, x) (masked) -> x + a (op node: drops the mask)
                      -> LayerNormalization -> Dense gelu -> Dense -> Add layer -> LayerNormalization(center=False)
                      -> GlobalAveragePooling1D (unmasked, the op dropped the mask) -> Dense(3, softmax);
                      .keras, .h5, .weights.h5 + config.json, legacy-weights.h5
  mha-cross           no mask_zero: mha(q, v) with value_dim 6 != key_dim 4, output_shape 10, use_bias=False, value
                      = x * cast(not_equal(ids, 0))[:, :, None] (pad embeddings zeroed); mha(q, v, k,
                      attention_mask=logical_and(expand_dims(real, 1), real[:, :, None])) (boolean [B, Lq, Lk]);
                      Concatenate, Multiply, Activation(swish), x - y, x[:, 0] -> Dense(2, softmax); rows 1 and 3
                      pre-padded, so their position 0 is a fully masked query row of the second attention
  hub-encoder-post    KerasHub TokenAndPositionEmbedding(mask_zero) -> 2 x TransformerEncoder (post-LN, relu)
                      -> GlobalAveragePooling1D (masked) -> Dropout -> Dense(1, sigmoid); all four formats
  hub-encoder-prenorm Embedding + KerasHub PositionEmbedding (x + p, op node) -> TransformerEncoder(normalize_first,
                      gelu, 4 heads, eps 1e-6) -> h[:, 0, :] -> Dense(2, softmax)
  hub-sine-tied       KerasHub TokenAndPositionEmbedding(mask_zero, tie_weights=True) + SinePositionEncoding (op add:
                      drops the mask) -> TransformerEncoder(activation keras_hub>gelu_approximate, dropout 0.1)
                      -> GlobalMaxPooling1D -> Dense(3, softmax)
  conv1d-encoder      the keras.io timeseries encoder on text: 2 x [LayerNormalization -> MultiHeadAttention
                      (dropout 0.1) -> Dropout -> x + res -> LayerNormalization -> Conv1D(k=1, relu) -> Dropout
                      -> Conv1D(k=1) -> x + res] -> GlobalAveragePooling1D(channels_first) -> Dense relu -> Dropout
                      -> Dense(2, softmax); all four formats
  conv-variety        Sequential, float Input(shape=(L,)): Embedding -> Conv1D(causal, dilation 2, swish)
                      -> SpatialDropout1D -> Conv1D(same, tanh) -> Conv1D(valid) -> GaussianNoise -> GaussianDropout
                      -> GlobalMaxPooling1D -> ActivityRegularization -> Dense(4, softmax) (no attention)
  hub-sequential      Sequential: KerasHub TokenAndPositionEmbedding(mask_zero, tie_weights=False: its token
                      embedding holds reverse_embeddings too) -> TransformerEncoder -> GlobalAveragePooling1D
                      -> Dense(2, softmax)
  varlen              Input(shape=(None,)): Embedding(mask_zero) + SinePositionEncoding (op add: drops the mask)
                      -> MultiHeadAttention (so unmasked) -> GlobalAveragePooling1D -> Dense(2, softmax);
                      references at 12 tokens (reference.npz) and 7 tokens (reference_len7.npz)
  custom-layer        a layer of the user's own, demo>ScaleShift (x * scale + shift, weights scale (E,), shift (E,)),
                      between Embedding and attention; the rest as mha-masked, unmasked
  hub-reversible      KerasHub ReversibleEmbedding(tie_weights=False, mask_zero) -> masked MHA -> masked pooling
"""
import json
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = HERE  # --out DIR changes it

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


def begin(seed):
    """A fresh Keras session (so auto-generated names such as add_1, get_item are the same whichever models are written
    before) and a fixed seed for Keras's initialisers."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)


def sharpen(model, factor=3.0, embeddings=None):
    """Scales embeddings and query/key kernels so attention is clearly peaked (still Keras's own weights).

    Every weight whose path ends in "embeddings" is multiplied by `embeddings` (default: `factor`), every kernel whose
    path contains "query" or "key" by `factor`. Keras's default Embedding initializer is uniform(-0.05, 0.05), so where
    the embeddings reach an attention layer without a LayerNormalization in between, a larger embedding factor is
    needed for peaked attention."""
    for w in model.weights:
        path = w.path
        if path.endswith("embeddings"):
            w.assign(to_np(w) * (embeddings or factor))
        elif "query" in path and path.endswith("kernel") or "key" in path and path.endswith("kernel"):
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
    """The saved config's layers and operation nodes, in config order."""
    config = json.loads(model.to_json())["config"]
    return [{"class_name": l["class_name"], "module": l.get("module"), "registered_name": l.get("registered_name"),
             "name": l.get("name", l["config"].get("name"))}
            for l in config["layers"]]


def all_class_names(model):
    """Every distinct class_name anywhere in the saved config (layers, op nodes, dtype policies, initializers,
    functions, ...), with its module and registered_name."""
    found = {}

    def visit(o):
        if isinstance(o, dict):
            if "class_name" in o and o["class_name"] != "__keras_tensor__":
                key = (o["class_name"], o.get("module"), o.get("registered_name"))
                found.setdefault(key, {"class_name": key[0], "module": key[1], "registered_name": key[2]})
            for v in o.values():
                visit(v)
        elif isinstance(o, list):
            for v in o:
                visit(v)

    visit(json.loads(model.to_json()))
    return sorted(found.values(), key=lambda d: (d["class_name"], str(d["module"])))


def save(name, model, refs, notes, all_formats=False, custom_objects=None):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    model.save(os.path.join(folder, "model.keras"))
    model.save(os.path.join(folder, "model.h5"))
    if all_formats:
        model.save_weights(os.path.join(folder, "model.weights.h5"))
        with open(os.path.join(folder, "config.json"), "w") as f:
            f.write(model.to_json())
        with h5py.File(os.path.join(folder, "legacy-weights.h5"), "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, model)
    shapes = {ref_name: {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in arrays.items()}
              for ref_name, arrays in refs.items()}
    info = {"keras_version": keras.__version__, "keras_hub_version": keras_hub_version(), "backend": keras.backend.backend(),
            "notes": notes, "classes": classes(model), "all_class_names": all_class_names(model),
            "arrays": shapes["reference.npz"], "references": shapes}
    for ref_name, arrays in refs.items():
        np.savez(os.path.join(folder, ref_name), **arrays)
    info["keras_reload_problems"] = check(folder, model, refs, all_formats, custom_objects)
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(name, {k: v.shape for k, v in refs["reference.npz"].items()})


def keras_hub_version():
    from keras_hub.src.version import __version__
    return __version__


LAYER_ONLY_KEYS = ("module", "registered_name", "build_config")


def without_shared_ids(o):
    if isinstance(o, dict):
        return {k: without_shared_ids(v) for k, v in o.items() if k != "shared_object_id"}
    if isinstance(o, list):
        return [without_shared_ids(v) for v in o]
    return o


def h5_config_matches(path, model):
    """The legacy .h5's model_config holds the same layers, nodes and configs as model.to_json(), less what Keras's
    legacy writer leaves out or writes otherwise: each layer's module, registered_name and build_config, the
    shared_object_id of shared dtype policies, and a registered class's class_name, which the .h5 gives as its
    registered name (keras_hub>TransformerEncoder, demo>ScaleShift)."""
    with h5py.File(path, "r") as f:
        saved = without_shared_ids(json.loads(f.attrs["model_config"]))
    ours = without_shared_ids(json.loads(model.to_json()))

    def strip(l, registered=None):
        l = {k: v for k, v in l.items() if k not in LAYER_ONLY_KEYS}
        if registered and "class_name" in l and l["class_name"] == registered:
            l["class_name"] = "(registered)"
        return l

    assert saved["class_name"] == ours["class_name"], (saved["class_name"], ours["class_name"])
    a, b = saved["config"]["layers"], ours["config"]["layers"]
    assert len(a) == len(b)
    for x, y in zip(a, b):
        reg = y.get("registered_name") if y.get("registered_name") not in (None, y["class_name"]) else None
        assert strip(x, reg) == strip(dict(y, class_name="(registered)") if reg else y), \
            f"{path}: layer {y.get('name')} differs from model.to_json():\n{x}\n{y}"
    assert {k: v for k, v in saved["config"].items() if k != "layers"} == {k: v for k, v in ours["config"].items() if k != "layers"}


def check(folder, model, refs, all_formats, custom_objects):
    """Keras loads every saved file back and computes the same probabilities. Returns what Keras could not reload.

    Keras 3.15.1 writes an operation node (x + y) into a legacy .h5 without its module and then reads it back as the
    layer of the same class name (keras.layers.Add), which fails ("too many positional arguments"), or as an unknown
    layer (NotEqual, GetItem). Such a .h5 is checked instead by its config (the same as model.to_json() but for
    module/registered_name/build_config) and by Keras loading its weights (model.load_weights) into a model built
    from model.to_json().
    """
    loaded = {"model.keras": keras.saving.load_model(os.path.join(folder, "model.keras"), custom_objects=custom_objects)}
    problems = []
    h5 = os.path.join(folder, "model.h5")
    try:
        loaded["model.h5"] = keras.saving.load_model(h5, custom_objects=custom_objects)
    except (TypeError, ValueError) as e:
        problems.append(f"model.h5: Keras {keras.__version__} cannot load it back ({str(e)[:80]}): its operation nodes were "
                        "saved without their module. Checked instead: its model_config equals model.to_json() but for "
                        "module/registered_name/build_config, and model.load_weights('model.h5') into a model built from "
                        "model.to_json() gives the reference probabilities")
        h5_config_matches(h5, model)
        m = keras.models.model_from_json(model.to_json(), custom_objects=custom_objects)
        m.load_weights(h5)
        loaded["model.h5 (weights)"] = m
    if all_formats:
        config = open(os.path.join(folder, "config.json")).read()
        m = keras.models.model_from_json(config, custom_objects=custom_objects)
        m.load_weights(os.path.join(folder, "model.weights.h5"))
        loaded["model.weights.h5"] = m
        m2 = keras.models.model_from_json(config, custom_objects=custom_objects)
        m2.load_weights(os.path.join(folder, "legacy-weights.h5"))  # Keras's legacy path: load_weights_from_hdf5_group
        loaded["legacy-weights.h5"] = m2
        with h5py.File(os.path.join(folder, "legacy-weights.h5"), "r") as f:
            assert "layer_names" in f.attrs and "model_config" not in f.attrs and "model_weights" not in f
    for arrays in refs.values():
        for what, m in loaded.items():
            got = to_np(m(arrays["x"], training=False))
            diff = np.abs(got - arrays["probs"]).max()
            assert diff <= 1e-6, f"{folder}/{what}: the reloaded model differs by {diff}"
    print("  reloaded and checked:", ", ".join(loaded))
    return problems


def mha_masked():
    begin(21)
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
    sharpen(model, embeddings=20.0)
    x_ = tokens(5, L, 1)
    save("mha-masked", model, {"reference.npz": reference(model, x_, "embedding", ["norm1", "norm2", "pool"], "embedding")},
         "Embedding(mask_zero) -> MHA(x, x) -> x + a (op node drops the mask) -> LN -> Dense gelu -> Dense -> Add layer "
         "-> LN(center=False) -> GlobalAveragePooling1D (unmasked: the op dropped the mask) -> Dense(3, softmax)",
         all_formats=True)


def mha_cross():
    begin(22)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    x = layers.Embedding(V, E, name="embedding")(inputs)
    real = ops.not_equal(inputs, 0)                                         # bool [B, L]
    v = x * ops.cast(real, "float32")[:, :, None]                           # padding embeddings zeroed
    q = layers.Dense(E, activation="tanh", name="query_proj")(x)
    k = layers.Dense(E, name="key_proj")(x)
    a1 = layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=6, output_shape=10, use_bias=False, name="cross1")(q, v)
    attention_mask = ops.logical_and(ops.expand_dims(real, 1), real[:, :, None])  # bool [B, Lq, Lk]
    a2 = layers.MultiHeadAttention(num_heads=2, key_dim=5, name="cross2")(q, x, k, attention_mask=attention_mask)
    c = layers.Concatenate(name="concat")([a1, a2])
    g = layers.Dense(10 + E, name="gate")(x)
    m = layers.Multiply(name="gated")([c, g])
    m = layers.Activation("swish", name="swish")(m)
    d = m - layers.Dense(10 + E, name="shift")(x)
    first = d[:, 0]
    outputs = layers.Dense(2, activation="softmax", name="classes")(first)
    model = keras.Model(inputs, outputs)
    sharpen(model, embeddings=20.0)
    x_ = tokens(5, L, 2, pad="mixed")
    save("mha-cross", model, {"reference.npz": reference(model, x_, "embedding", ["concat", "swish"])},
         "no mask_zero. real = ops.not_equal(ids, 0); v = x * ops.cast(real, 'float32')[:, :, None]; "
         "cross1 = MHA(3 heads, key_dim 4, value_dim 6, output_shape 10, use_bias=False)(q, v) (key = value = v); "
         "cross2 = MHA(2 heads, key_dim 5)(q, x, k, attention_mask=ops.logical_and(ops.expand_dims(real, 1), "
         "real[:, :, None])) (boolean [B, Lq, Lk]); Concatenate, Multiply, Activation(swish), x - y, x[:, 0] "
         "-> Dense(2, softmax). Rows 1 and 3 are pre-padded: their position 0 is a fully masked query row of cross2, "
         "whose returned weights are all 0 while its output is the uniform average over all keys (Keras's large "
         "negative mask). sharpen() also scaled the query_proj/key_proj Dense kernels (their paths contain "
         "'query'/'key')")


def hub_encoder_post():
    begin(23)
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
    begin(24)
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
    begin(25)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    e = hub.TokenAndPositionEmbedding(vocabulary_size=V, sequence_length=L, embedding_dim=E, mask_zero=True,
                                      tie_weights=True, name="embedding")(inputs)
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
         "KerasHub TokenAndPositionEmbedding(mask_zero, tie_weights=True: the token embedding holds only 'embeddings') "
         "+ SinePositionEncoding (op add: the sum has no mask, so the encoder attends to padding and the pooling is "
         "over every position) -> TransformerEncoder(activation keras_hub>gelu_approximate, i.e. tanh-approximate "
         "gelu, dropout 0.1 (inactive at inference)) -> GlobalMaxPooling1D -> Dense(3, softmax). 'mask' is the "
         "embedding's own mask, which the op add drops")


def conv1d_encoder():
    begin(26)

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
    begin(27)
    model = keras.Sequential([
        keras.Input(shape=(L,)),  # float32, as the keras.io examples write it; Embedding casts the ids
        layers.Embedding(V, E, name="embedding"),
        layers.Conv1D(12, 3, padding="causal", dilation_rate=2, activation="swish", name="causal"),
        layers.SpatialDropout1D(0.2, name="spatial"),
        layers.Conv1D(12, 3, padding="same", activation="tanh", name="same"),
        layers.Conv1D(8, 2, padding="valid", name="valid"),
        layers.GaussianNoise(0.1, name="noise"),
        layers.GaussianDropout(0.1, name="gdrop"),
        layers.GlobalMaxPooling1D(name="pool"),
        layers.ActivityRegularization(0.01, name="reg"),
        layers.Dense(4, activation="softmax", name="classes"),
    ], name="conv_variety")
    x_ = tokens(4, L, 7)
    save("conv-variety", model, {"reference.npz": reference(model, x_, "embedding", ["causal", "same", "valid", "pool"])},
         "Sequential, float32 Input(shape=(L,)): Embedding -> Conv1D(12, 3, causal, dilation 2, swish) -> SpatialDropout1D "
         "-> Conv1D(12, 3, same, tanh) -> Conv1D(8, 2, valid: length L-1) -> GaussianNoise -> GaussianDropout "
         "-> GlobalMaxPooling1D -> ActivityRegularization -> Dense(4, softmax); the noise/dropout/regularization "
         "layers are identities at inference; no attention, no mask")


def hub_sequential():
    begin(28)
    model = keras.Sequential([
        keras.Input(shape=(L,), dtype="int32"),
        hub.TokenAndPositionEmbedding(vocabulary_size=V, sequence_length=L, embedding_dim=E, mask_zero=True,
                                      tie_weights=False, name="embedding"),
        hub.TransformerEncoder(intermediate_dim=24, num_heads=2, name="encoder"),
        layers.GlobalAveragePooling1D(name="pool"),
        layers.Dense(2, activation="softmax", name="classes"),
    ], name="hub_sequential")
    sharpen(model, embeddings=20.0)
    x_ = tokens(4, L, 8)
    save("hub-sequential", model, {"reference.npz": reference(model, x_, "embedding", ["encoder", "pool"], "embedding")},
         "Sequential: KerasHub TokenAndPositionEmbedding(mask_zero, tie_weights=False: its token embedding holds "
         "'embeddings' and 'reverse_embeddings' (E, V), unused by the forward pass) -> TransformerEncoder (post-LN, "
         "relu, masked) -> GlobalAveragePooling1D (masked) -> Dense(2, softmax)")


def varlen():
    begin(29)
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
    save("varlen", model, refs, "Input(shape=(None,), int32): any length; references at 12 tokens (reference.npz) and 7 "
         "(reference_len7.npz). Embedding(mask_zero) + SinePositionEncoding added with + (op node: the sum has no "
         "mask), so MultiHeadAttention(h, h) attends to padding and GlobalAveragePooling1D averages every position; "
         "'mask' is the embedding's own mask, which the op drops")


def hub_reversible():
    begin(31)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    x = hub.ReversibleEmbedding(V, E, tie_weights=False, mask_zero=True, name="embedding")(inputs)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="attention")(x, x)
    p = layers.GlobalAveragePooling1D(name="pool")(a)
    outputs = layers.Dense(2, activation="softmax", name="classes")(p)
    model = keras.Model(inputs, outputs)
    sharpen(model, embeddings=20.0)
    x_ = tokens(4, L, 12)
    save("hub-reversible", model, {"reference.npz": reference(model, x_, "embedding", ["pool"], "embedding")},
         "KerasHub ReversibleEmbedding(tie_weights=False, mask_zero) -> MHA (masked) -> masked pooling: the worked example "
         "of docs/architecture.md")


@keras.saving.register_keras_serializable(package="demo")
class ScaleShift(layers.Layer):
    """x * scale + shift, per feature: a layer of the user's own (weights created in the order scale, shift)."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), name="scale",
                                     initializer=keras.initializers.RandomNormal(mean=1.0, stddev=0.3))
        self.shift = self.add_weight(shape=(input_shape[-1],), name="shift",
                                     initializer=keras.initializers.RandomNormal(stddev=0.1))

    def call(self, x):
        return x * self.scale + self.shift


def custom_layer():
    begin(30)
    inputs = keras.Input(shape=(L,), dtype="int32", name="tokens")
    x = layers.Embedding(V, E, name="embedding")(inputs)
    x = ScaleShift(name="scale_shift")(x)
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
    sharpen(model, embeddings=20.0)
    x_ = tokens(4, L, 11)
    save("custom-layer", model, {"reference.npz": reference(model, x_, "embedding", ["scale_shift", "norm1", "norm2"])},
         "a user's own layer registered as demo>ScaleShift (x * scale + shift; weights scale (E,), shift (E,), created "
         "in that order; no constructor arguments) between Embedding (no mask) and MultiHeadAttention(x, x); then as "
         "mha-masked, unmasked: x + a (op node) -> LayerNormalization(1e-5) -> Dense(24, gelu) -> Dense -> Add layer "
         "-> LayerNormalization(center=False) -> GlobalAveragePooling1D -> Dense(3, softmax)",
         custom_objects={"ScaleShift": ScaleShift})


# The README's table: folder -> (architecture, mask, notes), in the order the README lists them.
README_ROWS = {
    "mha-masked": ("Functional. Embedding(80, 16, mask_zero) -> MultiHeadAttention(2 heads, key_dim 8)(x, x) -> x + a "
                   "(op) -> LayerNormalization(1e-5) -> Dense(24, gelu) -> Dense(16) -> Add layer -> "
                   "LayerNormalization(center=False) -> GlobalAveragePooling1D -> Dense(3, softmax)",
                   "mask_zero, post-padded rows. The attention is masked (padded keys and padded query rows 0 in the "
                   "weights); the op x + a drops the mask, so the pooling averages every position",
                   "the same class name Add twice: the op node (module keras.src.ops.numpy) and the layer "
                   "(keras.layers); all four file formats"),
    "mha-cross": ("Functional. Embedding (no mask) -> Dense tanh (q), Dense (k); cross1 = MHA(3 heads, key_dim 4, "
                  "value_dim 6, output_shape 10, use_bias=False)(q, x * cast(ids != 0)[:, :, None]); cross2 = "
                  "MHA(2 heads, key_dim 5)(q, x, k, attention_mask=logical_and(expand_dims(ids != 0, 1), "
                  "(ids != 0)[:, :, None])); Concatenate -> Multiply layer with Dense(x) -> Activation(swish) -> "
                  "minus Dense(x) (op) -> [:, 0] (op) -> Dense(2, softmax)",
                  "no Keras mask; an explicit boolean attention_mask [B, 12, 12] built by ops. Rows 1 and 3 are "
                  "pre-padded: their position 0 is a fully masked query row of cross2 (weights all 0, output the "
                  "uniform average over all keys)",
                  "config lists the ops NotEqual and Cast before the Embedding (config order is Keras's, not call "
                  "order); cross1 has no biases (4 kernels); cross2 is called with key and the attention_mask kwarg; "
                  "GetItem with None and with an int index, ExpandDims axis 1, LogicalAnd, op Multiply and Subtract "
                  "beside the Multiply layer"),
    "hub-encoder-post": ("Functional. keras_hub TokenAndPositionEmbedding(80, 12, 16, mask_zero) -> 2 x keras_hub "
                         "TransformerEncoder(32, 2 heads) (post-LN, relu) -> GlobalAveragePooling1D -> Dropout(0.1) "
                         "-> Dense(1, sigmoid)",
                         "mask_zero, post-padded: both encoders and the pooling are masked",
                         "all four file formats; TransformerEncoder's weights in the .h5 in the order query, key, value, "
                         "attention_output, self_attention_layer_norm, feedforward_layer_norm, "
                         "feedforward_intermediate_dense, feedforward_output_dense"),
    "hub-encoder-prenorm": ("Functional. Embedding -> keras_hub PositionEmbedding(12) added with + (op) -> keras_hub "
                            "TransformerEncoder(24, 4 heads, normalize_first, gelu, eps 1e-6) -> h[:, 0, :] (op) -> "
                            "Dense(2, softmax)", "none",
                            "GetItem with [slice(None), 0, slice(None)]; pre-LN encoder (normalize_first=True)"),
    "hub-sine-tied": ("Functional. keras_hub TokenAndPositionEmbedding(mask_zero, tie_weights=True) + keras_hub "
                      "SinePositionEncoding (op +) -> keras_hub TransformerEncoder(24, 2 heads, activation "
                      "keras_hub>gelu_approximate, dropout 0.1) -> GlobalMaxPooling1D -> Dense(3, softmax)",
                      "mask_zero, but the op + drops it: encoder and pooling unmasked ('mask' is the embedding's)",
                      "tie_weights=True: the token embedding has only 'embeddings'; the activation is saved as "
                      "{module: builtins, class_name: function, config: keras_hub>gelu_approximate, registered_name: "
                      "function} (tanh-approximate gelu)"),
    "conv1d-encoder": ("Functional. Embedding (no mask) -> 2 x keras.io timeseries encoder [LayerNormalization(1e-6) -> "
                       "MHA(2 heads, key_dim 8, dropout 0.1) -> Dropout -> + res (op) -> LayerNormalization -> "
                       "Conv1D(24, 1, relu) -> Dropout -> Conv1D(16, 1) -> + res (op)] -> "
                       "GlobalAveragePooling1D(channels_first) -> Dense(16, relu) -> Dropout -> Dense(2, softmax)",
                       "none", "all four file formats; MHA with dropout 0.1 (the scores path at inference); "
                       "GlobalAveragePooling1D(channels_first) averages over the 16 features, giving [B, 12]; needs "
                       "the torch backend here (Conv1D)"),
    "conv-variety": ("Sequential, float32 Input(shape=(12,)). Embedding -> Conv1D(12, 3, causal, dilation 2, swish) -> "
                     "SpatialDropout1D -> Conv1D(12, 3, same, tanh) -> Conv1D(8, 2, valid) -> GaussianNoise -> "
                     "GaussianDropout -> GlobalMaxPooling1D -> ActivityRegularization -> Dense(4, softmax)",
                     "none (no attention)", "no attention layer: only embedding, hidden and probs; "
                     "Conv1D valid gives length 11; the Input is float32 (Embedding casts the ids)"),
    "hub-sequential": ("Sequential. keras_hub TokenAndPositionEmbedding(mask_zero, tie_weights=False) -> keras_hub "
                       "TransformerEncoder(24, 2 heads) -> GlobalAveragePooling1D -> Dense(2, softmax)",
                       "mask_zero, post-padded: encoder and pooling masked",
                       "tie_weights=False: the token embedding also holds reverse_embeddings (16, 80), unused by the "
                       "forward pass; Sequential: no InputLayer in the .h5 layer_names and weight names prefixed "
                       "'hub_sequential/'"),
    "varlen": ("Functional, Input(shape=(None,)). Embedding(mask_zero) + keras_hub SinePositionEncoding (op +) -> "
               "MHA(2 heads, key_dim 8)(h, h) -> GlobalAveragePooling1D -> Dense(2, softmax); references at 12 and 7 "
               "tokens", "mask_zero, but the op + drops it: attention and pooling unmasked ('mask' is the embedding's)",
               "InputLayer batch_shape [null, null]; SinePositionEncoding has no weights"),
    "custom-layer": ("Functional. Embedding (no mask) -> demo>ScaleShift (x * scale + shift) -> MHA(2 heads, key_dim 8) "
                     "-> then as mha-masked", "none",
                     "ScaleShift's config has module null and registered_name demo>ScaleShift (class_name "
                     "demo>ScaleShift in the .h5); weights scale then shift; a Java test registers its own mapper, "
                     "so GeneralParityTest skips this folder"),
    "hub-reversible": ("Functional. keras_hub ReversibleEmbedding(80, 16, tie_weights=False, mask_zero) -> MHA(2 heads, "
                       "key_dim 8) -> GlobalAveragePooling1D -> Dense(2, softmax)",
                       "mask_zero, post-padded: attention and pooling masked",
                       "the worked example of docs/architecture.md; weights embeddings (80, 16), reverse_embeddings "
                       "(16, 80)"),
}

README_HEAD = """# testdata/general

Small Keras text models built other ways than the keras.io example, written by the real **Keras 3.15.1** and
**KerasHub 0.31.1** (`../shared/keras-env`, torch backend) with `make_general.py`, which also wrote this file. Weights
are Keras's initialisers with fixed seeds (untrained; embeddings and query/key kernels scaled up so attention is
peaked). **Every reference array was computed by Keras and never edited**; every saved file was loaded back by Keras
and gave the reference probabilities within 1e-6 (see "Reload checks" below for model.h5 with op nodes).

Regenerate everything (from the project root; a few seconds):

    KERAS_SRC=/work/src-keras KERAS_HUB_SRC=/work/src-kerashub KERAS_BACKEND=torch \\
        /usr/bin/python3 ../shared/keras-env/launch.py testdata/general/make_general.py

Each model can be written alone (`... make_general.py custom_layer`): each starts a fresh Keras session with its own
seed, so its files are the same either way. How the references were recorded is in `make_general.py`'s docstring.

## Per folder

- `reference.npz`: `x` int32 [B, L] token ids (0 = padding; row 0 has none), `probs` = model(x) [B, classes],
  `embedding_output` (the token embedding layer's output; for KerasHub TokenAndPositionEmbedding the sum of token and
  position embeddings), `block{i}_attention_weights` [B, H, Lq, Lk] and `block{i}_attention_output` [B, Lq, E_out] for
  every MultiHeadAttention in call order (also inside TransformerEncoder), `hidden/<layer name>` for a few layers, and
  `mask` int32 [B, L] (the embedding's Keras mask) where the embedding has mask_zero. `varlen` also has
  `reference_len7.npz` (L = 7).
- `reference.json`: versions, backend, `notes`, `classes` (every layer and op node of the saved config, in config
  order, with `module` and `registered_name`), `all_class_names` (every class_name anywhere in the config),
  `arrays` / `references` (shapes and dtypes), `keras_reload_problems`.
- `model.keras`, `model.h5` (Keras 3's legacy HDF5, `model.save("model.h5")`); three folders also `model.weights.h5` +
  `config.json` (`model.save_weights`, `model.to_json()`) and `legacy-weights.h5` (the tf.keras 2 weights-only layout,
  root `layer_names`, per-layer `weight_names`, no `model_config`, written by Keras's
  `legacy_h5_format.save_weights_to_hdf5_group`).

| folder | architecture | class_name in config (op nodes with their module) | mask? | files | notes |
|---|---|---|---|---|---|
"""

README_TAIL = """
## Reload checks, and what surprised

- **Keras 3.15.1 cannot load back its own `model.h5` when the model has op nodes** (`x + y`, `x - y`, `x[:, 0]`,
  `keras.ops.*`): its legacy writer stores an op node as `{"class_name": "Add", "config": {"name": "add"}, "name": ...,
  "inbound_nodes": [...]}`, without `module` or `registered_name`, and `load_model` then takes `Add` for the layer
  `keras.layers.Add` ("too many positional arguments") or does not know `NotEqual` / `GetItem`. For those files
  `make_general.py` checks instead that the .h5's `model_config` equals `model.to_json()` but for what the legacy writer
  leaves out (each layer's `module`, `registered_name`, `build_config`, the dtype policies' `shared_object_id`), and
  that `model.load_weights("model.h5")` into a model built from `model.to_json()` gives the reference probabilities.
  In a legacy .h5 an op node is told from a layer of the same class name by its config, which has `name` and the op's
  own arguments (`Cast`: `dtype` as a string, `ExpandDims`: `axis`) but no `trainable` and no dtype policy, and by its
  node arguments (the `Add` layer takes one list of tensors, the `Add` op two tensors).
- In `model.h5`'s `model_config`, a registered class's `class_name` is its registered name
  (`keras_hub>TransformerEncoder`, `demo>ScaleShift`), with no `module`; in `model.keras` / `config.json` it is
  `TransformerEncoder` with `module` and `registered_name`.
- Op nodes drop Keras masks: after `e + positions` the mask of `Embedding(mask_zero=True)` is gone (hub-sine-tied,
  varlen, and after `x + a` in mha-masked). KerasHub's TokenAndPositionEmbedding adds its positions inside the layer and
  keeps the mask.
- Masked attention as Keras returns it: padded keys get weight 0 and a fully masked query row is all 0, while the
  layer's output for such a row is the uniform average over all keys (the inference path uses a large negative number,
  not -inf).
- Node kwargs Keras records: `Dropout` nodes carry `{"training": false}`, `GlobalAveragePooling1D` nodes
  `{"mask": null}` even where the pooling is masked at run time (the mask travels with the tensor, not in the config).
- Weight files: `model.weights.h5` names groups by class and counter in `model.layers` order
  (`layers/transformer_encoder_1/_self_attention_layer/query_dense/vars/0`), with the layer's name only in the group's
  `name` attribute and private attributes' leading underscore kept; `model.h5` / `legacy-weights.h5` name them by layer
  name (`encoder2/encoder2/self_attention_layer/query/kernel`), and in a Sequential model the weight names start with the
  model's name (`hub_sequential/encoder/...`). Op nodes have no entry in `layer_names`.
"""


def write_readme(out):
    rows = []
    for folder, (arch, mask, notes) in README_ROWS.items():
        path = os.path.join(out, folder, "reference.json")
        if not os.path.exists(path):
            continue
        info = json.load(open(path))
        names, seen = [], set()
        for c in info["classes"]:
            key = (c["class_name"], c["module"], c["registered_name"])
            if key in seen:
                continue
            seen.add(key)
            if (c["module"] or "").startswith("keras.src.ops"):
                names.append(f"`{c['class_name']}` (op, `{c['module']}`)")
            elif c["registered_name"] and c["registered_name"] != c["class_name"]:
                names.append(f"`{c['class_name']}` (`{c['registered_name']}`)")
            else:
                names.append(f"`{c['class_name']}`")
        top = {c["class_name"] for c in info["classes"]}
        nested = [c for c in info["all_class_names"] if c["class_name"] not in top and c["class_name"] not in
                  ("DTypePolicy", "Functional", "Sequential") and c["module"] != "keras.initializers"]
        if nested:
            names.append("nested: " + ", ".join(f"`{c['class_name']}` (module `{c['module']}`, registered "
                                                f"`{c['registered_name']}`)" for c in nested))
        files = ", ".join(f"{f} ({os.path.getsize(os.path.join(out, folder, f)) // 1024} KB)"
                          for f in sorted(os.listdir(os.path.join(out, folder))))
        if info["keras_reload_problems"]:
            notes += "; Keras cannot load back model.h5 (op nodes saved without module): checked by config and weights"
        rows.append(f"| `{folder}` | {arch} | {', '.join(names)} | {mask} | {files} | {notes} |")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(README_HEAD + "\n".join(rows) + "\n" + README_TAIL)


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--out" in args:
        i = args.index("--out")
        OUT = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    makers = (mha_masked, mha_cross, hub_encoder_post, hub_encoder_prenorm, hub_sine_tied, conv1d_encoder, conv_variety,
              hub_sequential, varlen, custom_layer, hub_reversible)
    unknown = set(args) - {m.__name__ for m in makers}
    if unknown:
        sys.exit(f"make_general.py: no model function {sorted(unknown)}; choose from {[m.__name__ for m in makers]}")
    for make in makers:
        if not args or make.__name__ in args:
            make()
    write_readme(OUT)

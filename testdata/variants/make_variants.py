#!/usr/bin/env python3
"""Writes small Keras 3 models of shapes the other fixtures lack, each with a reference computed by Keras.

    KERAS_SRC=... KERAS_BACKEND=numpy python3 ../shared/keras-env/launch.py testdata/variants/make_variants.py

Weights are Keras's own initialisers with a fixed seed (untrained: parity does not need training);
every reference array comes from Keras calling the model's own layers, never from this project.
Layout of reference.npz as in ../fixtures (x, lengths, probs, embedding_output, block{i}_*).

  sequential-sigmoid   Sequential model, 4 heads, Dense(1, sigmoid) output
  keydim-stack         Functional, 3 stacked blocks: built-in attention with key_dim 8 / value_dim 12 / 3 heads,
                       the 2020 attention with 2 heads, built-in with key_dim 5 / 1 head; gelu and tanh head
                       layers; Dense(3, softmax)
  builtin-layers       no custom classes: Embedding -> MultiHeadAttention(x, x) -> Add -> LayerNormalization
                       -> GlobalAveragePooling1D -> Dense(4, softmax)
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python-export"))

import keras  # noqa: E402
from keras import layers  # noqa: E402

import keras_io_layers as kio  # noqa: E402


class TransformerBlock(kio.TransformerBlock):
    """The keras.io block with the built-in attention's key_dim/value_dim/heads chosen freely.

    Sublayers are created in the keras.io order (attention first), which is the weight order in the file.
    """

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, attention="builtin", key_dim=None, value_dim=None, **kwargs):
        layers.Layer.__init__(self, **kwargs)
        self.embed_dim, self.num_heads, self.ff_dim, self.rate = embed_dim, num_heads, ff_dim, rate
        self.attention_kind = attention
        self.key_dim, self.value_dim = key_dim, value_dim
        if attention == "builtin":
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim or embed_dim, value_dim=value_dim)
        else:
            self.att = kio.MultiHeadSelfAttention(embed_dim, num_heads)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def get_config(self):
        config = super().get_config()
        config.update({"key_dim": self.key_dim, "value_dim": self.value_dim})
        return config


VOCAB, MAXLEN, EMBED = 120, 16, 16


def tokens(batch, seed):
    rng = np.random.default_rng(seed)
    x = np.zeros((batch, MAXLEN), dtype="int32")
    lengths = rng.integers(3, MAXLEN + 1, size=batch)
    lengths[0] = MAXLEN
    for i, n in enumerate(lengths):
        x[i, MAXLEN - n:] = rng.integers(1, VOCAB, size=n)
    return x, lengths.astype("int32")


def block_arrays(block, inp, i):
    if block.attention_kind == "builtin":
        att_out, weights = block.att(inp, inp, return_attention_scores=True)
    else:
        att_out, weights = block.att.call_with_weights(inp)
    out = block(inp)
    return {f"block{i}_input": inp, f"block{i}_attention_weights": weights,
            f"block{i}_attention_output": att_out, f"block{i}_output": out}, out


def save(name, model, arrays):
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    model.save(os.path.join(folder, "model.h5"))
    arrays = {k: np.asarray(keras.ops.convert_to_numpy(v)) for k, v in arrays.items()}
    arrays = {k: (v.astype("float32") if v.dtype.kind == "f" else v) for k, v in arrays.items()}
    np.savez(os.path.join(folder, "reference.npz"), **arrays)
    info = {"keras_version": keras.__version__, "backend": keras.backend.backend(),
            "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in arrays.items()}}
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(name, {k: v.shape for k, v in arrays.items()})


def sequential_sigmoid():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input(shape=(MAXLEN,)),
        kio.TokenAndPositionEmbedding(MAXLEN, VOCAB, EMBED),
        TransformerBlock(EMBED, 4, 24),
        layers.GlobalAveragePooling1D(),
        layers.Dense(1, activation="sigmoid"),
    ])
    x, lengths = tokens(6, 11)
    emb = model.layers[0](x)
    arrays, _ = block_arrays(model.layers[1], emb, 0)
    arrays.update(x=x, lengths=lengths, probs=model(x), embedding_output=emb)
    save("sequential-sigmoid", model, arrays)


def keydim_stack():
    keras.utils.set_random_seed(2)
    inputs = keras.Input(shape=(MAXLEN,))
    emb_layer = kio.TokenAndPositionEmbedding(MAXLEN, VOCAB, EMBED)
    blocks = [TransformerBlock(EMBED, 3, 20, key_dim=8, value_dim=12),
              TransformerBlock(EMBED, 2, 12, attention="2020"),
              TransformerBlock(EMBED, 1, 8, key_dim=5)]
    h = emb_layer(inputs)
    for b in blocks:
        h = b(h)
    h = layers.GlobalAveragePooling1D()(h)
    h = layers.Dense(10, activation="gelu")(h)
    h = layers.Dense(6, activation="tanh")(h)
    outputs = layers.Dense(3, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    x, lengths = tokens(5, 12)
    emb = emb_layer(x)
    arrays, h = {}, emb
    for i, b in enumerate(blocks):
        a, h = block_arrays(b, h, i)
        arrays.update(a)
    arrays.update(x=x, lengths=lengths, probs=model(x), embedding_output=emb)
    save("keydim-stack", model, arrays)


def builtin_layers():
    keras.utils.set_random_seed(3)
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    emb_layer = layers.Embedding(VOCAB, EMBED)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=6)
    e = emb_layer(inputs)
    a = mha(e, e)
    h = layers.LayerNormalization(epsilon=1e-5)(layers.Add()([e, a]))
    h = layers.GlobalAveragePooling1D()(h)
    outputs = layers.Dense(4, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    x, lengths = tokens(4, 13)
    emb = emb_layer(x)
    att_out, weights = mha(emb, emb, return_attention_scores=True)
    save("builtin-layers", model, {"x": x, "lengths": lengths, "probs": model(x), "embedding_output": emb,
                                   "block0_attention_weights": weights, "block0_attention_output": att_out})


if __name__ == "__main__":
    sequential_sigmoid()
    keydim_stack()
    builtin_layers()

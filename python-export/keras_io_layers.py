"""The custom layers of the keras.io example "Text classification with Transformer".

Runs unchanged on
  * Keras 3 (``pip install keras``; any backend: tensorflow, torch, jax, numpy) -- uses ``keras.ops``;
  * tf.keras 2.x (``pip install "tensorflow>=2.13,<2.16"``, where ``import keras`` is Keras 2) -- uses ``tf``.

Attribute names, sublayer creation order and therefore the weight order of a saved model are those of
the keras.io example, so files written with these classes have the layout the Java importer expects:

  TokenAndPositionEmbedding: self.token_emb (Embedding(vocab_size, E)), self.pos_emb (Embedding(maxlen, E))
  TransformerBlock:          self.att, self.ffn (Sequential[Dense(ff_dim, relu), Dense(E)]),
                             self.layernorm1, self.layernorm2 (epsilon 1e-6), self.dropout1, self.dropout2
  attention="builtin":       self.att = keras.layers.MultiHeadAttention(num_heads=H, key_dim=E)
                             (the TF 2.4+ and Keras 3 versions of the page; head size E, scale 1/sqrt(E))
  attention="2020":          self.att = MultiHeadSelfAttention(E, H) (the original 2020 version of the page:
                             Dense(E) query_dense, key_dense, value_dense, combine_heads; head size E/H)

The classes are deliberately NOT registered (as on keras.io), so a saved config says
``"class_name": "TransformerBlock"``; load with ``custom_objects=custom_objects()``.
"""

try:
    import keras
except ImportError:  # very old setups that only have tf.keras
    from tensorflow import keras  # type: ignore

from keras import layers

KERAS_VERSION = getattr(keras, "__version__", "unknown")
IS_KERAS3 = hasattr(keras, "ops") and not KERAS_VERSION.startswith("2.")

if IS_KERAS3:
    from keras import ops

    def _shape(x, axis):
        return ops.shape(x)[axis]

    def _arange(n):
        return ops.arange(start=0, stop=n, step=1)

    def _matmul_transpose_b(a, b):
        return ops.matmul(a, ops.swapaxes(b, -1, -2))

    def _matmul(a, b):
        return ops.matmul(a, b)

    def _sqrt_of_last_dim(x):
        return ops.sqrt(ops.cast(ops.shape(x)[-1], "float32"))

    def _softmax(x):
        return ops.softmax(x, axis=-1)

    def _split_heads(x, num_heads, head_size):
        # (B, L, H*P) -> (B, H, L, P). The batch dimension is left to -1 because it is unknown
        # while Keras 3 builds a functional model symbolically.
        length = ops.shape(x)[1]
        x = ops.reshape(x, (-1, length, num_heads, head_size))
        return ops.transpose(x, (0, 2, 1, 3))

    def _merge_heads(x, embed_dim):
        # (B, H, L, P) -> (B, L, H*P)
        x = ops.transpose(x, (0, 2, 1, 3))
        return ops.reshape(x, (-1, ops.shape(x)[1], embed_dim))

else:  # tf.keras 2.x: exactly the TensorFlow code of the keras.io page
    import tensorflow as tf

    def _shape(x, axis):
        return tf.shape(x)[axis]

    def _arange(n):
        return tf.range(start=0, limit=n, delta=1)

    def _matmul_transpose_b(a, b):
        return tf.matmul(a, b, transpose_b=True)

    def _matmul(a, b):
        return tf.matmul(a, b)

    def _sqrt_of_last_dim(x):
        return tf.math.sqrt(tf.cast(tf.shape(x)[-1], tf.float32))

    def _softmax(x):
        return tf.nn.softmax(x, axis=-1)

    def _split_heads(x, num_heads, head_size):
        x = tf.reshape(x, (tf.shape(x)[0], -1, num_heads, head_size))
        return tf.transpose(x, perm=[0, 2, 1, 3])

    def _merge_heads(x, embed_dim):
        x = tf.transpose(x, perm=[0, 2, 1, 3])
        return tf.reshape(x, (tf.shape(x)[0], -1, embed_dim))


ATTENTION_KINDS = ("builtin", "2020")


def _check_attention(attention):
    if attention not in ATTENTION_KINDS:
        raise ValueError(
            f"attention must be one of {ATTENTION_KINDS}, got {attention!r}")
    return attention


class MultiHeadSelfAttention(layers.Layer):
    """The hand-written self-attention of the 2020 keras.io example (head size embed_dim // num_heads)."""

    def __init__(self, embed_dim, num_heads=8, **kwargs):
        super().__init__(**kwargs)
        if embed_dim % num_heads != 0:
            raise ValueError(
                f"embedding dimension = {embed_dim} should be divisible by number of heads = {num_heads}")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.projection_dim = embed_dim // num_heads
        # Creation order = weight order in saved files: query, key, value, combine_heads.
        self.query_dense = layers.Dense(embed_dim)
        self.key_dense = layers.Dense(embed_dim)
        self.value_dense = layers.Dense(embed_dim)
        self.combine_heads = layers.Dense(embed_dim)

    def attention(self, query, key, value):
        """softmax(q . k^T / sqrt(head_size)) . v on (B, H, L, P) tensors; returns (output, weights)."""
        score = _matmul_transpose_b(query, key)
        scaled_score = score / _sqrt_of_last_dim(key)
        weights = _softmax(scaled_score)
        output = _matmul(weights, value)
        return output, weights

    def separate_heads(self, x):
        return _split_heads(x, self.num_heads, self.projection_dim)

    def call_with_weights(self, inputs):
        """Like ``call`` but returns ``(output, weights)``; weights are (B, H, L, L)."""
        query = self.separate_heads(self.query_dense(inputs))
        key = self.separate_heads(self.key_dense(inputs))
        value = self.separate_heads(self.value_dense(inputs))
        attention, weights = self.attention(query, key, value)
        concat_attention = _merge_heads(attention, self.embed_dim)
        return self.combine_heads(concat_attention), weights

    def call(self, inputs):
        output, _ = self.call_with_weights(inputs)
        return output

    def get_config(self):
        config = super().get_config()
        config.update({"embed_dim": self.embed_dim, "num_heads": self.num_heads})
        return config


class TransformerBlock(layers.Layer):
    """Post-norm Transformer encoder block of the keras.io example.

    ``attention`` chooses the attention sublayer ("builtin" = keras.layers.MultiHeadAttention with
    key_dim=embed_dim, "2020" = MultiHeadSelfAttention). It is written to the config, but a config
    without it (every file saved by the keras.io classes) loads too: the kind then comes from
    ``custom_objects(attention=...)`` (default "builtin").
    """

    # Used by from_config when a saved config has no "attention" key; see custom_objects().
    default_attention = "builtin"
    attention_by_layer_name = None

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, attention="builtin", **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.ff_dim = ff_dim
        self.rate = rate
        self.attention_kind = _check_attention(attention)
        if attention == "builtin":
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        else:
            self.att = MultiHeadSelfAttention(embed_dim, num_heads)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def attend(self, inputs):
        """Runs only the attention sublayer; returns (attention_output, weights (B, H, L, L))."""
        if self.attention_kind == "builtin":
            return self.att(inputs, inputs, return_attention_scores=True)
        return self.att.call_with_weights(inputs)

    def call(self, inputs, training=None):
        if self.attention_kind == "builtin":
            attn_output = self.att(inputs, inputs)
        else:
            attn_output = self.att(inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)

    def get_config(self):
        config = super().get_config()
        config.update({
            "embed_dim": self.embed_dim,
            "num_heads": self.num_heads,
            "ff_dim": self.ff_dim,
            "rate": self.rate,
            "attention": self.attention_kind,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("attention") is None:
            by_name = cls.attention_by_layer_name or {}
            config["attention"] = by_name.get(config.get("name"), cls.default_attention)
        return super().from_config(config)


class TokenAndPositionEmbedding(layers.Layer):
    """token_emb[x] + pos_emb[0..L-1] (keras.io)."""

    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.maxlen = maxlen
        self.vocab_size = vocab_size
        self.embed_dim = embed_dim
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = _shape(x, -1)
        positions = _arange(maxlen)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions

    def get_config(self):
        config = super().get_config()
        config.update({
            "maxlen": self.maxlen,
            "vocab_size": self.vocab_size,
            "embed_dim": self.embed_dim,
        })
        return config


def custom_objects(attention=None):
    """The ``custom_objects`` dict for ``keras.models.load_model``.

    ``attention`` is used for TransformerBlock configs that do not say which attention they hold
    (files written by the keras.io classes): None or "builtin" (default), "2020", or a dict
    ``{layer name: kind}``. Configs that carry ``"attention"`` always win.
    """
    block = TransformerBlock
    if attention is not None and attention != "builtin":
        attrs = {"__module__": TransformerBlock.__module__,
                 "__qualname__": "TransformerBlock",
                 "__doc__": TransformerBlock.__doc__}
        if isinstance(attention, dict):
            for kind in attention.values():
                _check_attention(kind)
            attrs["attention_by_layer_name"] = dict(attention)
        else:
            attrs["default_attention"] = _check_attention(attention)
        # Same class name, so a model loaded this way and saved again still says "TransformerBlock".
        block = type("TransformerBlock", (TransformerBlock,), attrs)
    return {
        "TokenAndPositionEmbedding": TokenAndPositionEmbedding,
        "TransformerBlock": block,
        "MultiHeadSelfAttention": MultiHeadSelfAttention,
    }


def build_model(maxlen, vocab_size, embed_dim=32, num_heads=2, ff_dim=32, attention="builtin",
                rate=0.1):
    """The keras.io classifier: Input(maxlen) -> embedding -> block -> pool -> 20 relu -> 2 softmax."""
    inputs = layers.Input(shape=(maxlen,))
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, num_heads, ff_dim, rate=rate, attention=attention)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)

#!/usr/bin/env python3
"""Compute Keras's own intermediate outputs of a saved keras.io Transformer classifier, for parity tests.

    python export_reference.py MODEL --tokens X.npy --out reference.npz [--attention auto|builtin|2020]
                               [--limit N] [--batch-size 32]

MODEL is a file saved with model.save("….h5") or model.save("….keras") from the classes in
keras_io_layers.py (or the keras.io originals; same layout). X.npy holds int token ids [B, L] already
padded to the model's input length (e.g. reviews.npy from export_reviews.py; --limit N takes its first
N rows). Writes reference.npz in the layout of the project's shared fixtures (float arrays float32):

  x                           int32 [B, L]     the tokens
  lengths                     int32 [B]        non-zero tokens per row
  probs                       [B, classes]     model output
  embedding_output            [B, L, E]        TokenAndPositionEmbedding output
  block{i}_input              [B, L, E]        input of the i-th TransformerBlock
  block{i}_attention_weights  [B, H, L, L]     MultiHeadAttention(h, h, return_attention_scores=True)
                                               (2020 attention: MultiHeadSelfAttention.attention());
                                               rows = query position, columns = key position
  block{i}_attention_output   [B, L, E]        attention output after the output projection
  block{i}_output             [B, L, E]        block output

and reference.json beside it (shapes, Keras version, backend, attention kind per block).

--attention: a saved TransformerBlock config from the keras.io classes does not say which attention it
holds; "auto" (default) reads it off the weights in the file (query kernel (E, H, key_dim) = builtin,
(E, E) = 2020).
"""

import argparse
import io
import json
import os
import sys
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from export_reviews import atomic_write, save_json  # noqa: E402  (numpy only)

BLOCK_CLASS = "TransformerBlock"


# --------------------------------------------------------------------------------------------------
# attention detection from the file (h5py only; no Keras needed)

def _str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _is_block(class_name):
    # "TransformerBlock", or "package>TransformerBlock" when the class was registered
    return class_name == BLOCK_CLASS or class_name.endswith(">" + BLOCK_CLASS)


def _block_layers(model_config):
    """[(layer name, class_name, config)] of the TransformerBlocks in a functional/sequential config."""
    cfg = model_config.get("config", {})
    layers = cfg.get("layers", []) if isinstance(cfg, dict) else []
    out = []
    for layer in layers:
        class_name = layer.get("class_name", "")
        registered = layer.get("registered_name") or class_name  # .keras: "package>Class"
        if _is_block(class_name) or _is_block(registered):
            lcfg = layer.get("config", {}) or {}
            out.append((layer.get("name") or lcfg.get("name"), registered, lcfg))
    return out


def _kind_from_kernel_rank(rank, where):
    if rank == 3:
        return "builtin"
    if rank == 2:
        return "2020"
    raise ValueError(f"{where}: attention query kernel has rank {rank}, expected 3 (builtin) or 2 (2020)")


def _read_model_config_h5(f):
    raw = f.attrs.get("model_config")
    if raw is None:
        raise ValueError("no model_config attribute: a weights-only file cannot be loaded as a model")
    return json.loads(_str(raw))


def detect_attention_h5(path):
    """{block layer name: "builtin"|"2020"} for a legacy .h5 model file, plus the class names seen."""
    import h5py
    kinds, class_names = {}, set()
    with h5py.File(path, "r") as f:
        config = _read_model_config_h5(f)
        weights = f["model_weights"] if "model_weights" in f else f
        for name, class_name, lcfg in _block_layers(config):
            class_names.add(class_name)
            if lcfg.get("attention") in ("builtin", "2020"):
                kinds[name] = lcfg["attention"]
                continue
            if name not in weights:
                raise ValueError(f"{path}: no weights group for layer {name!r}")
            group = weights[name]
            names = [_str(n) for n in group.attrs.get("weight_names", [])]
            if not names:
                raise ValueError(f"{path}: layer {name!r} has no weights")
            first = group[names[0]]  # creation order: the attention's query kernel comes first
            kinds[name] = _kind_from_kernel_rank(len(first.shape), f"{path}:{name}/{names[0]}")
    return kinds, class_names


def detect_attention_keras(path):
    """Same for a Keras 3 .keras zip (config.json + model.weights.h5)."""
    import h5py
    kinds, class_names = {}, set()
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
        weights_bytes = z.read("model.weights.h5")
    blocks = _block_layers(config)
    for name, class_name, lcfg in blocks:
        class_names.add(class_name)
        if lcfg.get("attention") in ("builtin", "2020"):
            kinds[name] = lcfg["attention"]
    with h5py.File(io.BytesIO(weights_bytes), "r") as f:
        found = {}

        def visit(group_path, obj):
            if isinstance(obj, h5py.Group) and "att" in obj and "vars" in obj:
                layer_name = _str(obj["vars"].attrs.get("name", group_path.split("/")[-1]))
                query = obj["att"].get("query_dense/vars/0")
                if query is not None:
                    found[layer_name] = _kind_from_kernel_rank(len(query.shape), f"{path}:{group_path}")
        f.visititems(visit)
    for name, _, _ in blocks:
        if name not in kinds:
            if name not in found:
                raise ValueError(f"{path}: no attention weights found for layer {name!r}")
            kinds[name] = found[name]
    return kinds, class_names


def detect_attention(path):
    if zipfile.is_zipfile(path):
        return detect_attention_keras(path)
    return detect_attention_h5(path)


# --------------------------------------------------------------------------------------------------
# loading and computing (Keras imported here)

def load_model(path, attention="auto"):
    """(model, {block name: kind}) loaded with the keras_io_layers classes, compile=False."""
    import keras
    import keras_io_layers as kl

    class_names = set()
    if attention == "auto":
        kinds, class_names = detect_attention(path)
        distinct = set(kinds.values())
        spec = distinct.pop() if len(distinct) == 1 else (kinds or None)
    else:
        kinds, spec = None, attention
        try:
            _, class_names = detect_attention(path)
        except Exception:
            pass
    objects = kl.custom_objects(spec)
    for class_name in class_names:  # registered names such as "keras_io>TransformerBlock"
        if ">" in class_name:
            package = class_name.rsplit(">", 1)[0] + ">"
            for name in (BLOCK_CLASS, "TokenAndPositionEmbedding", "MultiHeadSelfAttention"):
                objects[package + name] = objects[name]
    try:
        model = keras.models.load_model(path, custom_objects=objects, compile=False)
    except Exception as e:
        if attention != "auto":
            raise RuntimeError(f"could not load {path} with --attention {attention} ({e}); "
                               "try --attention auto") from e
        raise
    blocks = [l for l in model.layers if isinstance(l, kl.TransformerBlock)]
    return model, {b.name: b.attention_kind for b in blocks}


def _to_numpy(t):
    import keras_io_layers as kl
    if kl.IS_KERAS3:
        import keras
        return np.asarray(keras.ops.convert_to_numpy(t))
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def compute_reference(model, tokens, batch_size=32):
    """dict of arrays (see module doc) computed by Keras from ``model`` on ``tokens`` [B, L]."""
    import keras
    import keras_io_layers as kl

    embeddings = [l for l in model.layers if isinstance(l, kl.TokenAndPositionEmbedding)]
    blocks = [l for l in model.layers if isinstance(l, kl.TransformerBlock)]
    if not embeddings:
        raise ValueError("the model has no TokenAndPositionEmbedding layer")
    if not blocks:
        raise ValueError("the model has no TransformerBlock layer")
    emb = embeddings[0]

    tokens = np.asarray(tokens)
    if tokens.ndim == 1:
        tokens = tokens[None, :]
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"tokens must be integer ids [B, L], got {tokens.dtype} {tokens.shape}")
    input_shape = tuple(model.inputs[0].shape)
    if len(input_shape) != 2:
        raise ValueError(f"expected a model with input [batch, length], got {input_shape}")
    if input_shape[1] is not None and input_shape[1] != tokens.shape[1]:
        raise ValueError(f"the model takes {input_shape[1]} tokens per row, tokens have {tokens.shape[1]}")
    vocab_size = int(emb.token_emb.input_dim)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab_size):
        raise ValueError(f"token ids must be in [0, {vocab_size}), found [{tokens.min()}, {tokens.max()}]")
    x = tokens.astype(np.int32)

    outputs = [emb.output] + [b.input for b in blocks] + [b.output for b in blocks] + [model.outputs[0]]
    probe_inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    probe = keras.Model(inputs=probe_inputs, outputs=outputs)
    input_dtype = getattr(model.inputs[0], "dtype", "float32")
    input_dtype = getattr(input_dtype, "name", input_dtype)  # tf.DType -> "float32"

    n = len(blocks)
    parts = {}

    def add(name, value):
        parts.setdefault(name, []).append(np.asarray(value))

    for start in range(0, len(x), batch_size):
        chunk = x[start:start + batch_size].astype(input_dtype)
        res = [_to_numpy(t) for t in probe(chunk, training=False)]
        add("probs", res[-1])
        add("embedding_output", res[0])
        for i, block in enumerate(blocks):
            h = res[1 + i]
            att_out, att_w = block.attend(h)
            add(f"block{i}_input", h)
            add(f"block{i}_attention_weights", _to_numpy(att_w))
            add(f"block{i}_attention_output", _to_numpy(att_out))
            add(f"block{i}_output", res[1 + n + i])

    ref = {"x": x, "lengths": (x != 0).sum(axis=1).astype(np.int32)}
    order = ["probs", "embedding_output"]
    for i in range(n):
        order += [f"block{i}_input", f"block{i}_attention_weights", f"block{i}_attention_output",
                  f"block{i}_output"]
    for name in order:
        ref[name] = np.concatenate(parts[name], axis=0).astype(np.float32)
    return ref


def describe(ref, model_path, kinds, tokens_path):
    import keras
    import keras_io_layers as kl
    try:
        backend = keras.backend.backend()
    except Exception:
        backend = "unknown"
    info = {
        "model": os.path.basename(model_path),
        "tokens": os.path.basename(tokens_path) if tokens_path else None,
        "keras_version": kl.KERAS_VERSION,
        "backend": backend,
        "attention": kinds,
        "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in ref.items()},
        "predicted": ref["probs"].argmax(axis=-1).tolist(),
        "attention_stats": {},
    }
    i = 0
    while f"block{i}_attention_weights" in ref:
        w = ref[f"block{i}_attention_weights"].astype(np.float64)
        info["attention_stats"][f"block{i}"] = {
            "mean_row_max": float(w.max(axis=-1).mean()) if w.size else None,
            "uniform_row_max": 1.0 / w.shape[-1] if w.shape[-1] else None,
            "max_row_sum_error": float(np.abs(w.sum(axis=-1) - 1).max()) if w.size else None,
        }
        i += 1
    return info


def save_npz(path, arrays):
    atomic_write(path, lambda f: np.savez(f, **arrays))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="model.h5 or model.keras")
    p.add_argument("--tokens", required=True, help=".npy of int token ids [B, L] (e.g. reviews.npy)")
    p.add_argument("--out", required=True, help="reference.npz to write (reference.json goes beside it)")
    p.add_argument("--attention", choices=["auto", "builtin", "2020"], default="auto",
                   help="attention of TransformerBlock configs that do not say (default: from the weights)")
    p.add_argument("--limit", type=int, help="only the first N rows of --tokens")
    p.add_argument("--batch-size", type=int, default=32)
    args = p.parse_args(argv)

    tokens = np.load(args.tokens, allow_pickle=False)
    if args.limit is not None:
        tokens = tokens[:args.limit]
    model, kinds = load_model(args.model, args.attention)
    ref = compute_reference(model, tokens, args.batch_size)
    out = args.out if args.out.endswith(".npz") else args.out + ".npz"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    save_npz(out, ref)
    info = describe(ref, args.model, kinds, args.tokens)
    save_json(os.path.splitext(out)[0] + ".json", info)
    print(f"wrote {out}: {len(ref['x'])} rows, attention {kinds}, Keras {info['keras_version']} "
          f"({info['backend']}), predicted {info['predicted'][:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

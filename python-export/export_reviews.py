#!/usr/bin/env python3
"""Write IMDB reviews as plain arrays a Java program can read (no pickles).

    python export_reviews.py --out DIR [--data FILE.npz] [--maxlen 200] [--vocab-size 20000]
                             [--split test|train] [--limit N] [--word-index FILE.json]

Writes into DIR (each file atomically: a temporary file in DIR, then os.replace):

  reviews.npy   int32 [N, maxlen]  token ids padded/truncated like keras.utils.pad_sequences(x, maxlen)
                                   (padding="pre", truncating="pre", value 0: long reviews keep their LAST
                                   maxlen tokens); ids >= vocab_size folded to 2 (OOV)
  labels.npy    int32 [N]          1 = positive, 0 = negative
  lengths.npy   int32 [N]          tokens per review BEFORE truncation (real length = min(raw, maxlen))
  vocab.json    JSON list of vocab_size strings: vocab[id] is the word of token id
                (0..3 = "<pad>", "<start>", "<oov>", "<unused>"; word id = word index + 3)
  meta.json     {"format": "attention-probe-reviews/1", ...} (written last)

Data: ``--data FILE.npz`` in the layout of keras.datasets.imdb (arr_0/arr_1 train sequences/labels,
arr_2/arr_3 test; pickled object arrays), or, without --data, keras.datasets.imdb.load_data
(downloads once, needs Keras). The word index comes from ``--word-index FILE.json``, else from
imdb_word_index.json next to the --data file, else keras.datasets.imdb.get_word_index().

Needs only numpy; Keras is imported lazily and only when no --data / --word-index is given.
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np

FORMAT = "attention-probe-reviews/1"
CLASSES = ["negative", "positive"]
PAD_ID = 0
START_ID = 1
OOV_ID = 2
UNUSED_ID = 3
INDEX_FROM = 3
RESERVED_TOKENS = ["<pad>", "<start>", "<oov>", "<unused>"]
WORD_INDEX_FILE_NAME = "imdb_word_index.json"


# --------------------------------------------------------------------------------------------------
# preprocessing (the keras.datasets.imdb / keras.utils.pad_sequences conventions, in numpy)

def pad_sequences(sequences, maxlen, padding="pre", truncating="pre", value=0, dtype=np.int32):
    """Same result as ``keras.utils.pad_sequences(sequences, maxlen, dtype, padding, truncating, value)``
    for sequences of integers and an explicit ``maxlen >= 1``. Defaults are Keras's: "pre"/"pre"/0,
    so a review longer than maxlen keeps its last maxlen tokens and a shorter one is left-padded."""
    maxlen = int(maxlen)
    if maxlen < 1:
        raise ValueError(f"maxlen must be >= 1, got {maxlen}")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    out = np.full((len(sequences), maxlen), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        seq = np.asarray(seq)
        if seq.ndim != 1:
            raise ValueError(f"sequence {i} is not a flat list of ids (shape {seq.shape})")
        n = len(seq)
        if n == 0:
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        if padding == "pre":
            out[i, maxlen - len(kept):] = kept
        else:
            out[i, :len(kept)] = kept
    return out


def fold_oov(sequences, vocab_size, oov_id=OOV_ID):
    """Replace ids >= vocab_size by oov_id, as keras.datasets.imdb.load_data(num_words=vocab_size) does.
    Returns (list of int64 arrays, number of ids replaced)."""
    folded, count = [], 0
    for i, seq in enumerate(sequences):
        seq = np.asarray(seq, dtype=np.int64).reshape(-1)
        if seq.size and seq.min() < 0:
            raise ValueError(f"review {i} has a negative token id {int(seq.min())}")
        too_big = seq >= vocab_size
        n = int(too_big.sum())
        if n:
            seq = np.where(too_big, oov_id, seq)
            count += n
        folded.append(seq)
    return folded, count


def build_vocab(word_index, vocab_size, index_from=INDEX_FROM):
    """vocab[id] = word for ids 0..vocab_size-1, id = word_index[word] + index_from.
    Ids 0..3 are the reserved tokens; an id without a word gets "<id:N>"."""
    vocab_size = int(vocab_size)
    if vocab_size < len(RESERVED_TOKENS):
        raise ValueError(f"vocab_size must be >= {len(RESERVED_TOKENS)}, got {vocab_size}")
    vocab = [None] * vocab_size
    vocab[:len(RESERVED_TOKENS)] = RESERVED_TOKENS
    for word, index in word_index.items():
        token_id = int(index) + index_from
        if len(RESERVED_TOKENS) <= token_id < vocab_size:
            if vocab[token_id] is not None:
                raise ValueError(
                    f"word index maps {vocab[token_id]!r} and {word!r} to the same id {token_id}")
            vocab[token_id] = word
    return [w if w is not None else f"<id:{i}>" for i, w in enumerate(vocab)]


# --------------------------------------------------------------------------------------------------
# loading

def split_keys(split):
    if split == "train":
        return "arr_0", "arr_1"
    if split == "test":
        return "arr_2", "arr_3"
    raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def load_npz_split(path, split):
    """(sequences, labels) of one split of a keras.datasets.imdb-style .npz (arr_0..arr_3)."""
    xk, yk = split_keys(split)
    with np.load(path, allow_pickle=True) as data:
        missing = [k for k in (xk, yk) if k not in data.files]
        if missing:
            raise ValueError(f"{path}: no {missing} (has {data.files}); expected arr_0..arr_3 as written "
                             "by np.savez(x_train, y_train, x_test, y_test)")
        sequences = list(data[xk])
        labels = np.asarray(data[yk])
    if len(sequences) != len(labels):
        raise ValueError(f"{path}: {len(sequences)} sequences but {len(labels)} labels in the {split} split")
    return sequences, labels


def load_keras_imdb_split(vocab_size, split):
    """keras.datasets.imdb.load_data(num_words=vocab_size) (imported lazily; downloads once)."""
    try:
        from keras.datasets import imdb
    except ImportError:  # tf.keras only
        from tensorflow.keras.datasets import imdb  # type: ignore
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=vocab_size)
    return (list(x_train), np.asarray(y_train)) if split == "train" else (list(x_test), np.asarray(y_test))


def load_word_index(path=None, data_path=None):
    """(word_index dict, description). From path, else imdb_word_index.json beside data_path,
    else keras.datasets.imdb.get_word_index() (imported lazily)."""
    if path is None and data_path is not None:
        candidate = os.path.join(os.path.dirname(os.path.abspath(data_path)), WORD_INDEX_FILE_NAME)
        if os.path.isfile(candidate):
            path = candidate
    if path is not None:
        with open(path, encoding="utf-8") as f:
            word_index = json.load(f)
        if not isinstance(word_index, dict):
            raise ValueError(f"{path}: expected a JSON object word -> index")
        return word_index, f"word index {os.path.basename(path)}"
    try:
        try:
            from keras.datasets import imdb
        except ImportError:
            from tensorflow.keras.datasets import imdb  # type: ignore
        return imdb.get_word_index(), "keras.datasets.imdb.get_word_index()"
    except Exception as e:  # no Keras, no network, ...
        raise SystemExit(
            f"cannot get the IMDB word index ({type(e).__name__}: {e}); pass --word-index FILE.json "
            "(the JSON of keras.datasets.imdb.get_word_index(), e.g. ~/.keras/datasets/imdb_word_index.json)")


# --------------------------------------------------------------------------------------------------
# writing

def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write):
    """Calls write(binary file object) on a temporary file in path's folder, then renames it to path,
    so a reader never sees a half-written file. The temporary file is removed on failure."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save_npy(path, array):
    atomic_write(path, lambda f: np.save(f, np.ascontiguousarray(array), allow_pickle=False))


def save_json(path, obj, indent=1):
    text = json.dumps(obj, indent=indent, ensure_ascii=True)
    atomic_write(path, lambda f: f.write(text.encode("ascii")))


def make_meta(maxlen, vocab_size, split, count, source):
    return {
        "format": FORMAT,
        "classes": list(CLASSES),
        "maxlen": int(maxlen),
        "vocab_size": int(vocab_size),
        "index_from": INDEX_FROM,
        "start_id": START_ID,
        "oov_id": OOV_ID,
        "pad_id": PAD_ID,
        "padding": "pre",
        "truncating": "pre",
        "split": split,
        "count": int(count),
        "source": source,
    }


def export_reviews(out_dir, sequences, labels, vocab, maxlen, vocab_size, split, source):
    """Folds OOV ids, pads, and writes reviews.npy, labels.npy, lengths.npy, vocab.json, meta.json
    (meta.json last). Returns the meta dict."""
    if len(sequences) != len(labels):
        raise ValueError(f"{len(sequences)} reviews but {len(labels)} labels")
    if len(vocab) != vocab_size:
        raise ValueError(f"vocab has {len(vocab)} entries, expected vocab_size={vocab_size}")
    labels = np.asarray(labels).reshape(-1)
    if labels.size and not np.isin(labels, (0, 1)).all():
        raise ValueError(f"labels must be 0 or 1, found {sorted(set(labels.tolist()))[:10]}")
    folded, n_folded = fold_oov(sequences, vocab_size)
    reviews = pad_sequences(folded, maxlen).astype("<i4")
    lengths = np.array([len(s) for s in folded], dtype="<i4")
    os.makedirs(out_dir, exist_ok=True)
    save_npy(os.path.join(out_dir, "reviews.npy"), reviews)
    save_npy(os.path.join(out_dir, "labels.npy"), labels.astype("<i4"))
    save_npy(os.path.join(out_dir, "lengths.npy"), lengths)
    save_json(os.path.join(out_dir, "vocab.json"), list(vocab), indent=0)
    meta = make_meta(maxlen, vocab_size, split, len(folded), source)
    save_json(os.path.join(out_dir, "meta.json"), meta)
    truncated = int((lengths > maxlen).sum())
    print(f"wrote {len(folded)} {split} reviews to {out_dir}: reviews.npy {reviews.shape}, "
          f"{truncated} truncated to their last {maxlen} tokens, {n_folded} ids >= {vocab_size} folded to "
          f"{OOV_ID}")
    return meta


def load_reviews_and_vocab(data=None, split="test", vocab_size=20000, limit=None, word_index=None):
    """(sequences, labels, vocab, source) with the conventions above; shared by train_imdb.py."""
    word_index, wi_source = load_word_index(word_index, data)
    vocab = build_vocab(word_index, vocab_size)
    if data is not None:
        sequences, labels = load_npz_split(data, split)
        xk, yk = split_keys(split)
        source = f"{os.path.basename(data)} ({xk}/{yk}, {split} split)"
    else:
        sequences, labels = load_keras_imdb_split(vocab_size, split)
        source = f"keras.datasets.imdb.load_data(num_words={vocab_size}), {split} split"
    if limit is not None:
        if limit < 0:
            raise ValueError(f"--limit must be >= 0, got {limit}")
        sequences, labels = sequences[:limit], labels[:limit]
        source += f", first {len(sequences)} reviews"
    source += f"; vocab from {wi_source} (id = index + {INDEX_FROM})"
    return sequences, labels, vocab, source


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--data", help=".npz with arr_0..arr_3 like keras.datasets.imdb (default: download "
                                  "with keras.datasets.imdb)")
    p.add_argument("--maxlen", type=int, default=200)
    p.add_argument("--vocab-size", type=int, default=20000)
    p.add_argument("--split", choices=["test", "train"], default="test")
    p.add_argument("--limit", type=int, help="only the first N reviews of the split")
    p.add_argument("--word-index", help="JSON word -> index (keras.datasets.imdb.get_word_index())")
    args = p.parse_args(argv)
    if args.maxlen < 1:
        p.error("--maxlen must be >= 1")
    if args.vocab_size < len(RESERVED_TOKENS):
        p.error(f"--vocab-size must be >= {len(RESERVED_TOKENS)}")
    sequences, labels, vocab, source = load_reviews_and_vocab(
        args.data, args.split, args.vocab_size, args.limit, args.word_index)
    export_reviews(args.out, sequences, labels, vocab, args.maxlen, args.vocab_size, args.split, source)
    return 0


if __name__ == "__main__":
    sys.exit(main())

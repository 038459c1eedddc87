#!/usr/bin/env python3
"""Train the keras.io "Text classification with Transformer" model on IMDB and save it for the probe.

    python train_imdb.py --out DIR [--data FILE.npz] [--vocab-size 20000] [--maxlen 200] [--embed-dim 32]
                         [--num-heads 2] [--ff-dim 32] [--epochs 2] [--batch-size 32]
                         [--attention builtin|2020] [--seed 42] [--limit-train N]
                         [--word-index FILE.json] [--reviews-limit 1000]

Model (keras.io): Input(shape=(maxlen,)) -> TokenAndPositionEmbedding -> TransformerBlock ->
GlobalAveragePooling1D -> Dropout(0.1) -> Dense(20, relu) -> Dropout(0.1) -> Dense(2, softmax);
Adam, sparse_categorical_crossentropy; the test split is the validation data, as on keras.io.

Writes DIR/model.h5 (model.save, legacy HDF5, no optimizer state), the first --reviews-limit test reviews
beside it in the export_reviews.py format (reviews.npy, labels.npy, lengths.npy, vocab.json, meta.json;
0 = all) and DIR/training.json (arguments, history, test accuracy, versions).

Works with Keras 3 (any backend) and with tf.keras 2.13-2.15. Needs no GPU; with --data (and a word
index: --word-index or imdb_word_index.json beside the .npz) it needs no network.
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import export_reviews as er  # noqa: E402  (numpy only)


def load_split(args, split, limit):
    if args.data is not None:
        sequences, labels = er.load_npz_split(args.data, split)
    else:
        sequences, labels = er.load_keras_imdb_split(args.vocab_size, split)
    if limit is not None:
        sequences, labels = sequences[:limit], labels[:limit]
    folded, _ = er.fold_oov(sequences, args.vocab_size)
    return folded, np.asarray(labels).astype(np.int32)


def save_model_atomically(model, path):
    """model.save into a temporary .h5 in the same folder, then rename (no half-written model.h5)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".model.", suffix=".tmp.h5")
    os.close(fd)
    try:
        try:
            model.save(tmp, include_optimizer=False)
        except TypeError:  # a save() without include_optimizer
            model.save(tmp)
        os.chmod(tmp, 0o666 & ~er._umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--data", help=".npz with arr_0..arr_3 like keras.datasets.imdb "
                                  "(default: keras.datasets.imdb.load_data, downloads once)")
    p.add_argument("--vocab-size", type=int, default=20000)
    p.add_argument("--maxlen", type=int, default=200)
    p.add_argument("--embed-dim", type=int, default=32)
    p.add_argument("--num-heads", type=int, default=2)
    p.add_argument("--ff-dim", type=int, default=32)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--attention", choices=["builtin", "2020"], default="builtin",
                   help="builtin = keras.layers.MultiHeadAttention (current keras.io); "
                        "2020 = the hand-written MultiHeadSelfAttention of the first version")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--limit-train", type=int, help="train on the first N training reviews only")
    p.add_argument("--limit-test", type=int, help="validate/evaluate on the first N test reviews only")
    p.add_argument("--word-index", help="JSON word -> index for vocab.json (see export_reviews.py)")
    p.add_argument("--reviews-limit", type=int, default=1000,
                   help="test reviews to write beside the model (default 1000, 0 = all)")
    args = p.parse_args(argv)
    if args.maxlen < 1 or args.vocab_size < 4:
        p.error("--maxlen must be >= 1 and --vocab-size >= 4")
    if args.embed_dim % args.num_heads and args.attention == "2020":
        p.error("--attention 2020 needs --embed-dim divisible by --num-heads")

    # Everything that can fail without Keras (data, word index) fails before training.
    word_index, wi_source = er.load_word_index(args.word_index, args.data)
    vocab = er.build_vocab(word_index, args.vocab_size)
    x_train_raw, y_train = load_split(args, "train", args.limit_train)
    x_test_raw, y_test = load_split(args, "test", args.limit_test)
    x_train = er.pad_sequences(x_train_raw, args.maxlen)
    x_test = er.pad_sequences(x_test_raw, args.maxlen)
    print(f"{len(x_train)} training sequences, {len(x_test)} test sequences, maxlen {args.maxlen}")

    import keras
    import keras_io_layers as kl

    keras.utils.set_random_seed(args.seed)
    model = kl.build_model(args.maxlen, args.vocab_size, args.embed_dim, args.num_heads, args.ff_dim,
                           attention=args.attention)
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(x_test, y_test))
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0)
    print(f"test accuracy {test_acc:.4f} (loss {test_loss:.4f}) on {len(x_test)} reviews")

    os.makedirs(args.out, exist_ok=True)
    model_path = os.path.join(args.out, "model.h5")
    save_model_atomically(model, model_path)
    print(f"wrote {model_path}")

    # The reviews beside the model, in the export_reviews.py format.
    if args.data is not None:
        sequences, labels = er.load_npz_split(args.data, "test")
        source = f"{os.path.basename(args.data)} (arr_2/arr_3, test split)"
    else:
        sequences, labels = er.load_keras_imdb_split(args.vocab_size, "test")
        source = f"keras.datasets.imdb.load_data(num_words={args.vocab_size}), test split"
    if args.reviews_limit:
        sequences, labels = sequences[:args.reviews_limit], labels[:args.reviews_limit]
        source += f", first {len(sequences)} reviews"
    source += f"; vocab from {wi_source} (id = index + {er.INDEX_FROM})"
    er.export_reviews(args.out, sequences, labels, vocab, args.maxlen, args.vocab_size, "test", source)

    try:
        backend = keras.backend.backend()
    except Exception:
        backend = "unknown"
    info = {
        "keras_version": kl.KERAS_VERSION,
        "backend": backend,
        "args": vars(args),
        "vocab_source": wi_source,
        "params": int(model.count_params()),
        "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
        "test_accuracy": float(test_acc),
        "test_loss": float(test_loss),
        "test_reviews": len(x_test),
        "train_reviews": len(x_train),
    }
    er.save_json(os.path.join(args.out, "training.json"), info)
    return 0


if __name__ == "__main__":
    sys.exit(main())

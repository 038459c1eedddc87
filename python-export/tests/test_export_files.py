import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import DEMO, PYTHON_EXPORT, shared_path
import export_reviews
from export_reviews import atomic_write, export_reviews as export, main

META_KEYS = ["format", "classes", "maxlen", "vocab_size", "index_from", "start_id", "oov_id", "pad_id",
             "padding", "truncating", "split", "count", "source"]
FILES = ["reviews.npy", "labels.npy", "lengths.npy", "vocab.json", "meta.json"]


def _objects(rows):
    arr = np.empty(len(rows), dtype=object)
    for i, r in enumerate(rows):
        arr[i] = list(r)
    return arr


@pytest.fixture
def tiny_npz(tmp_path):
    train = _objects([[1, 4, 5], [1, 6, 7, 8]])
    test = _objects([[1, 4, 5, 6, 7, 8, 9], [1, 4], [], [1, 30, 4, 12]])
    path = tmp_path / "tiny.npz"
    np.savez(path, train, np.array([0, 1]), test, np.array([1, 0, 0, 1]))
    word_index = {w: i for i, w in enumerate(["the", "and", "a", "of", "to", "is", "br", "in"], start=1)}
    wi = tmp_path / "wi.json"
    wi.write_text(json.dumps(word_index))
    return str(path), str(wi)


def test_cli_writes_the_format(tiny_npz, tmp_path):
    data, wi = tiny_npz
    out = tmp_path / "out"
    assert main(["--out", str(out), "--data", data, "--maxlen", "5", "--vocab-size", "10",
                 "--word-index", wi]) == 0
    assert sorted(os.listdir(out)) == sorted(FILES)  # no temporary files left

    reviews = np.load(out / "reviews.npy")
    labels = np.load(out / "labels.npy")
    lengths = np.load(out / "lengths.npy")
    assert reviews.dtype == labels.dtype == lengths.dtype == np.dtype("<i4")
    np.testing.assert_array_equal(reviews, [[5, 6, 7, 8, 9],   # 7 tokens: keeps the last 5
                                            [0, 0, 0, 1, 4],
                                            [0, 0, 0, 0, 0],
                                            [0, 1, 2, 4, 2]])  # 30 and 12 >= 10 folded to OOV 2
    np.testing.assert_array_equal(labels, [1, 0, 0, 1])
    np.testing.assert_array_equal(lengths, [7, 2, 0, 4])      # before truncation

    vocab = json.loads((out / "vocab.json").read_text())
    assert vocab == ["<pad>", "<start>", "<oov>", "<unused>", "the", "and", "a", "of", "to", "is"]

    meta = json.loads((out / "meta.json").read_text())
    assert list(meta) == META_KEYS
    assert meta["format"] == "attention-probe-reviews/1"
    assert meta["classes"] == ["negative", "positive"]
    assert (meta["maxlen"], meta["vocab_size"], meta["count"], meta["split"]) == (5, 10, 4, "test")
    assert (meta["index_from"], meta["start_id"], meta["oov_id"], meta["pad_id"]) == (3, 1, 2, 0)
    assert (meta["padding"], meta["truncating"]) == ("pre", "pre")
    assert "tiny.npz" in meta["source"]


def test_cli_train_split_and_limit(tiny_npz, tmp_path):
    data, wi = tiny_npz
    out = tmp_path / "out"
    main(["--out", str(out), "--data", data, "--maxlen", "3", "--vocab-size", "10", "--word-index", wi,
          "--split", "train", "--limit", "1"])
    np.testing.assert_array_equal(np.load(out / "reviews.npy"), [[1, 4, 5]])
    np.testing.assert_array_equal(np.load(out / "labels.npy"), [0])
    meta = json.loads((out / "meta.json").read_text())
    assert meta["split"] == "train" and meta["count"] == 1 and "first 1 reviews" in meta["source"]


def test_rejects_non_binary_labels(tmp_path):
    with pytest.raises(ValueError):
        export(str(tmp_path), [[1, 2]], [3], ["<pad>", "<start>", "<oov>", "<unused>"], 4, 4, "test", "x")


def test_atomic_write_replaces_and_cleans_up(tmp_path):
    target = tmp_path / "f.bin"
    atomic_write(str(target), lambda f: f.write(b"old"))
    assert target.read_bytes() == b"old"

    def failing(f):
        f.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(str(target), failing)
    assert target.read_bytes() == b"old"  # untouched
    assert os.listdir(tmp_path) == ["f.bin"]  # temporary file removed

    atomic_write(str(target), lambda f: f.write(b"new"))
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_export_reviews_imports_no_keras():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import export_reviews; "
            "bad = [m for m in ('keras', 'tensorflow', 'torch', 'jax') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    subprocess.run([sys.executable, "-c", code, PYTHON_EXPORT], check=True)


def test_committed_demo_data_is_consistent():
    meta = json.loads(open(os.path.join(DEMO, "meta.json")).read())
    assert list(meta) == META_KEYS
    reviews = np.load(os.path.join(DEMO, "reviews.npy"))
    labels = np.load(os.path.join(DEMO, "labels.npy"))
    lengths = np.load(os.path.join(DEMO, "lengths.npy"))
    n, maxlen = meta["count"], meta["maxlen"]
    assert reviews.shape == (n, maxlen) and labels.shape == (n,) and lengths.shape == (n,)
    assert reviews.dtype == labels.dtype == lengths.dtype == np.dtype("<i4")
    assert 0 <= reviews.min() and reviews.max() < meta["vocab_size"]
    np.testing.assert_array_equal((reviews != 0).sum(axis=1), np.minimum(lengths, maxlen))
    real = np.minimum(lengths, maxlen)
    for row, k in zip(reviews, real):  # left padding only, real tokens at the end
        assert not row[:maxlen - k].any()
    assert set(np.unique(labels)) <= {0, 1}


def test_demo_data_matches_shared_reference():
    ref = np.load(shared_path("models", "imdb-transformer", "reference.npz"))
    reviews = np.load(os.path.join(DEMO, "reviews.npy"))
    labels = np.load(os.path.join(DEMO, "labels.npy"))
    lengths = np.load(os.path.join(DEMO, "lengths.npy"))
    n = len(ref["x"])
    np.testing.assert_array_equal(reviews[:n], ref["x"])
    np.testing.assert_array_equal(labels[:n], ref["y"])
    np.testing.assert_array_equal(lengths[:n], ref["raw_lengths"])


def test_demo_data_is_reproducible(tmp_path):
    data = shared_path("data", "imdb", "imdb_num_words500_train5000_test1000.npz")
    wi = shared_path("data", "imdb", "imdb_word_index.json")
    main(["--out", str(tmp_path), "--data", data, "--split", "test", "--limit", "1000", "--maxlen", "200",
          "--vocab-size", "500", "--word-index", wi])
    for name in FILES:
        assert (tmp_path / name).read_bytes() == open(os.path.join(DEMO, name), "rb").read(), name

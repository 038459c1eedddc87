import os

import numpy as np
import pytest

from export_reviews import pad_sequences

CASES = [
    # (sequences, maxlen, expected rows) -- hand-computed, padding="pre", truncating="pre", value 0
    ([[1, 2, 3]], 5, [[0, 0, 1, 2, 3]]),                     # shorter: left-padded
    ([[1, 2, 3, 4, 5]], 5, [[1, 2, 3, 4, 5]]),               # equal: unchanged
    ([[1, 2, 3, 4, 5, 6, 7]], 5, [[3, 4, 5, 6, 7]]),         # longer: keeps the LAST maxlen tokens
    ([[]], 4, [[0, 0, 0, 0]]),                               # empty review: all padding
    ([[9, 8, 7]], 1, [[7]]),                                 # maxlen 1: the last token
    ([[5]], 1, [[5]]),
    ([[], [4]], 1, [[0], [4]]),
    ([[1, 14, 22], [1, 2, 3, 4, 5, 6], [7]], 4, [[0, 1, 14, 22], [3, 4, 5, 6], [0, 0, 0, 7]]),
]


@pytest.mark.parametrize("sequences,maxlen,expected", CASES)
def test_matches_hand_computed(sequences, maxlen, expected):
    out = pad_sequences(sequences, maxlen)
    assert out.dtype == np.int32
    assert out.shape == (len(sequences), maxlen)
    np.testing.assert_array_equal(out, np.array(expected, dtype=np.int32))


def test_accepts_numpy_arrays_and_object_arrays():
    seqs = np.empty(2, dtype=object)
    seqs[0], seqs[1] = [1, 2, 3], list(range(10))
    out = pad_sequences(seqs, 4)
    np.testing.assert_array_equal(out, [[0, 1, 2, 3], [6, 7, 8, 9]])


def test_post_variants():
    np.testing.assert_array_equal(pad_sequences([[1, 2, 3]], 5, padding="post"), [[1, 2, 3, 0, 0]])
    np.testing.assert_array_equal(pad_sequences([[1, 2, 3, 4]], 2, truncating="post"), [[1, 2]])


def test_no_sequences():
    assert pad_sequences([], 3).shape == (0, 3)


@pytest.mark.parametrize("maxlen", [0, -1])
def test_rejects_maxlen_below_one(maxlen):
    with pytest.raises(ValueError):
        pad_sequences([[1]], maxlen)


def _real_keras_pad_sequences():
    """keras.utils.pad_sequences from the Keras source tree at $KERAS_SRC, executed with numpy only
    (its one Keras import, the api_export decorator, is replaced by a no-op)."""
    src = os.environ.get("KERAS_SRC")
    if not src:
        pytest.skip("KERAS_SRC not set")
    path = os.path.join(src, "keras", "src", "utils", "sequence_utils.py")
    if not os.path.isfile(path):
        pytest.skip(f"no {path}")
    with open(path, encoding="utf-8") as f:
        code = f.read()
    code = code.replace("from keras.src.api_export import keras_export",
                        "keras_export = lambda *a, **k: (lambda f: f)")
    namespace = {}
    exec(compile(code, path, "exec"), namespace)
    return namespace["pad_sequences"]


def test_matches_real_keras_pad_sequences():
    keras_pad = _real_keras_pad_sequences()
    rng = np.random.default_rng(0)
    sequences = [list(rng.integers(1, 500, size=n)) for n in [0, 1, 2, 5, 9, 10, 11, 37, 200, 1000]]
    for maxlen in [1, 2, 5, 10, 11, 200]:
        for seqs in [sequences] + [[s] for s in sequences]:
            np.testing.assert_array_equal(pad_sequences(seqs, maxlen), keras_pad(seqs, maxlen=maxlen))
    for sequences, maxlen, _ in CASES:
        np.testing.assert_array_equal(pad_sequences(sequences, maxlen), keras_pad(sequences, maxlen=maxlen))

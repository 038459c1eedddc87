import json
import os

import numpy as np
import pytest

from conftest import DEMO, shared_path
from export_reviews import build_vocab, fold_oov, load_word_index


def test_offset_of_three():
    vocab = build_vocab({"the": 1, "and": 2, "a": 3, "great": 5}, 10)
    assert vocab[:4] == ["<pad>", "<start>", "<oov>", "<unused>"]
    assert vocab[4] == "the" and vocab[5] == "and" and vocab[6] == "a"
    assert vocab[7] == "<id:7>"  # index 4 has no word here
    assert vocab[8] == "great"
    assert len(vocab) == 10


def test_words_beyond_vocab_size_are_dropped():
    vocab = build_vocab({"the": 1, "rare": 500}, 6)
    assert vocab == ["<pad>", "<start>", "<oov>", "<unused>", "the", "<id:5>"]


def test_rejects_tiny_vocab_and_duplicate_ids():
    with pytest.raises(ValueError):
        build_vocab({}, 3)
    with pytest.raises(ValueError):
        build_vocab({"x": 1, "y": 1}, 10)


def test_real_word_index():
    path = shared_path("data", "imdb", "imdb_word_index.json")
    word_index, source = load_word_index(path)
    assert word_index["the"] == 1
    vocab = build_vocab(word_index, 500)
    assert vocab[4] == "the"
    assert vocab[word_index["and"] + 3] == "and"
    with open(os.path.join(DEMO, "vocab.json"), encoding="utf-8") as f:
        assert vocab == json.load(f)


def test_committed_demo_vocab():
    with open(os.path.join(DEMO, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    assert len(vocab) == 500
    assert vocab[:6] == ["<pad>", "<start>", "<oov>", "<unused>", "the", "and"]
    assert len(set(vocab)) == len(vocab)


def test_fold_oov():
    folded, count = fold_oov([[1, 5, 499, 500, 20000], [], [2, 3]], 500)
    assert [f.tolist() for f in folded] == [[1, 5, 499, 2, 2], [], [2, 3]]
    assert count == 2


def test_fold_oov_rejects_negative_ids():
    with pytest.raises(ValueError):
        fold_oov([[1, -4]], 10)


def test_word_index_found_beside_data(tmp_path):
    (tmp_path / "imdb_word_index.json").write_text(json.dumps({"the": 1}))
    word_index, source = load_word_index(None, str(tmp_path / "data.npz"))
    assert word_index == {"the": 1}
    assert "imdb_word_index.json" in source

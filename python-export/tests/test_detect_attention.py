"""export_reference.py reads the attention kind off the file with h5py alone (no Keras)."""
import pytest

from conftest import shared_path

pytest.importorskip("h5py")
from export_reference import detect_attention  # noqa: E402


@pytest.mark.parametrize("folder,expected", [
    ("fixtures/keras3/v1", {"transformer_block": "builtin"}),
    ("fixtures/keras3/v3", {"transformer_block": "builtin", "transformer_block_1": "builtin"}),
    ("fixtures/keras3/v4", {"transformer_block": "2020"}),
    ("models/imdb-transformer", {"transformer_block": "builtin"}),
])
@pytest.mark.parametrize("file", ["model.h5", "model.keras"])
def test_keras3_files(folder, expected, file):
    kinds, _ = detect_attention(shared_path(*folder.split("/"), file))
    assert kinds == expected


def test_tf_keras_213_file():
    kinds, classes = detect_attention(shared_path("fixtures", "tf-keras-2.13", "one-block-502-classes",
                                                  "model.h5"))
    assert kinds == {"transformer_block_58": "builtin"}
    assert classes == {"TransformerBlock"}


def test_registered_class_names():
    _, classes = detect_attention(shared_path("fixtures", "keras3", "v2", "model.h5"))
    assert classes == {"keras_io>TransformerBlock"}
    _, classes = detect_attention(shared_path("fixtures", "keras3", "v2", "model.keras"))
    assert classes == {"keras_io>TransformerBlock"}

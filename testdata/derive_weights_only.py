"""Derives weights-only .h5 files, laid out as tf.keras 2.x ``model.save_weights("x.h5")`` writes them,
from model files Keras wrote: no number is made up, every array and attribute is copied as it is.

A full legacy .h5 (``model.save``) keeps its weights in the group ``model_weights``; ``save_weights``
writes the same content at the root of the file: the attributes ``layer_names``, ``backend`` and
``keras_version``, and one group per layer with its ``weight_names``. So the derivation copies the
attributes of ``model_weights`` (with their HDF5 types) and its member groups (with h5py's copy, which
keeps datasets, attributes and nesting) to the root of a new file, and leaves out ``model_config``,
``training_config`` and ``optimizer_weights``.

Usage (plain python3 with numpy and h5py; run from the repository root):

    python3 testdata/derive_weights_only.py
"""

import os
import sys

import h5py

# (source written by Keras, derived weights-only file)
DERIVATIONS = [
    ("testdata/fixtures/tf-keras-2.13/one-block-502-classes/model.h5",
     "testdata/derived/weights-only/tf-keras-2.13-one-block-502-classes.h5"),
    ("testdata/fixtures/keras3/v4/model.h5",
     "testdata/derived/weights-only/keras3-v4-2020-attention.h5"),
]


def derive(source, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = target + ".tmp"
    with h5py.File(source, "r") as src, h5py.File(tmp, "w") as dst:
        weights = src["model_weights"]
        for name in weights.attrs:
            attr = weights.attrs.get_id(name)
            dst.attrs.create(name, weights.attrs[name], dtype=attr.dtype)
        for name in weights:
            src.copy(weights[name], dst, name=name)
    os.replace(tmp, target)


def check(source, target):
    """Every attribute, group and array of model_weights is at the root of the derived file, equal."""
    with h5py.File(source, "r") as src, h5py.File(target, "r") as dst:
        weights = src["model_weights"]
        assert set(dst.attrs) == set(weights.attrs), (set(dst.attrs), set(weights.attrs))
        for name in weights.attrs:
            assert weights.attrs.get_id(name).get_type().equal(dst.attrs.get_id(name).get_type()), name
            assert list(weights.attrs[name]) == list(dst.attrs[name]), name

        def same(path, obj):
            other = dst[path]
            assert dict(obj.attrs).keys() == dict(other.attrs).keys(), path
            if isinstance(obj, h5py.Dataset):
                assert obj.dtype == other.dtype and obj.shape == other.shape, path
                assert (obj[()] == other[()]).all(), path

        weights.visititems(same)
        assert "model_config" not in dst.attrs and "optimizer_weights" not in dst


def main():
    for source, target in DERIVATIONS:
        derive(source, target)
        check(source, target)
        print(f"{target}: {os.path.getsize(target)} bytes, from {source}")


if __name__ == "__main__":
    sys.exit(main())

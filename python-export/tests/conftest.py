"""Test set-up: the scripts live one folder up; no Keras or TensorFlow is needed."""
import os
import sys

import pytest

PYTHON_EXPORT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_EXPORT)
if PYTHON_EXPORT not in sys.path:
    sys.path.insert(0, PYTHON_EXPORT)

# Optional: the developers' shared folder (real word index, fixtures). Tests that need it skip without it.
SHARED = os.environ.get("ATTENTION_PROBE_SHARED", os.path.join(os.path.dirname(REPO), "shared"))
DEMO = os.path.join(REPO, "testdata", "imdb-transformer")


def shared_path(*parts):
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        pytest.skip(f"{path} not present (set ATTENTION_PROBE_SHARED to the shared folder)")
    return path

#!/bin/sh
# Runs python-export's Keras-free tests; skips (with a note) where python3 lacks numpy or pytest.
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! "$PY" -c 'import numpy, pytest' >/dev/null 2>&1; then
  echo "python-export tests skipped: $PY has no numpy or pytest (apt-get install python3-numpy python3-pytest)"
  exit 0
fi
exec "$PY" -m pytest -q -p no:cacheprovider python-export/tests

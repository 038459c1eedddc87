#!/usr/bin/env bash
# Probe against its anchors (ONNX Runtime Java, PyTorch autograd) in one run: corpus, cold start, explanations.
# Usage: bench/compare-onnx/compare.sh [RUNS]   (from the repository root; needs /usr/bin/python3 with torch and h5py)
# See bench/compare-onnx/compare.py for what each side runs; the ONNX side stays in the compare-onnx profile.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p target/compare
[ -f target/probe.jar ] || mvn -q package -DskipTests
/usr/bin/python3 bench/compare-onnx/export_onnx.py testdata/fixtures/keras3/v1 target/compare/keras-io.onnx >/dev/null
/usr/bin/python3 bench/compare-onnx/export_onnx.py testdata/imdb-transformer target/compare/demo.onnx >/dev/null
/usr/bin/python3 - <<'PY'
import numpy as np
x = np.load("testdata/imdb-transformer/reviews.npy").astype("int32")   # 1,000 real reviews, ids < 500
np.save("target/compare/25k.npy", np.tile(x, (25, 1)))               # the corpus: 25,000 rows of length 200
open("target/compare/review0.txt", "w").write(",".join(str(int(v)) for v in x[0]))
PY
mvn -q -Pcompare-onnx compile test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/compare-onnx-classpath.txt -Dmdep.includeScope=test
exec /usr/bin/python3 bench/compare-onnx/compare.py "${1:-3}"

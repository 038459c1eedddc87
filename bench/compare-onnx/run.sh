#!/usr/bin/env bash
# ONNX Runtime Java against probe on the keras.io model, in one process (see README, "Speed").
# Usage: bench/compare-onnx/run.sh [THREADS] [BATCH] [SECONDS]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
fixture=testdata/fixtures/keras3/v1
mkdir -p target
/usr/bin/python3 bench/compare-onnx/export_onnx.py "$fixture" target/keras-io.onnx
mvn -q -Pcompare-onnx compile test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/compare-onnx-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -cp "target/classes:target/compare-onnx-classes:$(cat target/compare-onnx-classpath.txt)" \
    org.attentionprobe.bench.OnnxCompare target/keras-io.onnx "$fixture/model.h5" "$@"

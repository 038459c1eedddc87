"""Probe against its anchors on this machine, the three comparisons of README "Speed", in one run (interleaved,
median of RUNS). Called by compare.sh, which builds what it needs; prints one table with the ratios.

  corpus         probe's corpus command, whole process, --summary, 2 threads, 25,000 rows of the keras.io model
                 vs ONNX Runtime Java in-process (session started before the clock), 2 callers x 1 thread, batch 16
  cold start     `java -jar probe.jar model.h5 --review 0` on the demo model, whole process
                 vs ONNX Runtime Java classifying the same review in a fresh JVM, whole process
  explanations   `--explain` over 40 reviews of the demo model, whole process
                 vs PyTorch autograd doing the same work (anchor_explain.py), whole process, 1 thread
"""
import os
import re
import statistics
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
T = "target/compare"
CP = "target/classes:target/compare-onnx-classes:" + open("target/compare-onnx-classpath.txt").read().strip()
DEMO = "testdata/imdb-transformer"
KERAS_IO = "testdata/fixtures/keras3/v1"
PY = "/usr/bin/python3"
EXPLAINED = 40


def wall(cmd, cwd=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return t, r.stdout


def main():
    reviews = ",".join(str(i) for i in range(EXPLAINED))
    probe = ["java", "-jar", "target/probe.jar"]
    rows = 25000
    results = {k: [] for k in ["probe corpus", "ort corpus", "probe cold", "ort cold", "probe explain", "torch explain"]}
    # a user's first run of each kind writes its class-data archive (cli.ClassDataArchive); time the runs after it
    first = {}
    for name, cmd in [("corpus", probe + [f"{KERAS_IO}/model.h5", "--tokens-file", f"{T}/25k.npy", "--summary", f"{T}/summary.jsonl", "--threads", "2"]),
                      ("cold", probe + [f"{DEMO}/model.h5", "--review", "0"]),
                      ("explain", probe + [f"{DEMO}/model.h5", "--review", reviews, "--explain"])]:
        first[name] = wall(cmd)[0]
    print("first runs (archives written if missing): " + ", ".join(f"{k} {v:.2f} s" for k, v in first.items()), file=sys.stderr)
    for run in range(RUNS):
        t, _ = wall(probe + [f"{KERAS_IO}/model.h5", "--tokens-file", f"{T}/25k.npy", "--summary", f"{T}/summary.jsonl", "--threads", "2"])
        results["probe corpus"].append(rows / t)
        _, out = wall(["java", "-cp", CP, "org.attentionprobe.bench.OnnxCorpus", f"{T}/keras-io.onnx", f"{T}/25k.npy", "2", "16", "3"])
        results["ort corpus"].append(float(re.search(r"reviews/s (\d+)", out).group(1)))
        results["probe cold"].append(wall(probe + [f"{DEMO}/model.h5", "--review", "0"])[0])
        results["ort cold"].append(wall(["java", "-cp", CP, "org.attentionprobe.bench.OnnxOneReview", f"{T}/demo.onnx", f"{T}/review0.txt"])[0])
        results["probe explain"].append(EXPLAINED / wall(probe + [f"{DEMO}/model.h5", "--review", reviews, "--explain"])[0])
        results["torch explain"].append(EXPLAINED / wall([PY, "anchor_explain.py", os.path.abspath(DEMO), str(EXPLAINED)],
                                                          cwd="bench/compare-onnx")[0])
        print(f"run {run + 1}/{RUNS} done", file=sys.stderr)
    m = {k: statistics.median(v) for k, v in results.items()}
    rng = {k: f"{min(v):,.2f}–{max(v):,.2f}" if max(v) < 100 else f"{min(v):,.0f}–{max(v):,.0f}" for k, v in results.items()}
    load = open("/proc/loadavg").read().split()[:3]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} CPUs; load average at end {' '.join(load)}; median of {RUNS} interleaved runs")
    print(f"{'comparison':<14} {'probe':>22} {'anchor':>22} {'ratio (probe/anchor speed)':>28}")
    print(f"{'corpus':<14} {m['probe corpus']:>14,.0f} rows/s {m['ort corpus']:>14,.0f} rows/s {m['probe corpus'] / m['ort corpus']:>27.2f}x")
    print(f"{'cold start':<14} {m['probe cold']:>17.2f} s     {m['ort cold']:>17.2f} s     {m['ort cold'] / m['probe cold']:>27.2f}x"
          f"  (probe takes {m['probe cold'] / m['ort cold']:.1f}x as long)")
    print(f"{'explanations':<14} {m['probe explain']:>11.2f} reviews/s {m['torch explain']:>11.2f} reviews/s "
          f"{m['probe explain'] / m['torch explain']:>27.2f}x")
    print("ranges: " + "; ".join(f"{k} {rng[k]}" for k in results))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# NVM image benchmark: bench/nvm/run.sh BUILD_DIR
# Builds hycim_nvm_bench in BUILD_DIR, runs it (3 repetitions) with its scratch
# files in BUILD_DIR/bench-nvm (the disk an image would live on), keeps the raw
# results in BUILD_DIR/bench-nvm/results.json and prints, from the medians, each
# NvmImage figure as a ratio to its raw-syscall baseline from the same run.
set -euo pipefail
build=${1:?usage: bench/nvm/run.sh BUILD_DIR}
cmake --build "$build" --parallel 2 --target hycim_nvm_bench >/dev/null
out="$build/bench-nvm"
mkdir -p "$out"
HYCIM_NVM_BENCH_DIR="$out" "$build/bench/nvm/hycim_nvm_bench" \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/results.json" --benchmark_out_format=json
python3 - "$out/results.json" <<'PY'
import json, sys
med = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("aggregate_name") == "median":
        name, arg = b["run_name"].split("/")[:2]
        med[(name, arg)] = b["items_per_second"]
pairs = [("BM_NvmWriteRow", "BM_RawPwriteFdatasync"), ("BM_NvmReadRow", "BM_RawPread")]
print(f"{'median rows/s':<16}{'bytes':>6}{'NvmImage':>12}{'raw':>12}{'ratio':>7}")
for ours, base in pairs:
    for arg in ("32", "4096"):
        a, b = med[(ours, arg)], med[(base, arg)]
        print(f"{ours[3:]:<16}{arg:>6}{a:>12.0f}{b:>12.0f}{a / b:>7.2f}")
PY

#!/usr/bin/env bash
# Kernel benchmarks: bench/kernels/run.sh BUILD_DIR
# Builds and runs the CPU twins' benchmark (always) and the CUDA one (when it
# was built), 3 repetitions each, keeps the raw results in
# BUILD_DIR/bench-kernels/{cpu,gpu}.json and prints, from the medians, every
# figure next to its baseline from the same run and their ratio.
set -euo pipefail
build=${1:?usage: bench/kernels/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
out="$build/bench-kernels"
mkdir -p "$out"
reps=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_out_format=json)

cmake --build "$build" --parallel 2 --target hycim_kernels_cpu_bench >/dev/null
"$build/bench/kernels/hycim_kernels_cpu_bench" "${reps[@]}" --benchmark_out="$out/cpu.json" >/dev/null 2>"$out/cpu.log"
python3 "$here/ratios.py" cpu "$out/cpu.json"

if cmake --build "$build" --parallel 2 --target hycim_kernels_gpu_bench >/dev/null 2>&1; then
  "$build/bench/kernels/hycim_kernels_gpu_bench" "${reps[@]}" --benchmark_out="$out/gpu.json" >/dev/null 2>"$out/gpu.log"
  python3 "$here/ratios.py" gpu "$out/gpu.json"
else
  echo "GPU benchmark not built (no nvcc in this build)"
fi

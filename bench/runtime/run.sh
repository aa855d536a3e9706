#!/usr/bin/env bash
# Digits MLP inferences/s: fast tile model vs CPU executor; prints the rows of
# docs/benchmarks.md "## Runtime". Usage: bench/runtime/run.sh [BUILD_DIR] [REPETITIONS]
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
"$build/bench/runtime/runtime_bench" "$root" "${2:-5}"

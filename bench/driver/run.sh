#!/usr/bin/env bash
# Driver round trip and DMA throughput (docs/benchmarks.md "Driver").
# Usage: bench/driver/run.sh BUILD_DIR [iterations]
set -euo pipefail
build=${1:-build}
"$build/bench/driver/driver_bench" "$build/driver/daemon/hycimd" "${2:-20000}"

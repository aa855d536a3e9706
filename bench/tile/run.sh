#!/usr/bin/env bash
# Tile simulation speed; prints the figures and ratios recorded in docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
out=$(mktemp)
"$build/bench/tile/tile_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null
/usr/bin/python3 "$(dirname "$0")/summarize.py" "$out"
rm -f "$out"

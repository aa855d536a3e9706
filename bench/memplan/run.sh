#!/usr/bin/env bash
# GPU memory planner benchmarks (docs/benchmarks.md, "GPU memory planner").
# Usage: bench/memplan/run.sh BUILD_DIR
# Writes BUILD_DIR/memplan-bench/{budgets,max_batch}.jsonl and prints the
# markdown tables made from them. Takes about 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:?usage: bench/memplan/run.sh BUILD_DIR}
BENCH="$BUILD/bench/memplan/memplan_bench"
OUT="$BUILD/memplan-bench"
mkdir -p "$OUT"
"$BENCH" --fractions 0.9 0.7 0.5 0.3 --time-limit 10 > "$OUT/budgets.jsonl"
"$BENCH" --max-batch-gib 16 --time-limit 5 > "$OUT/max_batch.jsonl"
python3 bench/memplan/summarize.py "$OUT/budgets.jsonl" "$OUT/max_batch.jsonl"

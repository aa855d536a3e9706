#!/usr/bin/env bash
# Data-cache benchmarks: bench/data/run.sh BUILD_DIR
# Generates (once) under $HYCIM_DATA_BENCH_DIR (default /tmp/hycim-data-bench):
#   imagenet105: 50,000 files, log-normal sizes around 105 KB within 30-200 KB
#   small17:     200,000 files of about 17 KB
#   digits:      the 1,797 real 8x8 scans of python3-sklearn's digits, one PGM each
# then measures, per set: one file per sample (cold, warm), sequential read
# of the packed bytes (the limit), packed shards without prefetch, packed +
# prefetch (cold, warm), the prefetch hit rate under a simulated training
# step, clairvoyant vs LRU hit rates, the tier split against a throttled slow
# tier, and staging bandwidth. HYCIM_DATA_BENCH_SCALE=0.1 shrinks the
# generated sets (file counts) for a quick run. Results: results.jsonl and a
# Markdown summary on stdout.
set -euo pipefail
BUILD=$(realpath "${1:-build}")
cd "$(dirname "$0")/../.."
B=$BUILD/bench/data/hycim_data_bench
H=$BUILD/host-tools/hycim
ROOT=${HYCIM_DATA_BENCH_DIR:-/tmp/hycim-data-bench}
SCALE=${HYCIM_DATA_BENCH_SCALE:-1}
WORKERS=${HYCIM_DATA_BENCH_WORKERS:-8}
CACHE_MIB=${HYCIM_DATA_BENCH_CACHE_MIB:-1024}
mkdir -p "$ROOT"
OUT=$ROOT/results.jsonl
: > "$OUT"

count() { python3 -c "print(max(1000, int($1 * $SCALE)))"; }
# Drops the OS page cache when allowed (root, not in a restricted container).
drop() { sync; if echo 3 > /proc/sys/vm/drop_caches 2> /dev/null; then echo yes; else echo no; fi; }
# Runs one measurement and tags its JSON line with the set and cache state.
measure() {
  local set=$1 cache=$2
  shift 2
  "$B" "$@" | python3 -c "
import json, sys
for line in sys.stdin:
    j = json.loads(line); j.update(set='$set', cache='$cache'); print(json.dumps(j))" | tee -a "$OUT"
}

[ -d "$ROOT/src/imagenet105" ] || /usr/bin/python3 bench/data/gen_files.py "$ROOT/src/imagenet105" "$(count 50000)" 100 30 200 0.35
[ -d "$ROOT/src/small17" ] || /usr/bin/python3 bench/data/gen_files.py "$ROOT/src/small17" "$(count 200000)" 17 8 40 0.2
[ -d "$ROOT/src/digits" ] || /usr/bin/python3 bench/data/export_digits.py "$ROOT/src/digits"

for set in imagenet105 small17 digits; do
  SRC=$ROOT/src/$set DS=$ROOT/packed/$set
  [ -f "$DS/CURRENT" ] || "$H" data pack "$SRC" "$DS" --json > /dev/null
  d=$(drop)
  state=$([ "$d" = yes ] && echo cold || echo unknown)
  measure $set $state files "$SRC"
  measure $set warm files "$SRC"
  drop > /dev/null
  measure $set $state files "$SRC" "$WORKERS"
  measure $set warm files "$SRC" "$WORKERS"
  drop > /dev/null
  measure $set $state seq "$DS"
  measure $set warm seq "$DS"
  drop > /dev/null
  measure $set $state seq "$DS" 4
  measure $set warm seq "$DS" 4
  drop > /dev/null
  measure $set $state packed "$DS"
  measure $set warm packed "$DS"
  drop > /dev/null
  measure $set $state prefetch "$DS" "$WORKERS" "$CACHE_MIB"
  measure $set warm prefetch "$DS" "$WORKERS" "$CACHE_MIB"
  # Training step sized so the step consumes half the warm prefetch bandwidth.
  mbps=$(tail -1 "$OUT" | python3 -c "import json,sys; print(json.load(sys.stdin)['mb_per_s'])")
  bytes=$(tail -1 "$OUT" | python3 -c "import json,sys; j=json.load(sys.stdin); print(j['bytes']/j['samples']*256)")
  step=$(python3 -c "print(round($bytes / ($mbps * 1e6 / 2) * 1e3, 3))")
  measure $set warm train "$DS" "$WORKERS" "$CACHE_MIB" "$step" 150
  measure $set - hitrate "$DS"
  echo "{\"set\": \"$set\", \"drop_caches\": \"$d\"}" >> "$OUT"
done

# Tiers on the 17 KB set: 256-sample steps of 20 ms consume ~220 MB/s; the
# plan counts on 90% of the slow bandwidth, and once on all of it.
for cfg in "66 0.9" "66 1.0" "324 0.9"; do
  set -- $cfg
  measure small17 warm tiers "$ROOT/packed/small17" "$ROOT/fast-tier" "$1" 20 250 "$2"
done
drop > /dev/null
rm -rf "$ROOT/staged"
"$H" data stage "$ROOT/packed/imagenet105" "$ROOT/staged" --threads 4 --json |
  python3 -c "import json,sys; j=json.load(sys.stdin); j.update(mode='stage', set='imagenet105'); print(json.dumps(j))" | tee -a "$OUT"
rm -rf "$ROOT/staged"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 bench/data/summarize.py "$OUT"

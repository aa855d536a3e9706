#!/usr/bin/env bash
# SystemC device benchmark: bench/device/run.sh BUILD_DIR
# Builds hycim_device_bench in BUILD_DIR and runs the default GEMV stream
# (default tile config, 4 tiles, K=512 int8 MVMs) through the device and, as
# the same-run baseline, through the bare tiles (no SystemC, DMA or rings), for
# both tile kinds; 5 repetitions each (bare and device alternate), one process per run. Raw JSON lines go
# to BUILD_DIR/bench-device/results.jsonl; prints medians and ratios.
set -euo pipefail
build=${1:?usage: bench/device/run.sh BUILD_DIR}
cmake --build "$build" --parallel 2 --target hycim_device_bench >/dev/null
out="$build/bench-device"
mkdir -p "$out"
: >"$out/results.jsonl"
bin="$build/bench/device/hycim_device_bench"
for kind in model rtl; do
  n=50000
  [ "$kind" = rtl ] && n=1000
  for rep in 1 2 3 4 5; do
    for mode in bare device; do
      "$bin" --mode "$mode" --kind "$kind" --tiles 4 --commands "$n" >>"$out/results.jsonl"
    done
  done
done
python3 - "$out/results.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def med(kind, mode, key):
    return statistics.median(r[key] for r in runs if r["kind"] == kind and r["mode"] == mode)
def per_rep(kind, mode):
    # bare and device runs alternate, so rep i of each saw similar load
    a = [r["macs_per_wall_s"] for r in runs if r["kind"] == kind and r["mode"] == mode]
    b = [r["macs_per_wall_s"] for r in runs if r["kind"] == kind and r["mode"] == "bare"]
    return " ".join(f"{x / y:.2f}" for x, y in zip(a, b))
print(f"{'kind':<6}{'mode':<8}{'commands':>9}{'wall s':>9}{'sim us/wall s':>15}{'MAC/s':>12}{'MAC/s ratio':>12}  per-rep ratios")
for kind in ("model", "rtl"):
    base = med(kind, "bare", "macs_per_wall_s")
    for mode in ("bare", "device"):
        n = next(r["commands"] for r in runs if r["kind"] == kind and r["mode"] == mode)
        print(f"{kind:<6}{mode:<8}{n:>9}{med(kind, mode, 'wall_s'):>9.3f}"
              f"{med(kind, mode, 'sim_ns_per_wall_s') / 1e3:>15.1f}"
              f"{med(kind, mode, 'macs_per_wall_s'):>12.3e}{med(kind, mode, 'macs_per_wall_s') / base:>12.2f}"
              f"  {per_rep(kind, mode)}")
dev = [r for r in runs if r["mode"] == "device"]
sim = statistics.median(r["simulated_ns"] / r["commands"] for r in dev)
print(f"modelled device: {sim:.1f} ns per GEMV, {512 * 32 / sim:.1f} GMAC/s simulated")
PY

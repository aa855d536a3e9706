#!/usr/bin/env bash
# What the NVM fault model costs: bench/nvm/faults.sh BUILD_DIR [MODEL_DIR]
# Classifies the digits model on a fresh image three times each without a
# fault model, with rram faults and SEC-DED, and with rram faults and no ECC,
# in this one script, and prints medians and their ratios to the fault-free
# run: host inferences/s (the simulator's overhead), NVM programming cycles
# (write-verify's SYNC after each row and its extra pulses), device cycles
# and energy per inference. Then the ECC's own cost on one default tile
# (hycim_ecc_cost_bench): cycles, time and energy per 512x32 int8 MVM and per
# programmed row, and the tile's area, with and without SEC-DED.
set -euo pipefail
build=${1:?usage: bench/nvm/faults.sh BUILD_DIR [MODEL_DIR]}
model=${2:-models/digits}
hycim=$build/host-tools/hycim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {  # run NAME FLAGS...: three fresh images, one JSON line each
  local name=$1
  shift
  for i in 1 2 3; do
    "$hycim" classify "$model" --json --nvm "$tmp/$name-$i.nvm" "$@" | tr -d '\n'
    echo
  done >"$tmp/$name.jsonl"
}
run none
run secded --faults rram --ecc secded
run raw --faults rram --ecc none
/usr/bin/python3 - "$tmp" <<'PY'
import json, statistics, sys
d = sys.argv[1]
rows = {n: [json.loads(l) for l in open(f"{d}/{n}.jsonl")] for n in ("none", "secded", "raw")}
keys = [("device_inferences_per_s", "host inferences/s"),
        ("program_cycles", "NVM programming cycles"),
        ("cycles_per_inference", "device cycles per inference"),
        ("energy_nj_per_inference", "energy nJ per inference")]
base = {k: statistics.median(r[k] for r in rows["none"]) for k, _ in keys}
print(f"{'':30} {'no faults':>12} {'rram+secded':>12} {'ratio':>7} {'rram, no ECC':>12} {'ratio':>7}")
for k, label in keys:
    a = statistics.median(r[k] for r in rows["secded"])
    b = statistics.median(r[k] for r in rows["raw"])
    print(f"{label:30} {base[k]:12.1f} {a:12.1f} {a / base[k]:7.3f} {b:12.1f} {b / base[k]:7.3f}")
PY
"$build/bench/nvm/hycim_ecc_cost_bench"

#!/usr/bin/env bash
# What spare rows buy on a die with many defective cells:
#   bench/nvm/spares.sh BUILD_DIR [MODEL_DIR] [STUCK_RATE]
# The rram preset with its stuck-at-0 and stuck-at-1 rates raised to
# STUCK_RATE each (default 2e-4: a row of 266 cells then holds a stuck cell
# one time in ten), and 0, 4, 8 and 16 spare rows per tile. For each: load the
# model on a fresh image (write-verify; a row that still fails moves to a
# spare), age it 10 years at 150 C powered with a daily scrub, classify
# the test set on the aged cells (--trust-resident), and print whether it
# loaded, spares used, rows the scrubs programmed, rows uncorrectable and the
# accuracy beside the same model on a device without faults (same script).
set -euo pipefail
build=${1:?usage: bench/nvm/spares.sh BUILD_DIR [MODEL_DIR] [STUCK_RATE]}
model=${2:-models/digits}
rate=${3:-2e-4}
hycim=$build/host-tools/hycim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp/defects.json" "$rate" <<'PY'
import json, sys
m = json.load(open("spec/faults/rram.json"))
m["name"] = "rram_defects"
for k in ("stuck_at_0", "stuck_at_1"):
    m[k] = {"value": float(sys.argv[2]), "source": "bench/nvm/spares.sh: a defect-heavy die"}
json.dump(m, open(sys.argv[1], "w"))
PY
"$hycim" classify "$model" --json >"$tmp/clean.json"
for spares in 0 4 8 16; do
  img=$tmp/s$spares.nvm
  if ! "$hycim" classify "$model" --json --nvm "$img" --faults "$tmp/defects.json" --ecc secded \
    --fault-seed 1 --spare-rows "$spares" >"$tmp/load$spares.json" 2>"$tmp/load$spares.err"; then
    echo "{}" >"$tmp/load$spares.json"
    continue
  fi
  "$hycim" nvm age --nvm "$img" --time 10y --temp 150 --scrub 1d --json >"$tmp/age$spares.json"
  "$hycim" classify "$model" --json --trust-resident --nvm "$img" >"$tmp/aged$spares.json" \
    2>"$tmp/aged$spares.err"
  "$hycim" info --device "sim://?nvm=$img" --json >"$tmp/info$spares.json"
done
/usr/bin/python3 - "$tmp" <<'PY'
import json, os, sys
d = sys.argv[1]
clean = json.load(open(f"{d}/clean.json"))["device_accuracy"]
print(f"{'spares/tile':>11} {'loads':>6} {'spares used':>11} {'rows scrubbed':>13} "
      f"{'uncorrectable':>13} {'accuracy':>9} {'vs no faults':>12}")
for s in (0, 4, 8, 16):
    if not json.load(open(f"{d}/load{s}.json")):
        err = open(f"{d}/load{s}.err").read().strip().splitlines()[-1]
        print(f"{s:>11} {'no':>6}   ({err.split(': ', 2)[-1]})")
        continue
    age = json.load(open(f"{d}/age{s}.json"))
    acc = json.load(open(f"{d}/aged{s}.json"))["device_accuracy"]
    tiles = json.load(open(f"{d}/info{s}.json"))["devices"][0]["nvm"]["ecc"]["tiles"]
    used = sum(t["nvm_spare_rows_used"] for t in tiles)
    print(f"{s:>11} {'yes':>6} {used:>11} {age['scrubbed']:>13} {len(age['uncorrectable']):>13} "
          f"{acc:9.4f} {acc / clean:12.4f}")
PY

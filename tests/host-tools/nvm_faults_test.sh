#!/usr/bin/env bash
# NVM faults from the CLI: a model classified on a device with a fault model
# and an image; `hycim nvm age` ages the image and lists the rows the ECC
# cannot correct; the aged device still classifies exactly (the runtime
# reprograms a refused block and says so); without ECC the same ageing goes
# unseen by the device; scrubbing (powered ageing, `nvm scrub`) keeps rows
# correctable; bad durations, a device without an image and a
# second fault setup on the same image are refused with exit 2 or 1 and the
# problem named.
# Usage: nvm_faults_test.sh HYCIM MODEL_DIR
set -euo pipefail
hycim=$1
model=$2
source "$(dirname "$0")/test_lib.sh"
acc() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["device_accuracy"])' "$1"; }

# 1. Fresh: programmed through write-verify; then 10 years at 150 C.
"$hycim" classify "$model" --json --nvm "$tmp/a.nvm" --faults rram --ecc secded >"$tmp/fresh.json"
"$hycim" nvm age --nvm "$tmp/a.nvm" --time 10y --temp 150 --json >"$tmp/scan.json"
"$py" - "$tmp/scan.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["nvm_rows"] == 2048 and s["rows"] == 576, s  # the digits model's rows
bad = s["uncorrectable"]
assert 30 < len(bad) < 300, len(bad)  # rram at 150 C for 10 years: a fifth or so of the rows
assert all(0 <= b["tile"] < 4 and 0 <= b["row"] < 512 for b in bad)
PY
# The scan alone reads the same (ageing is done once, at that open).
"$hycim" nvm scan --nvm "$tmp/a.nvm" --json >"$tmp/scan2.json"
cmp <("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["uncorrectable"])' "$tmp/scan.json") \
    <("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["uncorrectable"])' "$tmp/scan2.json") \
  || fail "a scan after nvm age differs from the one it printed"

# 2. The aged cells used as they are: refused blocks reprogrammed, said on
#    stderr, and the accuracy is the fresh device's.
"$hycim" classify "$model" --json --trust-resident --nvm "$tmp/a.nvm" >"$tmp/aged.json" 2>"$tmp/aged.err"
grep -q "held an error the ECC cannot correct; reprogrammed" "$tmp/aged.err" \
  || fail "no block was reprogrammed: $(cat "$tmp/aged.err")"
[ "$(acc "$tmp/fresh.json")" = "$(acc "$tmp/aged.json")" ] \
  || fail "accuracy $(acc "$tmp/aged.json") after ageing with ECC, $(acc "$tmp/fresh.json") fresh"

# 3. Without ECC the device sees nothing wrong, and the answers change.
"$hycim" classify "$model" --json --nvm "$tmp/b.nvm" --faults rram --ecc none >/dev/null
"$hycim" nvm age --nvm "$tmp/b.nvm" --time 10y --temp 150 --json >"$tmp/scan_b.json"
"$py" -c 'import json,sys; assert json.load(open(sys.argv[1]))["uncorrectable"] == []' "$tmp/scan_b.json"
"$hycim" classify "$model" --json --trust-resident --nvm "$tmp/b.nvm" >"$tmp/aged_b.json" 2>"$tmp/aged_b.err"
! grep -q "reprogrammed" "$tmp/aged_b.err" || fail "without ECC nothing can be refused"
[ "$(acc "$tmp/fresh.json")" != "$(acc "$tmp/aged_b.json")" ] \
  || fail "ten years at 150 C without ECC left the accuracy as it was"

# 4. Scrubbing: the same ten years powered, scrubbed daily, leave no row
#    uncorrectable; `nvm scrub` programs again the rows a year unpowered left
#    with one bad bit, and a second scrub finds none.
"$hycim" classify "$model" --json --nvm "$tmp/s.nvm" --faults rram --ecc secded >/dev/null
"$hycim" nvm age --nvm "$tmp/s.nvm" --time 10y --temp 150 --scrub 1d --json >"$tmp/scan_s.json"
"$py" -c 'import json,sys; s = json.load(open(sys.argv[1])); assert s["rows"] == 576 and s["uncorrectable"] == [] and s["scrubbed"] > 0, s' "$tmp/scan_s.json"
"$hycim" nvm age --nvm "$tmp/s.nvm" --time 1y --temp 150 >/dev/null
"$hycim" nvm scrub --nvm "$tmp/s.nvm" >"$tmp/scrub1.txt"
"$hycim" nvm scrub --nvm "$tmp/s.nvm" >"$tmp/scrub2.txt"
programs() { sed -n 's/^scrubbed 4 tiles: \([0-9]*\) rows programmed again .*/\1/p' "$1"; }
[ "$(programs "$tmp/scrub1.txt")" -gt 0 ] || fail "nvm scrub programmed nothing: $(cat "$tmp/scrub1.txt")"
[ "$(programs "$tmp/scrub2.txt")" = 0 ] || fail "a second scrub still found errors: $(cat "$tmp/scrub2.txt")"
expect_error 2 "the interval must be above 0" "$hycim" nvm age --nvm "$tmp/s.nvm" --time 1y --scrub 0s

# 5. Refusals.
expect_error 2 "expected a number and a unit" "$hycim" nvm age --nvm "$tmp/a.nvm" --time 10years
expect_error 2 "not a sim:// device with an NVM image" "$hycim" nvm age --time 1y
expect_error 1 "was created with faults rram (seed 1, ecc secded)" \
  "$hycim" nvm scan --nvm "$tmp/a.nvm" --faults pcm
expect_error 1 "device.faults.model" "$hycim" nvm scan --nvm "$tmp/c.nvm" --faults flash
echo "nvm faults CLI: OK"

#!/usr/bin/env bash
# The NVM's ECC counters from the CLI: a model programmed on a device with
# the rram fault model (seed 1, SECDED), aged a year at 150 C; `hycim nvm
# verify` reports what the ECC corrected on its reads, per tile, the same
# in-process and through hycimd (the fault draws are a function of the seed);
# `hycim info` on the daemon shows the fault setup and every tile's counters
# since it started, which are exactly the verify's, and twice them after a
# second verify. A device without a fault model prints no ECC lines. Spare
# rows: `hycim info` shows a device's spare rows per tile and the spares each
# tile used; on a fault model whose stuck cells make rows fail write-verify,
# the rows moved to spares are the same in-process and through hycimd.
# Usage: nvm_ecc_test.sh HYCIM HYCIMD MODEL_DIR
set -euo pipefail
hycim=$1
hycimd=$2
model=$3
source "$(dirname "$0")/test_lib.sh"
field() { "$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

"$hycim" classify "$model" --json --nvm "$tmp/a.nvm" --faults rram --ecc secded --fault-seed 1 \
  >/dev/null
"$hycim" nvm age --nvm "$tmp/a.nvm" --time 1y --temp 150 >/dev/null

# 1. In-process: the counters of the reads verify made. A year at 150 C
#    leaves single bad bits the ECC corrects on every tile, none it refuses
#    in the resident blocks (the aged rows it cannot correct are free rows).
"$hycim" nvm verify --nvm "$tmp/a.nvm" >"$tmp/verify.txt"
grep -qx "7 blocks checked, 0 mismatched" "$tmp/verify.txt" || fail "$(cat "$tmp/verify.txt")"
grep -qx "ECC on these reads: 57 corrected, 0 uncorrectable" "$tmp/verify.txt" \
  || fail "verify's ECC line: $(cat "$tmp/verify.txt")"
grep -qx "  tile 3: 5 corrected, 0 uncorrectable" "$tmp/verify.txt" \
  || fail "verify's tile 3: $(cat "$tmp/verify.txt")"
grep -qx "Spare rows: 0 rows remapped, 0 spares used during the run" "$tmp/verify.txt" \
  || fail "verify's spare rows: $(cat "$tmp/verify.txt")"
"$hycim" nvm verify --nvm "$tmp/a.nvm" --json >"$tmp/verify.json"
[ "$(field "$tmp/verify.json" '[t["ecc_corrected"] for t in j["ecc"]["tiles"]]')" = "[23, 18, 11, 5]" ] \
  || fail "per-tile corrections: $(cat "$tmp/verify.json")"
[ "$(field "$tmp/verify.json" 'j["ecc"]["total"]')" = \
  "{'ecc_corrected': 57, 'ecc_uncorrectable': 0, 'nvm_program_retries': 0, 'nvm_remapped_rows': 0, 'nvm_scrubbed_rows': 0, 'nvm_spare_rows_used': 0}" ] \
  || fail "verify's totals: $(cat "$tmp/verify.json")"
[ "$(field "$tmp/verify.json" '(j["checked"], j["mismatched"])')" = "(7, 0)" ] || fail "verify.json"

# 2. The same image behind hycimd: the same counts, and `hycim info` shows the
#    device's own counters since it started.
"$hycimd" --socket "$tmp/sock" --nvm-image "$tmp/a.nvm" 2>"$tmp/hycimd.log" &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; rm -rf "$tmp"' EXIT
dev="unix://$tmp/sock"
for _ in $(seq 100); do "$hycim" info --device "$dev" >/dev/null 2>&1 && break; sleep 0.1; done
"$hycim" info --device "$dev" --json >"$tmp/info0.json"
[ "$(field "$tmp/info0.json" 'j["devices"][0]["nvm"]["ecc"]["total"]["ecc_corrected"]')" = 0 ] \
  || fail "a fresh daemon has counted: $(cat "$tmp/info0.json")"
"$hycim" nvm verify --device "$dev" --json >"$tmp/verify_d.json"
[ "$(field "$tmp/verify_d.json" 'j["ecc"]')" = "$(field "$tmp/verify.json" 'j["ecc"]')" ] \
  || fail "the daemon's verify counted otherwise: $(cat "$tmp/verify_d.json")"
"$hycim" info --device "$dev" --json >"$tmp/info.json"
[ "$(field "$tmp/info.json" 'j["devices"][0]["nvm"]["ecc"]')" = "$(field "$tmp/verify.json" 'j["ecc"]')" ] \
  || fail "info's counters are not the verify's: $(cat "$tmp/info.json")"
[ "$(field "$tmp/info.json" 'j["devices"][0]["nvm"]["faults"]')" = \
  "{'ecc': 'secded', 'model': 'rram', 'seed': 1, 'spare_rows': 0, 'temp_c': 85.0, 'verify_retries': 3}" ] \
  || fail "info's fault setup: $(cat "$tmp/info.json")"
"$hycim" info --device "$dev" >"$tmp/info.txt"
grep -qF "faults rram (seed 1, ecc secded) at 85 C, up to 3 write-verify retries, 0 spare rows per tile" \
  "$tmp/info.txt" || fail "info's fault line: $(cat "$tmp/info.txt")"
grep -qE "^ +3 +5 +0 +0 +0 +0 +0/0$" "$tmp/info.txt" || fail "info's tile 3 row: $(cat "$tmp/info.txt")"
grep -qE "^ +total +57 +0 +0 +0 +0 +0/0$" "$tmp/info.txt" || fail "info's totals: $(cat "$tmp/info.txt")"
"$hycim" nvm verify --device "$dev" >/dev/null
"$hycim" info --device "$dev" --json >"$tmp/info2.json"
[ "$(field "$tmp/info2.json" 'j["devices"][0]["nvm"]["ecc"]["total"]["ecc_corrected"]')" = 114 ] \
  || fail "a second verify does not add up: $(cat "$tmp/info2.json")"

# 3. No fault model: no ECC lines, null faults, zero counters for every tile.
"$hycim" info --device "sim://?config=small&tiles=2" >"$tmp/plain.txt"
! grep -q "ECC\|faults" "$tmp/plain.txt" || fail "ECC lines without faults: $(cat "$tmp/plain.txt")"
"$hycim" info --device "sim://?config=small&tiles=2" --json >"$tmp/plain.json"
[ "$(field "$tmp/plain.json" '(j["devices"][0]["nvm"]["faults"], len(j["devices"][0]["nvm"]["ecc"]["tiles"]), j["devices"][0]["nvm"]["ecc"]["total"]["ecc_corrected"])')" = "(None, 2, 0)" ] \
  || fail "info without faults: $(cat "$tmp/plain.json")"

# 4. Spare rows on a fresh device (spares=4, 2 tiles): the fault line names
#    them, the totals row shows none of the 8 used, the JSON has the fields
#    by their C names.
spare_dev="sim://?config=small&tiles=2&faults=rram&fault_seed=1&ecc=secded&spares=4&nvm=$tmp/s.nvm"
"$hycim" info --device "$spare_dev" >"$tmp/spare.txt"
grep -qF "faults rram (seed 1, ecc secded) at 85 C, up to 3 write-verify retries, 4 spare rows per tile" \
  "$tmp/spare.txt" || fail "info's fault line with spares: $(cat "$tmp/spare.txt")"
grep -qE "^ +total +0 +0 +0 +0 +0 +0/8$" "$tmp/spare.txt" \
  || fail "info's totals with spares: $(cat "$tmp/spare.txt")"
"$hycim" info --device "$spare_dev" --json >"$tmp/spare.json"
[ "$(field "$tmp/spare.json" '(j["devices"][0]["nvm"]["faults"]["spare_rows"], [(t["nvm_remapped_rows"], t["nvm_spare_rows_used"]) for t in j["devices"][0]["nvm"]["ecc"]["tiles"]])')" = \
  "(4, [(0, 0), (0, 0)])" ] || fail "info's spare fields: $(cat "$tmp/spare.json")"

# 5. Stuck cells (the same in every pulse) make some rows fail write-verify:
#    the model programmed in-process and through hycimd moves the same rows
#    to spares, tile by tile. The daemon counts them since it started
#    (remapped = spares used: its image started with none); a later process
#    on the in-process image sees the spares used and no move of its own.
printf '%s\n' '{"name": "stuck", "stuck_at_0": 2.5e-5, "stuck_at_1": 2.5e-5, "read_disturb": 0,' \
  ' "write_error_rate": 0, "endurance": 1e9,' \
  ' "retention": {"ea_ev": 1.0, "ber": 1e-30, "time_s": 1e9, "temp_c": 85}}' >"$tmp/stuck.json"
"$hycim" classify "$model" --json \
  --device "sim://?nvm=$tmp/b.nvm&faults=$tmp/stuck.json&fault_seed=3&ecc=secded&spares=4" >/dev/null
"$hycimd" --socket "$tmp/sock2" --nvm-image "$tmp/c.nvm" --faults "$tmp/stuck.json" \
  --fault-seed 3 --ecc secded --spare-rows 4 2>"$tmp/hycimd2.log" &
daemon2=$!
trap 'kill "$daemon" "$daemon2" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
dev2="unix://$tmp/sock2"
for _ in $(seq 100); do "$hycim" info --device "$dev2" >/dev/null 2>&1 && break; sleep 0.1; done
"$hycim" classify "$model" --json --device "$dev2" >/dev/null
"$hycim" info --device "$dev2" --json >"$tmp/stuck_d.json"
"$hycim" info --device "sim://?nvm=$tmp/b.nvm" --json >"$tmp/stuck_s.json"
moves() { field "$1" '[(t["nvm_remapped_rows"], t["nvm_spare_rows_used"]) for t in j["devices"][0]["nvm"]["ecc"]["tiles"]]'; }
daemon_moves=$(moves "$tmp/stuck_d.json")
sim_moves=$(moves "$tmp/stuck_s.json")
"$py" -c '
import ast, sys
daemon, sim = ast.literal_eval(sys.argv[1]), ast.literal_eval(sys.argv[2])
assert all(r == s for r, s in daemon), "the daemon moved other rows than it used spares for"
assert sum(r for r, _ in daemon) > 0, "no row failed write-verify"
assert [s for _, s in daemon] == [s for _, s in sim], "other spares used in-process"
assert all(r == 0 for r, _ in sim), "a fresh process counted moves it did not make"
' "$daemon_moves" "$sim_moves" \
  || fail "spare rows through hycimd $daemon_moves, in-process $sim_moves (remapped, spares used)"
"$hycim" nvm verify --device "$dev2" >"$tmp/verify2.txt"
grep -qx "Spare rows: 0 rows remapped, 0 spares used during the run" "$tmp/verify2.txt" \
  || fail "verify moved rows: $(cat "$tmp/verify2.txt")"
echo "nvm ECC counters CLI: OK"

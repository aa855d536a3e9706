#!/usr/bin/env bash
# `hycim sim` end to end: one layer's MACs and per-tile MVM cycles against the
# cycle formula of docs/device.md (tile parameters read from its generated
# table), a sweep as CSV, the exit codes and messages of bad input, and the
# same cycles on RTL tiles when this binary has them. Usage: sim_test.sh HYCIM SOURCE_DIR
set -euo pipefail
hycim=$1
src=$2
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A parameter of the small tile from docs/device.md's generated table
# (| `LANES` | meaning | small | default |).
param() {
  awk -F'|' -v p="\`$1\`" '{ gsub(/ /, "", $2) } $2 == p { gsub(/ /, "", $4); print $4; exit }' \
    "$src/docs/device.md"
}
lanes=$(param LANES)
rpc=$(param ROWS_PER_CYCLE)
nvm_rows=$(param NVM_ROWS)
sram_rows=$(param SRAM_ROWS)
[ -n "$lanes" ] && [ -n "$rpc" ] && [ -n "$nvm_rows" ] && [ -n "$sram_rows" ] ||
  fail "could not read the small tile's parameters from docs/device.md"
max_k=$(( nvm_rows < sram_rows * lanes ? nvm_rows : sram_rows * lanes ))
ceil() { echo $(( ($1 + $2 - 1) / $2 )); }
# Completion cycles of one device MVM of c inputs (docs/device.md): the input
# rows written, then the tile MVM 1 + ceil(c/LANES) + xbits * ceil(c/ROWS_PER_CYCLE).
mvm() { echo $(( $(ceil "$1" "$lanes") + 1 + $(ceil "$1" "$lanes") + 8 * $(ceil "$1" "$rpc") )); }

# field FILE EXPR: a value of the first row of a JSON array (EXPR in Python).
field() { "$py" -c "import json,sys; r=json.load(open(sys.argv[1]))[0]; print($2)" "$1"; }

# 1. One layer on 2 small tiles: K fits one row block, N = 2 lane blocks, one per tile.
m=3 k=20 n=13
[ "$k" -le "$max_k" ] || fail "test shape: K=$k does not fit one row block of $max_k"
"$hycim" sim --layer ${m}x${k}x${n} --config small --tiles 2 --format json >"$tmp/a.json" ||
  fail "sim ${m}x${k}x${n} on 2 small tiles: exit $?"
c=$(( m * $(mvm $k) ))
[ "$(field "$tmp/a.json" 'r["status"]')" = ok ] || fail "status: $(cat "$tmp/a.json")"
[ "$(field "$tmp/a.json" 'r["macs"]')" = $(( m * k * n )) ] || fail "macs: $(cat "$tmp/a.json")"
[ "$(field "$tmp/a.json" 'r["mvm_cycles_per_tile"]')" = "[$c, $c]" ] ||
  fail "per-tile cycles, expected [$c, $c]: $(cat "$tmp/a.json")"
[ "$(field "$tmp/a.json" 'r["mvm_cycles"], r["blocks"], r["tiles_used"]')" = "$c 2 2" ] ||
  fail "cycles/blocks/tiles: $(cat "$tmp/a.json")"

# 2. 2 row blocks x 2 lane blocks on 4 small tiles (4 blocks, one per tile).
m=4 k=$(( max_k + 8 )) n=$(( lanes + 5 ))
"$hycim" sim --layer ${m}x${k}x${n} --config small --tiles 4 --format json >"$tmp/b.json" ||
  fail "sim ${m}x${k}x${n} on 4 small tiles: exit $?"
big=$(( m * $(mvm $max_k) )) small=$(( m * $(mvm 8) ))
expect="[$big, $big, $small, $small]"
[ "$(field "$tmp/b.json" 'r["mvm_cycles_per_tile"]')" = "$expect" ] ||
  fail "per-tile cycles, expected $expect: $(cat "$tmp/b.json")"
[ "$(field "$tmp/b.json" 'r["macs"], r["row_blocks"], r["lane_blocks"], r["mvm_cycles"]')" = \
  "$(( m * k * n )) 2 2 $big" ] || fail "macs/blocks: $(cat "$tmp/b.json")"
"$py" -c "import json,sys; r=json.load(open(sys.argv[1]))[0]
assert r['sim_ns'] > 0 and r['energy_pj'] > 0 and r['program_rows'] == $(( k * 2 )), r
assert r['program_cycles'] > 0 and r['program_energy_pj'] > 0, r
u = r['macs'] / (r['mvm_cycles'] * r['tiles'] * r['lanes'] * r['rows_per_cycle'] / 8)
assert abs(r['utilization'] - u) < 1e-9 and 0 < u <= 1, r" "$tmp/b.json" ||
  fail "derived fields: $(cat "$tmp/b.json")"

# 3. A sweep: 4 points in CSV, with the header. 3x16x13 fits one small tile
# (2 lane blocks of 16 rows): on 1 tile both blocks share it, on 2 they overlap.
"$hycim" sim --layer 3x16x13 --sweep config=small,default --sweep tiles=1,2 --format csv \
  >"$tmp/s.csv" || fail "sweep: exit $?: $(cat "$tmp/s.csv")"
head -1 "$tmp/s.csv" | grep -q '^status,layer,m,k,n,device,config,tile,tiles,' ||
  fail "CSV header: $(head -1 "$tmp/s.csv")"
[ "$(wc -l <"$tmp/s.csv")" -eq 5 ] || fail "sweep rows: $(cat "$tmp/s.csv")"
"$py" - "$tmp/s.csv" $(( 3 * $(mvm 16) )) <<'PY' || fail "sweep CSV: $(cat "$tmp/s.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = [(r["config"], r["tiles"], r["status"]) for r in rows]
assert got == [("small", "1", "ok"), ("small", "2", "ok"), ("default", "1", "ok"),
               ("default", "2", "ok")], got
c = int(sys.argv[2])
assert rows[0]["mvm_cycles_per_tile"] == f"{2 * c}", rows[0]
assert rows[1]["mvm_cycles_per_tile"] == f"{c} {c}", rows[1]
assert all(r["macs"] == str(3 * 16 * 13) and r["error"] == "" for r in rows), rows
PY
# The table has the same rows.
"$hycim" sim --layer 3x16x13 --sweep tiles=1,2 --config small >"$tmp/t.txt" ||
  fail "sweep table: exit $?"
[ "$(grep -c '^ok  *3x16x13  *small ' "$tmp/t.txt")" -eq 2 ] || fail "table: $(cat "$tmp/t.txt")"

# A failing point is a row with its error, not a crash; the exit code says so.
rc=0
"$hycim" sim --layer 4x${k}x${n} --config small --sweep tiles=2,4 --format json >"$tmp/f.json" \
  2>"$tmp/f.err" || rc=$?
[ "$rc" -eq 1 ] || fail "sweep with a failing point: exit $rc"
"$py" -c "import json,sys; r=json.load(open(sys.argv[1]))
assert [x['status'] for x in r] == ['error', 'ok'], r
assert 'NVM rows' in r[0]['error'], r" "$tmp/f.json" || fail "failed point row: $(cat "$tmp/f.json")"
grep -q "1 of 2 sweep points failed" "$tmp/f.err" || fail "sweep message: $(cat "$tmp/f.err")"

# 4. Bad input: exit 2 (usage) or 1 (the device refused), a message naming the problem.
expect_error() {
  local code=$1 pattern=$2; shift 2
  local err rc=0
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" -eq "$code" ] || fail "$*: exit $rc, expected $code ($err)"
  grep -q -- "$pattern" <<<"$err" || fail "$*: '$err' lacks '$pattern'"
}
expect_error 2 "K is 0" "$hycim" sim --layer 64x0x3
expect_error 2 "'abc': expected MxKxN" "$hycim" sim --layer abc
expect_error 2 "N 'q' is not a positive integer" "$hycim" sim --layer 4x4xq
expect_error 2 "unknown key 'voltage'" "$hycim" sim --layer 4x4x4 --sweep voltage=1,2
expect_error 2 "value 'huge' is not a named tile configuration" "$hycim" sim --layer 4x4x4 --sweep config=small,huge
expect_error 2 "value '0' is not a tile count" "$hycim" sim --layer 4x4x4 --sweep tiles=0
expect_error 2 "value 'fpga' is not a tile kind" "$hycim" sim --layer 4x4x4 --sweep tile=fpga
expect_error 2 "needs a sim:// device" "$hycim" sim --layer 4x4x4 --device unix:///nonexistent --sweep tiles=1
expect_error 1 "W needs 80 NVM rows" "$hycim" sim --layer 4x${k}x${n} --config small --tiles 2

# 5. RTL tiles (when this binary has them): the same cycles as the model.
if "$hycim" info --device 'sim://?tile=rtl' >/dev/null 2>&1; then
  "$hycim" sim --layer 4x${k}x${n} --config small --tiles 4 --tile rtl --format json >"$tmp/r.json" ||
    fail "sim on RTL tiles: exit $?"
  for f in mvm_cycles_per_tile program_cycles sim_ns energy_pj; do
    [ "$(field "$tmp/r.json" "r['$f']")" = "$(field "$tmp/b.json" "r['$f']")" ] ||
      fail "RTL $f differs from the model: $(cat "$tmp/r.json")"
  done
  [ "$(field "$tmp/r.json" 'r["tile"]')" = rtl ] || fail "RTL row: $(cat "$tmp/r.json")"
else
  echo "no RTL tiles in this binary: RTL check skipped"
fi
echo "hycim sim: all checks passed"

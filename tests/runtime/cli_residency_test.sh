#!/usr/bin/env bash
# NVM residency across processes, through the CLI: `hycim load` programs a
# model's weights into a device with an NVM image; later processes (load,
# run, classify) find every block resident and program nothing; `nvm
# list|verify|erase` show and manage the catalog; a full NVM evicts the least
# recently used model, logged; two owners share or keep apart their weights
# (load --share, nvm list's owner and access, info's owner); a device group
# keeps a catalog per member; `trace` writes a Chrome trace.
# Usage: cli_residency_test.sh HYCIM SOURCE_DIR
set -euo pipefail
hycim=$1
src=$2
m=$src/models/digits
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
field() { $py -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }

img=$tmp/nvm.img
"$hycim" load "$m/model.onnx" --nvm "$img" --json >"$tmp/l1.json"
[ "$(field "$tmp/l1.json" "['blocks_programmed']")" = 7 ] || fail "first load: $(cat "$tmp/l1.json")"
[ "$(field "$tmp/l1.json" "['blocks_found']")" = 0 ] || fail "first load found blocks"

"$hycim" load "$m/model.onnx" --nvm "$img" --json >"$tmp/l2.json"
[ "$(field "$tmp/l2.json" "['blocks_programmed']")" = 0 ] || fail "second load programmed: $(cat "$tmp/l2.json")"
[ "$(field "$tmp/l2.json" "['rows_found']")" = 576 ] || fail "second load: $(cat "$tmp/l2.json")"

"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --nvm "$img" --json >"$tmp/r.json"
[ "$(field "$tmp/r.json" "['nvm']['blocks_programmed']")" = 0 ] || fail "run programmed: $(cat "$tmp/r.json")"
[ "$(field "$tmp/r.json" "['program_cycles']")" = 576 ] || fail "run: reading 576 rows back is 576 cycles"

"$hycim" nvm list --nvm "$img" --json >"$tmp/list.json"
[ "$(field "$tmp/list.json" "['rows_used']")" = 576 ] || fail "nvm list: $(cat "$tmp/list.json")"
[ "$(field "$tmp/list.json" "['rows_free']")" = 1472 ] || fail "nvm list free: $(cat "$tmp/list.json")"
"$hycim" nvm list --nvm "$img" | grep -q "576 of 2048 NVM rows used (28.1%), 1472 free" ||
  fail "nvm list utilization: $("$hycim" nvm list --nvm "$img")"
"$hycim" nvm verify --nvm "$img" | grep -q "7 blocks checked, 0 mismatched" || fail "nvm verify"

# Erase one block (and wipe its rows): the next run programs exactly that one.
hash=$(field "$tmp/list.json" "['blocks'][0]['hash']")
"$hycim" nvm erase --hash "${hash:0:16}" --wipe --nvm "$img" | grep -q "1 blocks erased" || fail "erase"
"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --nvm "$img" --json >"$tmp/r2.json"
[ "$(field "$tmp/r2.json" "['nvm']['blocks_programmed']")" = 1 ] || fail "after erase: $(cat "$tmp/r2.json")"

# Eviction: one small tile holds 32 rows; models a, b, c need 16 each.
$py "$src/tests/runtime/make_tiny_models.py" "$tmp"
small="sim://?config=small&tiles=1&nvm=$tmp/small.img"
"$hycim" load "$tmp/a.onnx" --device "$small" >/dev/null
"$hycim" load "$tmp/b.onnx" --device "$small" >/dev/null
err=$("$hycim" load "$tmp/c.onnx" --device "$small" 2>&1 >/dev/null) || fail "load c: $err"
grep -q "evicting 'a.onnx:0:mm k\[0,16) n\[0,8)' ([0-9a-f]*) from tile 0 rows 0..15" <<<"$err" || fail "eviction log: '$err'"
"$hycim" nvm list --device "$small" | grep -q "b.onnx" || fail "b was evicted"
"$hycim" run "$tmp/c.onnx" -i "$tmp/x.npy" --device "$small" --json >"$tmp/c.json"
[ "$(field "$tmp/c.json" "['nvm']['blocks_found']")" = 1 ] || fail "c not resident"

# Results do not depend on residency: the same outputs as the CPU executor's
# integer path would give are checked elsewhere; here, resident == fresh.
"$hycim" run "$tmp/a.onnx" -i "$tmp/x.npy" --device "$small" -o "$tmp/a1.npy" >/dev/null
"$hycim" run "$tmp/a.onnx" -i "$tmp/x.npy" --config small --tiles 1 -o "$tmp/a2.npy" >/dev/null
cmp -s "$tmp/a1.npy" "$tmp/a2.npy" || fail "resident and fresh outputs differ"

# A damaged catalog is refused by name and left as it is.
echo '{"format": "hycim-resident-catalog",' >"$img.resident.json"
rc=0
err=$("$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --nvm "$img" 2>&1 >/dev/null) || rc=$?
[ "$rc" -ne 0 ] && grep -q "resident.json: not valid JSON" <<<"$err" || fail "damaged catalog: '$err'"

# On a terminal, load draws a progress bar over the nodes, ending 5/5.
if command -v script >/dev/null; then
  script -qc "'$hycim' load '$m/model.onnx' --nvm '$tmp/tty.img'" /dev/null >"$tmp/tty.out" 2>&1
  tr '\r' '\n' <"$tmp/tty.out" | grep -q "^load \[#\{30\}\] 100% 5/5" || fail "progress bar: $(cat "$tmp/tty.out")"
fi

# Owners (docs/runtime.md "Residency"): alice shares a's weights read-only;
# bob finds them resident, programs nothing and cannot erase them; info and
# nvm list show each context's owner and row access; alice's erase releases
# the rows for bob.
alice="sim://?config=small&tiles=1&nvm=$tmp/own.img&owner=alice"
bob="sim://?config=small&tiles=1&nvm=$tmp/own.img&owner=bob"
"$hycim" load "$tmp/a.onnx" --device "$alice" --share --json >"$tmp/o1.json"
[ "$(field "$tmp/o1.json" "['rows_programmed']")" = 16 ] || fail "alice load: $(cat "$tmp/o1.json")"
"$hycim" load "$tmp/a.onnx" --device "$bob" --json >"$tmp/o2.json"
[ "$(field "$tmp/o2.json" "['blocks_found']")" = 1 ] && [ "$(field "$tmp/o2.json" "['rows_programmed']")" = 0 ] ||
  fail "bob load of shared weights: $(cat "$tmp/o2.json")"
"$hycim" nvm list --device "$bob" --json >"$tmp/o3.json"
[ "$(field "$tmp/o3.json" "['blocks'][0]['access']")" = shared ] || fail "bob's list: $(cat "$tmp/o3.json")"
field "$tmp/o3.json" "['blocks'][0]['owner']" | grep -q "/alice$" || fail "block owner: $(cat "$tmp/o3.json")"
field "$tmp/o3.json" "['owner']" | grep -q "/bob$" || fail "list owner: $(cat "$tmp/o3.json")"
"$hycim" nvm list --device "$alice" | grep -q " mine-shared .*/alice .*a.onnx" ||
  fail "alice's list: $("$hycim" nvm list --device "$alice")"
out=$("$hycim" nvm erase --all --device "$bob" 2>&1)
grep -q "0 blocks erased" <<<"$out" && grep -q "1 blocks of other owners left as they are" <<<"$out" ||
  fail "bob's erase: $out"
"$hycim" info --device "$alice" --json >"$tmp/o4.json"
field "$tmp/o4.json" "['devices'][0]['nvm']['owner']" | grep -q "^uid:[0-9]*/alice$" || fail "info owner: $(cat "$tmp/o4.json")"
[ "$(field "$tmp/o4.json" "['devices'][0]['nvm']['rows_owned']")" = 16 ] || fail "info rows_owned: $(cat "$tmp/o4.json")"
"$hycim" info --device "$bob" | grep -q "owner uid:[0-9]*/bob (this context): 0 NVM rows held" ||
  fail "info text: $("$hycim" info --device "$bob")"
"$hycim" run "$tmp/a.onnx" -i "$tmp/x.npy" --device "$bob" --share-weights --json >"$tmp/o5.json"
[ "$(field "$tmp/o5.json" "['nvm']['blocks_found']")" = 1 ] || fail "bob's run: $(cat "$tmp/o5.json")"
"$hycim" nvm erase --all --device "$alice" | grep -q "1 blocks erased" || fail "alice's erase"
"$hycim" load "$tmp/b.onnx" --device "$bob" --json >/dev/null
"$hycim" load "$tmp/c.onnx" --device "$bob" --json >"$tmp/o6.json"
[ "$(field "$tmp/o6.json" "['blocks_evicted']")" = 0 ] || fail "bob evicted: $(cat "$tmp/o6.json")"
[ "$(field "$tmp/o6.json" "['rows_programmed']")" = 16 ] || fail "bob on released rows: $(cat "$tmp/o6.json")"

# A device group (docs/runtime.md "NVM residency"): each member keeps its
# own catalog next to its image; a later process on the same group, in either
# order, finds every block; nvm and info show each member; erasing one
# member's blocks makes only those be programmed again.
ga="sim://?tiles=2&nvm=$tmp/ga.img"
gb="sim://?tiles=2&nvm=$tmp/gb.img"
"$hycim" load "$m/model.onnx" --device "$ga" --device "$gb" --json >"$tmp/g1.json"
[ "$(field "$tmp/g1.json" "['blocks_programmed']")" = 7 ] || fail "group load: $(cat "$tmp/g1.json")"
[ -s "$tmp/ga.img.resident.json" ] && [ -s "$tmp/gb.img.resident.json" ] || fail "group catalogs missing"
"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --device "$ga" --device "$gb" -o "$tmp/g.npy" --json >"$tmp/g2.json"
[ "$(field "$tmp/g2.json" "['nvm']['blocks_programmed']")" = 0 ] && [ "$(field "$tmp/g2.json" "['nvm']['blocks_found']")" = 7 ] ||
  fail "group run programmed: $(cat "$tmp/g2.json")"
"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --device "$gb" --device "$ga" --plan -o "$tmp/g_swapped.npy" >"$tmp/g3.txt"
grep -q "blocks found resident 7 (576 rows), programmed 0 (0 rows)" "$tmp/g3.txt" || fail "swapped group: $(cat "$tmp/g3.txt")"
"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" -o "$tmp/g_one.npy" >/dev/null
cmp -s "$tmp/g.npy" "$tmp/g_one.npy" && cmp -s "$tmp/g.npy" "$tmp/g_swapped.npy" || fail "group outputs differ"
"$hycim" nvm list --device "$ga" --device "$gb" --json >"$tmp/g4.json"
[ "$(field "$tmp/g4.json" "['rows_used']")" = 576 ] && [ "$(field "$tmp/g4.json" "['rows_total']")" = 2048 ] ||
  fail "group nvm list: $(cat "$tmp/g4.json")"
[ "$(field "$tmp/g4.json" "['members'][1]['uri']")" = "$gb" ] || fail "group members: $(cat "$tmp/g4.json")"
on_b=$(field "$tmp/g4.json" "['members'][1]['blocks'].__len__()")
[ "$on_b" -gt 0 ] && [ "$(field "$tmp/g4.json" "['blocks'].__len__()")" = 7 ] || fail "group blocks: $(cat "$tmp/g4.json")"
"$hycim" nvm verify --device "$ga" --device "$gb" --json >"$tmp/g5.json"
[ "$(field "$tmp/g5.json" "['checked']")" = 7 ] && [ "$(field "$tmp/g5.json" "['mismatched']")" = 0 ] ||
  fail "group verify: $(cat "$tmp/g5.json")"
"$hycim" info --device "$ga" --device "$gb" --json >"$tmp/g6.json"
[ "$(field "$tmp/g6.json" "['devices'][1]['nvm']['resident']['blocks']")" = "$on_b" ] || fail "group info: $(cat "$tmp/g6.json")"
"$hycim" nvm erase --all --device "$gb" | grep -q "$on_b blocks erased" || fail "erase one member"
"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --device "$ga" --device "$gb" -o "$tmp/g7.npy" --json >"$tmp/g7.json"
[ "$(field "$tmp/g7.json" "['nvm']['blocks_programmed']")" = "$on_b" ] || fail "after erasing one member: $(cat "$tmp/g7.json")"
cmp -s "$tmp/g.npy" "$tmp/g7.npy" || fail "group outputs after erase differ"

# Chrome trace: valid JSON with host and device tracks.
"$hycim" trace "$m/model.onnx" -i "$m/calib_x.npy" -o "$tmp/t.json" >/dev/null
$py - "$tmp/t.json" <<'PY' || fail "trace"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
assert any(e["ph"] == "X" and e["pid"] == 1 for e in ev), "no host spans"
assert sum(1 for e in ev if e["ph"] == "X" and e["pid"] == 2 and e["tid"] == 0) == 3, "3 Gemm on device"
assert d["otherData"]["cycles"] > 0
PY
echo "residency CLI: all checks passed"

#!/usr/bin/env bash
# The technology model from the CLI: `hycim macros` (every catalog macro
# predicted, the summary, --calibrate reproducing the file's factors, a
# user's macro file, bad files and technologies refused with exit 2 and the
# key named), `hycim info --tech` (area of the device on that technology),
# and `hycim sim` on two technologies (same cycles, different energy and area).
# Usage: tech_test.sh HYCIM
set -euo pipefail
hycim=$1
source "$(dirname "$0")/test_lib.sh"

# 1. Every catalog macro, each point with a prediction; the calibration macros named.
"$hycim" macros --json >"$tmp/m.json"
"$py" - "$tmp/m.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = {r["macro"] for r in d["macros"]}
assert len(names) >= 7, names
for r in d["macros"]:
    assert r["model_tops_w"] > 0 and r["model_area_mm2"] > 0 and r["model_latency_ns"] > 0, r
    assert (r["tops_w"] is not None) or (r["fj_per_mac"] is not None) or (r["tops_mm2"] is not None), r
s = d["summary"]
assert s["technology"] == "cmos28" and len(s["calibrated_on"]) == 2, s
assert s["mae_tops_w"] is not None and s["mae_area"] is not None, s
PY
"$hycim" macros | grep -q "mean |error| over the digital macros not used for calibration" ||
  fail "macros table lacks its summary"

# 2. --calibrate finds the factors the technology file holds.
"$hycim" macros --calibrate --json >"$tmp/c.json"
"$py" -c "
import json,sys
c = json.load(open(sys.argv[1]))
for k in ('energy', 'area'):
    assert abs(c['calibration'][k] / c['in_file'][k] - 1) < 1e-4, c
" "$tmp/c.json"

# 3. A user's macro by path; bad ones named.
cat >"$tmp/mine.json" <<'JSON'
{"title": "t", "citation": "c", "node_nm": 22, "rows": 256, "lanes": 16, "wbits": 8,
 "area_mm2": {"value": 0.1, "source": "s"},
 "points": [{"vdd": 0.8, "clock_mhz": 200, "xbits": 8, "wbits": 8,
             "tops_w": {"value": 30, "source": "s"}}]}
JSON
"$hycim" macros "$tmp/mine.json" --json >"$tmp/one.json"
[ "$("$py" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['macros']))" "$tmp/one.json")" = 1 ] ||
  fail "one macro file gives one row"
sed 's/"lanes"/"lane"/' "$tmp/mine.json" >"$tmp/bad.json"
expect_error 2 "macro bad.lane: unknown key" "$hycim" macros "$tmp/bad.json"
expect_error 2 "technology 'cmos7': not in the catalog" "$hycim" macros --tech cmos7
echo '{"name": "x", "scale_from": "cmos28", "node_nm": 16}' >"$tmp/t.json"
expect_error 2 "x.vdd: required with scale_from" "$hycim" macros --tech "$tmp/t.json"

# 4. Area on a technology, and the device's energy following it.
"$hycim" info --device 'sim://?tiles=2' --tech cmos28 --json >"$tmp/i.json"
"$py" -c "
import json,sys
a = json.load(open(sys.argv[1]))['devices'][0]['area']
assert a['technology'] == 'cmos28' and a['tiles'] == 2, a
assert abs(a['total_mm2'] - (2 * a['tile']['total_mm2'] + a['host_interface_um2'] * 1e-6)) < 1e-9, a
" "$tmp/i.json"
expect_error 2 "--tech: technology 'nope'" "$hycim" info --device sim:// --tech nope
"$hycim" sim --layer 4x16x16 --config small --tiles 2 --format json --tech cmos28 >"$tmp/s28.json"
"$hycim" sim --layer 4x16x16 --config small --tiles 2 --format json --tech hycim22 >"$tmp/s22.json"
"$py" -c "
import json,sys
a, b = (json.load(open(p))[0] for p in sys.argv[1:3])
assert a['mvm_cycles'] == b['mvm_cycles'], (a['mvm_cycles'], b['mvm_cycles'])
assert a['technology'] == 'cmos28' and b['technology'] == 'hycim22'
assert a['energy_pj'] > b['energy_pj'] and a['area_mm2'] > b['area_mm2'], (a['energy_pj'], b['energy_pj'])
assert a['leakage_pj'] > 0 and a['tops_mm2'] > 0
" "$tmp/s28.json" "$tmp/s22.json"
echo "tech_test: ok"

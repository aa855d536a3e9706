#!/usr/bin/env bash
# The habits every hycim subcommand shares: each one listed by `--help`
# (sub-subcommands included) takes --json and prints one JSON document on
# stdout; the exit codes 0 (ok), 1 (error), 2 (usage) on a few commands of
# each kind, with errors on stderr as text even under --json; `--version`
# names the device spec and the build. Usage: cli_habits_test.sh HYCIM SOURCE_DIR
set -euo pipefail
hycim=$1
src=$2
m=$src/models/digits
. "$(dirname "$0")/test_lib.sh"

# subcommands HELP_TEXT: the names CLI11 lists under "SUBCOMMANDS:".
subcommands() {
  awk 'tolower($0) ~ /^subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next }
       on && !/^ / { on = 0 }'
}

# 1. Every leaf subcommand has --json in its help.
leaves=()
for c in $("$hycim" --help | subcommands); do
  subs=$("$hycim" "$c" --help | subcommands)
  if [ -z "$subs" ]; then
    leaves+=("$c")
  else
    for s in $subs; do leaves+=("$c $s"); done
  fi
done
[ "${#leaves[@]}" -ge 20 ] || fail "too few subcommands found: ${leaves[*]}"
for l in "${leaves[@]}"; do
  # shellcheck disable=SC2086
  "$hycim" $l --help >"$tmp/help" || fail "hycim $l --help: exit $?"
  grep -qE -- '^ +--json' "$tmp/help" || fail "hycim $l has no --json"
done

# json_ok NAME CMD...: CMD exits 0 and its stdout is exactly one JSON document.
json_ok() {
  local name=$1
  shift
  "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" || fail "$*: exit $?: $(cat "$tmp/$name.err")"
  "$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/$name.json" ||
    fail "$*: stdout is not one JSON document: $(head -c 400 "$tmp/$name.json")"
}
# key NAME EXPR: a value of NAME's document (EXPR in Python over j).
key() { "$py" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$tmp/$1.json"; }

# 2. Each leaf's --json on a small case.
json_ok info "$hycim" info --device 'sim://?config=small' --json
json_ok presets "$hycim" info --presets --json
json_ok macros "$hycim" macros --json
json_ok demo "$hycim" demo --config small --model-only --json
[ "$(key demo 'j["ok"], j["rtl"]')" = "True None" ] || fail "demo --json: $(cat "$tmp/demo.json")"
json_ok sim "$hycim" sim --layer 2x8x8 --config small --json
[ "$(key sim 'j[0]["status"]')" = ok ] || fail "sim --json: $(cat "$tmp/sim.json")"
json_ok sweep "$hycim" sim --layer 2x8x8 --config small --sweep tiles=1,2 --json
[ "$(key sweep 'len(j)')" = 2 ] || fail "sim --sweep --json: $(cat "$tmp/sweep.json")"
json_ok run "$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --runs 3 --json
json_ok trace "$hycim" trace "$m/model.onnx" -i "$m/calib_x.npy" -o "$tmp/chrome.json" --json
[ "$(key trace 'j["trace"]')" = "$tmp/chrome.json" ] && [ -s "$tmp/chrome.json" ] ||
  fail "trace --json: $(head -c 400 "$tmp/trace.json")"
json_ok quantize "$hycim" quantize "$m/model.onnx" --calibrate "$m/calib_x.npy" -o "$tmp/q.onnx" \
  --json
[ "$(key quantize 'j["samples"], "relu2" in j["ranges"]')" = "1 True" ] ||
  fail "quantize --json: $(cat "$tmp/quantize.json")"
json_ok classify "$hycim" classify "$m" --batch 64 --json
nvm=(--nvm "$tmp/dev.img")
json_ok load "$hycim" load "$m/model.onnx" "${nvm[@]}" --json
json_ok nvm_list "$hycim" nvm list "${nvm[@]}" --json
json_ok nvm_verify "$hycim" nvm verify "${nvm[@]}" --json
json_ok nvm_scan "$hycim" nvm scan "${nvm[@]}" --json
json_ok nvm_scrub "$hycim" nvm scrub "${nvm[@]}" --json
# Only cells with a fault model age.
"$hycim" load "$m/model.onnx" --nvm "$tmp/faulty.img" --faults rram >/dev/null
json_ok nvm_age "$hycim" nvm age --nvm "$tmp/faulty.img" --time 1d --json
[ "$(key nvm_age 'j["aged_s"], j["powered"]')" = "86400.0 False" ] ||
  fail "nvm age --json: $(cat "$tmp/nvm_age.json")"
json_ok nvm_erase "$hycim" nvm erase "${nvm[@]}" --all --json
[ "$(key nvm_erase 'j["count"] > 0, j["count"] == len(j["erased"])')" = "True True" ] ||
  fail "nvm erase --json: $(cat "$tmp/nvm_erase.json")"
case_dir=/usr/share/libonnx-testdata/data/node/test_matmul_2d
if [ -d "$case_dir" ]; then
  json_ok check_onnx "$hycim" check-onnx "$case_dir" --json
fi

# The data cache: two classes of small files.
mkdir -p "$tmp/samples/a" "$tmp/samples/b"
for i in 1 2 3 4 5 6; do
  head -c $((100 * i)) /dev/urandom >"$tmp/samples/a/$i.bin"
  head -c $((50 * i)) /dev/urandom >"$tmp/samples/b/$i.bin"
done
json_ok data_pack "$hycim" data pack "$tmp/samples" "$tmp/ds" --json
json_ok data_verify "$hycim" data verify "$tmp/ds" --json
json_ok data_info "$hycim" data info "$tmp/ds" --json
json_ok data_stage "$hycim" data stage "$tmp/ds" "$tmp/ds_local" --json
json_ok data_tiers "$hycim" data tiers "$tmp/ds" --batch 2 --iterations 4 --iteration-time 0.1 \
  --slow-mbps 1 --json

# The memory planner on a small trace.
"$hycim" memplan trace --network resnet50 --batch 2 -o "$tmp/r50.json"
json_ok mp_trace "$hycim" memplan trace --network resnet50 --batch 2 -o "$tmp/r50b.json" --json
[ "$(key mp_trace 'j["output"], j["batch"]')" = "$tmp/r50b.json 2" ] ||
  fail "memplan trace --json: $(cat "$tmp/mp_trace.json")"
json_ok mp_trace_stdout "$hycim" memplan trace --network resnet50 --batch 2 --json
json_ok mp_plan "$hycim" memplan plan "$tmp/r50.json" --fraction 0.9 --planner swap-all \
  -o "$tmp/plan.json" --json
json_ok mp_simulate "$hycim" memplan simulate "$tmp/r50.json" "$tmp/plan.json" --fraction 0.9 \
  --json
json_ok mp_execute "$hycim" memplan execute "$tmp/r50.json" "$tmp/plan.json" --fraction 0.9 --json
json_ok mp_compare "$hycim" memplan compare "$tmp/r50.json" --fraction 0.9 --time-limit 1 --json
json_ok mp_hardware "$hycim" memplan hardware --json
json_ok mp_hardware_file "$hycim" memplan hardware -o "$tmp/hw.json" --json

# 3. Exit codes. 0: help, version, a plain command.
"$hycim" --help >/dev/null || fail "--help: exit $?"
"$hycim" sim --help >/dev/null || fail "sim --help: exit $?"
"$hycim" info --presets >/dev/null || fail "info --presets: exit $?"
# 1: the work failed; the message is text on stderr, also under --json.
expect_error 1 "hycim: error:" "$hycim" sim --layer 4x4096x64 --config small --tiles 1 --json
"$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/err" 2>/dev/null &&
  fail "the error came as JSON: $(cat "$tmp/err")"
expect_error 1 "hycim: error:" "$hycim" data verify "$tmp/samples" --json
expect_error 1 "hycim: error:" "$hycim" nvm list --json
expect_error 1 "hycim: error:" "$hycim" run "$src/README.md" -i "$m/calib_x.npy" --json
# 2: usage: unknown flag or subcommand, missing or malformed argument.
expect_error 2 "--bogus" "$hycim" info --bogus
expect_error 2 "subcommand" "$hycim" frobnicate
expect_error 2 "subcommand" "$hycim"
expect_error 2 "--layer" "$hycim" sim --json
expect_error 2 "--layer" "$hycim" sim --layer 4x0x4 --json
expect_error 2 "--json" "$hycim" sim --layer 2x8x8 --json --format csv
expect_error 2 "--time" "$hycim" nvm age --nvm "$tmp/faulty.img" --time soon --json
expect_error 2 "stdout" "$hycim" memplan trace -o - --json
# The help documents them.
"$hycim" --help >"$tmp/help"
grep -q "Exit codes:" "$tmp/help" || fail "--help lacks the exit codes"
grep -qE "^ +2 +usage error" "$tmp/help" || fail "--help lacks exit code 2"

# 4. --version: the project and git, the device spec version of spec/hycim.json, the build.
spec=$("$py" - "$src/spec/hycim.json" <<'PY'
import json, sys
def find(o):
    if isinstance(o, dict):
        if "VERSION_MAJOR" in o:
            return f"{o['VERSION_MAJOR']}.{o['VERSION_MINOR']}"
        o = list(o.values())
    if isinstance(o, list):
        for v in o:
            r = find(v)
            if r:
                return r
    return None
print(find(json.load(open(sys.argv[1]))))
PY
)
"$hycim" --version >"$tmp/version" || fail "--version: exit $?"
project=$(sed -n 's/^project(hycim VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
grep -q "^hycim $project " "$tmp/version" || fail "--version lacks hycim $project: $(cat "$tmp/version")"
grep -q "^spec $spec " "$tmp/version" || fail "--version lacks spec $spec: $(cat "$tmp/version")"
grep -qE '^build .+, .+' "$tmp/version" || fail "--version lacks the build: $(cat "$tmp/version")"
echo "cli habits: ${#leaves[@]} subcommands checked"

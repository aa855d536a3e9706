#!/usr/bin/env bash
# The runtime's subcommands end to end: classify (accuracy bound), quantize ->
# run with calibrated ranges and .npy/.pb outputs, and the exit codes and
# messages of bad input. Usage: cli_test.sh HYCIM SOURCE_DIR
set -euo pipefail
hycim=$1
src=$2
m=$src/models/digits
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$("$hycim" classify "$m" --batch 32 --max-drop 2) || fail "classify: $out"
grep -q "device accuracy (int8 on CIM)" <<<"$out" || fail "classify output: $out"

"$hycim" quantize "$m/model.onnx" --calibrate "$m/calib_x.npy" -o "$tmp/q.onnx" >/dev/null
"$hycim" run "$tmp/q.onnx" -i "$m/calib_x.npy" -o "$tmp/y.npy" >/dev/null
"$hycim" run "$tmp/q.onnx" -i "$m/calib_x.npy" -o "$tmp/y.pb" --plan >"$tmp/plan.txt"
grep -q "fc1 64x128" "$tmp/plan.txt" || fail "plan: $(cat "$tmp/plan.txt")"
[ -s "$tmp/y.npy" ] && [ -s "$tmp/y.pb" ] || fail "outputs not written"

# Bad input: non-zero exit and a message naming the problem.
expect_error() {
  local pattern=$1; shift
  local err rc=0
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" -ne 0 ] || fail "$* succeeded"
  grep -q -- "$pattern" <<<"$err" || fail "$*: '$err' lacks '$pattern'"
}
head -c 1000 "$m/model.onnx" >"$tmp/trunc.onnx"
expect_error "truncated" "$hycim" run "$tmp/trunc.onnx" -i "$m/calib_x.npy"
expect_error "input 'x': expected float \[?,64\], got int64 \[540\]" "$hycim" run "$m/model.onnx" -i "$m/test_y.npy"
expect_error "needs 1 inputs, got 2" "$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" -i "$m/calib_x.npy"
expect_error "expected a .npy or .pb" "$hycim" run "$m/model.onnx" -i "$m/model.onnx"
expect_error "unknown tile config 'nonexistent'" "$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --config nonexistent
echo "runtime CLI: all checks passed"

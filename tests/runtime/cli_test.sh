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

# Each calibration method writes a model that runs; the summary names it.
out=$("$hycim" quantize "$m/model.onnx" --calibrate "$m/calib_x.npy" -o "$tmp/e.onnx" --method entropy) ||
  fail "quantize --method entropy: $out"
grep -q "activation ranges from 1 samples (entropy, 2048 bins)" <<<"$out" || fail "entropy summary: $out"
out=$("$hycim" quantize "$m/model.onnx" --calibrate "$m/calib_x.npy" -o "$tmp/p.onnx" \
  --method percentile --percentile 99.9) || fail "quantize --method percentile: $out"
grep -q "(percentile 99.9 %, 2048 bins)" <<<"$out" || fail "percentile summary: $out"
for q in e p; do
  "$hycim" run "$tmp/$q.onnx" -i "$m/calib_x.npy" -o "$tmp/y_$q.npy" >/dev/null || fail "run $q.onnx"
  [ -s "$tmp/y_$q.npy" ] || fail "$q.onnx: output not written"
done
# Clipping changes the stored ranges: relu2's is 8.00473 with min/max.
grep -q "relu2 .*\[0, 8.00473\]" <<<"$("$hycim" quantize "$m/model.onnx" --calibrate "$m/calib_x.npy" -o "$tmp/mm.onnx")" ||
  fail "minmax relu2 range"
grep -q "relu2 .*\[0, 6.96" <<<"$out" || fail "percentile 99.9 relu2 range: $out"

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
# Calibration options out of range: usage errors (exit code 2) naming the flag.
expect_usage_error() {
  local pattern=$1; shift
  local err rc=0
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" -eq 2 ] || fail "$*: exit code $rc, not 2 ($err)"
  grep -q -- "$pattern" <<<"$err" || fail "$*: '$err' lacks '$pattern'"
}
q=("$hycim" quantize "$m/model.onnx" --calibrate "$m/calib_x.npy" -o "$tmp/bad.onnx")
expect_usage_error "--method: unknown calibration method 'bogus' (expected minmax, percentile or entropy)" \
  "${q[@]}" --method bogus
expect_usage_error "--percentile: calibration percentile 0: expected a value in (0, 100\]" \
  "${q[@]}" --method percentile --percentile 0
expect_usage_error "--percentile applies to --method percentile, not entropy" \
  "${q[@]}" --method entropy --percentile 99
expect_usage_error "--bins: calibration bins 100: expected 256 to 16384" "${q[@]}" --method entropy --bins 100
[ ! -e "$tmp/bad.onnx" ] || fail "a refused quantize wrote its output"
echo "runtime CLI: all checks passed"

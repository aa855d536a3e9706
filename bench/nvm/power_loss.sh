#!/usr/bin/env bash
# Random power cuts of an NVM image, many more than the test suite runs:
#   bench/nvm/power_loss.sh BUILD_DIR [CUTS] [SEED]
# Runs NvmPowerCutKill (tests/nvm/nvm_power_cut_kill_test.cpp, in
# hycim_nvm_kill_test, built in BUILD_DIR with hycim_nvm_child) with CUTS
# cuts (default 1000) from SEED (default 20261207): each cut is a child
# rewriting random rows of a 2 x 16 x 1000-byte image until its simulated
# power cut (io::cut_power_after) after a random byte count, torn tail old or
# garbage. Prints how the children ended, the row in flight's outcome (old or
# new) overall, by tail and per row, the failures, and the wall time.
set -euo pipefail
build=${1:?usage: bench/nvm/power_loss.sh BUILD_DIR [CUTS] [SEED]}
cuts=${2:-1000}
seed=${3:-20261207}
test_bin=$build/tests/nvm/hycim_nvm_kill_test
if [ ! -x "$test_bin" ]; then
  echo "build hycim_nvm_kill_test and hycim_nvm_child in $build first" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s.%N)
status=0
HYCIM_NVM_POWER_CUTS=$cuts HYCIM_NVM_POWER_CUT_SEED=$seed \
  "$test_bin" --gtest_filter='NvmPowerCutKill.*' >"$log" 2>&1 || status=$?
end=$(date +%s.%N)
grep -E '^(power cuts|row in flight|per row|failures|round )' "$log" || cat "$log"
python3 -c "import sys; print(f'wall time: {float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" \
  "$start" "$end"
[ "$status" -eq 0 ] && echo "result: passed" || echo "result: FAILED (exit $status)"
exit "$status"

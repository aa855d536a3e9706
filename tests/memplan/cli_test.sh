#!/usr/bin/env bash
# End to end through the hycim CLI: trace -> plan -> simulate, and the exit
# codes and messages of bad input. Usage: cli_test.sh PATH_TO_HYCIM
set -euo pipefail
HYCIM=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$HYCIM" memplan trace --network resnet50 --batch 4 -o "$T/r.json"
"$HYCIM" memplan plan "$T/r.json" --fraction 0.8 --planner capuchin -o "$T/p.json" > /dev/null
"$HYCIM" memplan simulate "$T/r.json" "$T/p.json" --fraction 0.8 --chrome-trace "$T/c.json" \
  --json | grep -q '"fits": true'
grep -q traceEvents "$T/c.json"

# expect_fail CODE MESSAGE COMMAND...: the command exits CODE and says MESSAGE.
expect_fail() {
  local code=$1 msg=$2 out rc
  shift 2
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  if [ "$rc" -ne "$code" ]; then echo "exit $rc, expected $code: $*"; exit 1; fi
  if ! grep -q -- "$msg" <<< "$out"; then echo "no '$msg' in: $out"; exit 1; fi
}
echo '{"format": 1' > "$T/bad.json"
expect_fail 1 "is not valid JSON" "$HYCIM" memplan plan "$T/bad.json" --fraction 0.5
expect_fail 1 "is below the" "$HYCIM" memplan plan "$T/r.json" --fraction 0.05
expect_fail 2 "not a positive size" "$HYCIM" memplan plan "$T/r.json" --budget 12XB
expect_fail 1 "unknown planner 'magic'" "$HYCIM" memplan plan "$T/r.json" --fraction 0.8 --planner magic
expect_fail 1 "exceeds the budget" "$HYCIM" memplan simulate "$T/r.json" "$T/p.json" --fraction 0.6
echo "memplan CLI: ok"

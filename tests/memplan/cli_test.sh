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

# --device-profile: a distillation step with the teacher at the device's own
# figures (each teacher op 2.5 us); the report lists every teacher op at that time.
"$HYCIM" memplan trace --network vgg16 --teacher resnet50 --batch 2 -o "$T/d.json"
/usr/bin/python3 - "$T/d.json" "$T/prof.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
ops = {o["name"]: {"on_device": True, "sim_us": 2.5, "host_us": 9.0}
       for o in t["ops"] if o["phase"] == "inference"}
json.dump({"format": "hycim-device-profile", "version": 1, "device": "cli-test",
           "nvm_weight_bytes": 1 << 24, "ops": ops}, open(sys.argv[2], "w"))
PY
"$HYCIM" memplan plan "$T/d.json" --fraction 1 --planner none --device-profile "$T/prof.json" \
  --json > "$T/dp.json"
/usr/bin/python3 - "$T/dp.json" "$T/prof.json" <<'PY'
import json, sys
r, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert {o["op"] for o in r["offloaded"]} == set(p["ops"]), r["offloaded"]
assert all(o["device_us"] == 2.5 for o in r["offloaded"])
PY
echo '{"format": "hycim-device-profile", "version": 1, "nvm_weight_bytes": 1, "ops": {}}' > "$T/badprof.json"
expect_fail 1 "'ops' must be an object" "$HYCIM" memplan plan "$T/d.json" --fraction 1 \
  --device-profile "$T/badprof.json"
echo "memplan CLI: ok"

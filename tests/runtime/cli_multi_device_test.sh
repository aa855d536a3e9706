#!/usr/bin/env bash
# A model over a device group: the in-process sim:// device and a hycimd
# daemon (unix://), tiles numbered one after another. The plan puts blocks on
# both devices, the outputs equal those of one device, bit for bit, and a
# group whose tile geometries differ is refused by name. Then the daemon is
# killed under a running model: a clear error naming the device.
# Usage: cli_multi_device_test.sh HYCIM HYCIMD SOURCE_DIR
set -euo pipefail
hycim=$1
hycimd=$2
src=$3
m=$src/models/digits
tmp=$(mktemp -d)
daemons=()
cleanup() {
  for p in "${daemons[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
start_daemon() {  # SOCKET CONFIG
  "$hycimd" --socket "$1" --nvm-image "$1.img" --config "$2" --tiles 2 >"$1.log" 2>&1 &
  daemons+=($!)
  for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.05; done
  fail "hycimd did not start: $(cat "$1.log")"
}
start_daemon "$tmp/d.sock" default
start_daemon "$tmp/s.sock" small

"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" -o "$tmp/one.npy" >/dev/null
"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" -o "$tmp/two.npy" --plan \
  --device sim:// --device "unix://$tmp/d.sock" >"$tmp/plan.txt"
cmp -s "$tmp/one.npy" "$tmp/two.npy" || fail "device group changed the outputs"
grep -q "2 devices, 6 tiles" "$tmp/plan.txt" || fail "plan: $(cat "$tmp/plan.txt")"
grep -q -- "->tile 4 rows" "$tmp/plan.txt" || fail "no block on the daemon's tiles: $(cat "$tmp/plan.txt")"

rc=0
err=$("$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --device sim:// --device "unix://$tmp/s.sock" 2>&1 >/dev/null) || rc=$?
[ "$rc" -ne 0 ] && grep -q "differ in tile geometry" <<<"$err" || fail "mixed geometries: '$err'"
# A daemon that dies mid-run: the run ends with an error naming the device,
# not a hang or a crash.
connected=$(grep -c "connected (" "$tmp/d.sock.log" || true)
"$hycim" run "$m/model.onnx" -i "$m/calib_x.npy" --runs 1000000 --device "unix://$tmp/d.sock" \
  >/dev/null 2>"$tmp/dead.err" &
runner=$!
# Kill the daemon only once this client is connected and working.
for _ in $(seq 200); do
  [ "$(grep -c "connected (" "$tmp/d.sock.log" || true)" -gt "$connected" ] && break
  sleep 0.05
done
sleep 0.5
kill -9 "${daemons[0]}"
rc=0
wait "$runner" || rc=$?
[ "$rc" -eq 1 ] || fail "run against a dead daemon exited $rc: $(cat "$tmp/dead.err")"
grep -q "unix://$tmp/d.sock" "$tmp/dead.err" && grep -qiE "disconnected|went away" "$tmp/dead.err" ||
  fail "dead daemon message: $(cat "$tmp/dead.err")"
echo "device group: all checks passed"

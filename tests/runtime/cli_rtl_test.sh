#!/usr/bin/env bash
# The same compiled command stream on the fast tile model and on the Verilated
# RTL tiles, through the driver (one process each: sim:// elaborates once per
# process): identical outputs and identical cycle counts, node by node; and
# the digits model's weights streamed through one RTL tile (they need 576 of
# its 512 NVM rows) give the same outputs as resident on four.
# Usage: cli_rtl_test.sh HYCIM SOURCE_DIR
set -euo pipefail
hycim=$1
src=$2
m=$src/models/digits
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$py -c "import numpy as np; np.save('$tmp/x.npy', np.load('$m/test_x.npy')[:4])"
for kind in model rtl; do
  "$hycim" run "$m/model.onnx" -i "$tmp/x.npy" -o "$tmp/$kind.npy" --runs 2 --json \
    --device "sim://?tile=$kind" >"$tmp/$kind.json"
done
cmp "$tmp/model.npy" "$tmp/rtl.npy" || { echo "FAIL: outputs differ"; exit 1; }
$py - "$tmp/model.json" "$tmp/rtl.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("cycles", "tile_cycles", "program_cycles", "sim_us"):
    assert a[k] == b[k], f"{k}: model {a[k]} rtl {b[k]}"
assert a["cycles"] > 0
assert len(a["layers"]) == len(b["layers"]) > 0, (len(a["layers"]), len(b["layers"]))
for la, lb in zip(a["layers"], b["layers"]):
    assert la["node"] == lb["node"], (la["node"], lb["node"])
    assert la["cycles"] == lb["cycles"] and la["tile_cycles"] == lb["tile_cycles"], la["node"]
print("model and RTL tiles: same outputs, same cycles:", a["cycles"], "cycles,", a["sim_us"], "us")
PY

"$hycim" run "$m/model.onnx" -i "$tmp/x.npy" -o "$tmp/rtl_stream.npy" --json \
  --device "sim://?tile=rtl&tiles=1" --placement stream >"$tmp/stream.json"
cmp "$tmp/rtl.npy" "$tmp/rtl_stream.npy" || { echo "FAIL: streamed outputs differ on RTL tiles"; exit 1; }
$py - "$tmp/stream.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["placement"]
assert p["policy"] == "stream" and p["streamed_rows"] == 576 and p["stream_tiles"] == 1, p
print("RTL tile, streamed: same outputs as resident;", p["nvm_rows_written"], "NVM rows written")
PY

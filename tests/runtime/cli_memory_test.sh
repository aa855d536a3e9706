#!/usr/bin/env bash
# A run's memory budget through the CLI: under a virtual-memory limit far
# above what a normal run needs but below what the model's intermediate
# would, `--max-memory` stops the run with the budget's message (exit 1)
# rather than std::bad_alloc or a kill; a size that is no size is a usage
# error (exit 2). Usage: cli_memory_test.sh HYCIM SOURCE_DIR
set -euo pipefail
hycim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# y = relu(expand(x, [16384, 16384])): 1 GiB of floats from one, and the
# kernel's index map beside it; about 4 GiB in all.
/usr/bin/python3 - "$tmp" <<'PY'
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

g = helper.make_graph(
    [helper.make_node("Expand", ["x", "shape"], ["big"], name="expand_3"),
     helper.make_node("Relu", ["big"], ["y"], name="relu")],
    "grow", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [16384, 16384])],
    [numpy_helper.from_array(np.array([16384, 16384], dtype=np.int64), "shape")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, f"{sys.argv[1]}/grow.onnx")
np.save(f"{sys.argv[1]}/x.npy", np.ones((1, 1), np.float32))
PY

# The digits model runs in under 64 MiB of address space (measured); 1.5 GiB
# leaves room for any backend's start-up mappings.
limit_kib=$((1536 * 1024))
(ulimit -v $limit_kib && "$hycim" run "$src/models/digits/model.onnx" -i "$src/models/digits/calib_x.npy" \
  >/dev/null) || fail "a normal run does not fit the ${limit_kib} KiB limit"

for backend in cpu tiles; do
  set +e
  out=$(ulimit -v $limit_kib && "$hycim" run "$tmp/grow.onnx" -i "$tmp/x.npy" --backend $backend \
    --max-memory 64M 2>&1)
  rc=$?
  set -e
  [ $rc -eq 1 ] || fail "$backend: exit $rc, expected 1: $out"
  grep -q "node 0 'expand_3' (Expand): output 'big' needs 1.0 GiB with 20 B live; the run's memory budget is 64.0 MiB (--max-memory)" \
    <<<"$out" || fail "$backend: budget message: $out"
  if grep -q "bad_alloc" <<<"$out"; then fail "$backend: $out"; fi
done

# Suffixes are binary units; the budget is the one named.
set +e
out=$("$hycim" run "$tmp/grow.onnx" -i "$tmp/x.npy" --backend cpu --max-memory 3k 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "budget is 3.0 KiB" <<<"$out" || fail "--max-memory 3k: exit $rc: $out"

# Every model command takes the option, and refuses a size that is none.
for cmd in run trace classify load quantize check-onnx; do
  args=("$tmp/grow.onnx")
  case $cmd in
    classify) args=("$src/models/digits") ;;
    quantize) args+=(--calibrate "$tmp/x.npy" -o "$tmp/q.onnx") ;;
  esac
  set +e
  out=$("$hycim" $cmd "${args[@]}" --max-memory bogus 2>&1)
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "$cmd --max-memory bogus: exit $rc, expected 2: $out"
  grep -q "max-memory" <<<"$out" || fail "$cmd --max-memory bogus: $out"
done
echo "cli memory test passed"

#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, builds the outside project
# tests/install/consumer against it (find_package(hycim), pkg-config
# hycim-driver) and runs both of its programs on sim://.
#   run.sh BUILD_DIR SOURCE_DIR [python]   (python: the package was built too)
set -euo pipefail
build=$1 src=$2 python=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# The package holds what it promised.
for f in bin/hycim bin/hycimd lib/libhycim_driver.so lib/libhycim_sim.so \
         lib/cmake/hycim/hycimConfig.cmake lib/pkgconfig/hycim-driver.pc \
         include/hycim/driver/hycim_driver.h include/hycim/hycim/spec/device_spec.hpp; do
  [ -e "$work/prefix/$f" ] || { echo "install: $f missing" >&2; exit 1; }
done
PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" cmake -S "$src/tests/install/consumer" \
  -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/c_driver" "sim://?config=small&tiles=1"
"$work/consumer/run_model" "$src/models/digits" "sim://"
# The Python package, from its installed place: Debian's interpreter imports
# it with the prefix's dist-packages on its path and runs the digits model.
if [ "$python" = python ]; then
  pydir=$(find "$work/prefix/lib" -path '*dist-packages/hycim' -type d | head -1)
  [ -n "$pydir" ] || { echo "install: the hycim Python package is missing" >&2; exit 1; }
  PYTHONPATH=$(dirname "$pydir") /usr/bin/python3 - "$src/models/digits" <<'PY'
import sys, numpy as np, hycim
d = sys.argv[1]
s = hycim.Session(f"{d}/model.onnx", calibration=[np.load(f"{d}/calib_x.npy")])
x, y = np.load(f"{d}/test_x.npy"), np.load(f"{d}/test_y.npy")
right = int((s.run(x)[0].argmax(1) == y).sum())
assert "/prefix/lib/" in hycim.__file__, hycim.__file__
print(f"python package: {right} of {len(y)} from {hycim.__file__}")
PY
fi

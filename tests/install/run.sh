#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, builds the outside project
# tests/install/consumer against it (find_package(hycim), pkg-config
# hycim-driver) and runs both of its programs on sim://.
#   run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
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

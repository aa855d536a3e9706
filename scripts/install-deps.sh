#!/usr/bin/env bash
# The one list of Debian packages hycim builds, tests and benchmarks with.
# Idempotent: installs only what is missing, and says nothing when all is there.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3 zlib1g-dev
  verilator libsystemc-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  libzstd-dev liblz4-dev libssl-dev
  libglpk-dev glpk-utils
  libopenmpi-dev openmpi-bin
  clang libclang-rt-14-dev
  python3-numpy python3-onnx
  python3-torch python3-torchvision
  python3-sklearn
  gtkwave
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

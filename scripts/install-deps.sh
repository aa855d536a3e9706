#!/usr/bin/env bash
# The one list of the packages hycim builds, tests and benchmarks with:
# Debian's (apt) and npm's (below).
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
  python3-numpy python3-onnx python3-dev pybind11-dev python3-pybind11 python3-pytest
  python3-torch python3-torchvision
  python3-sklearn python3-matplotlib
  gtkwave
)

# The npm packages: ONNX Runtime, the independent reference runtime of the
# tests (tests/reference/ort_run.js). Its CPU library ships in the package;
# its postinstall script would download more and fails offline, so scripts
# are off. Installed into a cache under the build folder.
NPM_PACKAGES=(onnxruntime-node@1.20.1)
NPM_PREFIX="$(cd "$(dirname "$0")/.." && pwd)/build/reference-npm"

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# Node.js comes with the machine; Debian's is the fallback.
command -v npm >/dev/null || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm_missing=()
for p in "${NPM_PACKAGES[@]}"; do
  name=${p%@*} version=${p##*@}
  have=$(node -p "require('$NPM_PREFIX/node_modules/$name/package.json').version" 2>/dev/null || true)
  [ "$have" = "$version" ] || npm_missing+=("$p")
done
if [ ${#npm_missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${npm_missing[*]} (npm) into $NPM_PREFIX"
  mkdir -p "$NPM_PREFIX"
  npm install --prefix "$NPM_PREFIX" --ignore-scripts --no-audit --no-fund --silent "${npm_missing[@]}"
fi

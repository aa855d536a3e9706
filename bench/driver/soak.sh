#!/usr/bin/env bash
# The daemon soak for minutes (docs/benchmarks.md "Driver", "Soak"): 8
# clients checking every completion against the CPU on one hycimd while a
# ninth is SIGKILLed at random instants and another sends malformed and
# truncated messages; then the daemon's descriptors, mappings and contexts,
# a NOP and its NVM image are checked (tests/driver/soak.cpp).
# Usage: bench/driver/soak.sh BUILD_DIR [seconds] [clients] [seed]
set -euo pipefail
build=${1:-build}
"$build/tests/driver/hycim_driver_soak" --seconds "${2:-300}" --clients "${3:-8}" --seed "${4:-1}"

#!/usr/bin/env bash
# Runs every benchmark area's bench/<area>/run.sh against the default build and
# prints what each wrote; each area's script records its own figures' inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
for s in bench/*/run.sh; do
  [ -f "$s" ] || continue
  echo "== $s"
  bash "$s" build
done

#!/usr/bin/env bash
# Totals of ONNX's own conformance cases (Debian's libonnx-testdata) that
# `hycim check-onnx` passes, per suite: node (one operator each),
# pytorch-converted, pytorch-operator, simple. Usage:
#   scripts/onnx-conformance.sh [HYCIM] [check-onnx options...]
# e.g. scripts/onnx-conformance.sh build/host-tools/hycim --backend cpu
# With HYCIM_CONFORMANCE_FAILS=FILE the failing cases and reasons go there.
set -uo pipefail
HYCIM=${1:-build/host-tools/hycim}
shift || true
DATA=/usr/share/libonnx-testdata/data
fails=${HYCIM_CONFORMANCE_FAILS:-/dev/null}
: >"$fails"
for suite in node pytorch-converted pytorch-operator simple; do
  [ -d "$DATA/$suite" ] || continue
  mapfile -t cases < <(find "$DATA/$suite" -mindepth 1 -maxdepth 1 -type d | sort)
  out=$("$HYCIM" check-onnx "$@" "${cases[@]}" 2>/dev/null)
  passed=$(grep -c '^PASS ' <<<"$out")
  failed=$(grep -c '^FAIL ' <<<"$out")
  grep '^FAIL ' <<<"$out" | sed "s|^|$suite: |" >>"$fails"
  printf '%-18s %4d of %4d passed\n' "$suite" "$passed" "$((passed + failed))"
done

#!/usr/bin/env bash
# Runs every libFuzzer target of the build (build/fuzzers.txt, written by
# cmake/HycimFuzz.cmake) for SECONDS each, one after the other, at nice 19,
# and prints per target the CPU time, executions, final corpus size and the
# crashes, leaks, OOMs and timeouts it found.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [--merge] [--no-build] [--only NAME]
#
# SECONDS_PER_TARGET  wall time per target (default 60)
# --merge             afterwards merge what each run found into the target's
#                     committed seed corpus (libFuzzer -merge=1: only inputs
#                     that add coverage are copied, named by their hash)
# --no-build          use the fuzzers already in the build tree
# --only NAME         run one target (a name of build/fuzzers.txt)
#
# Environment: BUILD_DIR (default build), HYCIM_FUZZ_WORK: the working
# corpora, kept between runs, and the crash inputs (default
# ${XDG_CACHE_HOME:-~/.cache}/hycim-fuzz). A campaign goes on past a crash
# (-fork=1 with -ignore_crashes etc.); each crash input is left in
# $HYCIM_FUZZ_WORK/artifacts/<target>/, and the script exits 1 when any was
# found. The seed corpora in the tree are only read unless --merge is given.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
merge=0
build=1
only=
while [ $# -gt 0 ]; do
  case "$1" in
    --merge) merge=1 ;;
    --no-build) build=0 ;;
    --only) only="$2"; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *[!0-9]*|'') echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
    *) seconds="$1" ;;
  esac
  shift
done

BUILD_DIR=${BUILD_DIR:-build}
WORK=${HYCIM_FUZZ_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/hycim-fuzz}
manifest="$BUILD_DIR/fuzzers.txt"
if [ ! -s "$manifest" ]; then
  echo "fuzz.sh: no fuzzers in $BUILD_DIR (configure it first; clang++ is needed)" >&2
  exit 2
fi

names=()
while IFS=$'\t' read -r name _ _ _; do
  if [ -z "$only" ] || [ "$only" = "$name" ]; then names+=("$name"); fi
done < "$manifest"
if [ ${#names[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzzer named '$only' in $manifest" >&2
  exit 2
fi
if [ "$build" = 1 ]; then
  cmake --build "$BUILD_DIR" --target "${names[@]}"
fi

summary=()
found_any=0
while IFS=$'\t' read -r name bin seeds args; do
  case " ${names[*]} " in *" $name "*) ;; *) continue ;; esac
  corpus="$WORK/corpus/$name"
  artifacts="$WORK/artifacts/$name"
  log="$WORK/logs/$name.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  before=$(find "$artifacts" -type f ! -name 'merge-*' | wc -l)
  echo "== $name: ${seconds}s (log: $log)"
  TIMEFORMAT='%U %S'
  # shellcheck disable=SC2086 # args is a list of libFuzzer flags
  cpu=$( { time nice -n 19 "$bin" $args -fork=1 -ignore_crashes=1 -ignore_ooms=1 \
      -ignore_timeouts=1 -max_total_time="$seconds" -artifact_prefix="$artifacts/" \
      "$corpus" ${seeds:+"$seeds"} > "$log" 2>&1 < /dev/null; } 2>&1 ) || true
  cpu_s=$(awk '{ printf "%.0f", $1 + $2 }' <<< "$cpu")
  # Fork mode's last status line: "#EXECS: cov: .. oom/timeout/crash: a/b/c ..".
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<< "$last")
  failures=$(sed -E 's/.*oom\/timeout\/crash: ([0-9]+\/[0-9]+\/[0-9]+).*/\1/' <<< "$last")
  # Keep the working corpus minimal: what covers the same as everything found.
  fresh="$corpus.merging"
  rm -rf "$fresh"
  mkdir -p "$fresh"
  # shellcheck disable=SC2086
  nice -n 19 "$bin" $args -merge=1 -artifact_prefix="$artifacts/merge-" "$fresh" "$corpus" \
    ${seeds:+"$seeds"} > "$log.merge" 2>&1 < /dev/null || true
  rm -rf "$corpus"
  mv "$fresh" "$corpus"
  if [ "$merge" = 1 ]; then
    if [ -n "$seeds" ]; then
      # shellcheck disable=SC2086
      nice -n 19 "$bin" $args -merge=1 -artifact_prefix="$artifacts/merge-" "$seeds" "$corpus" \
        >> "$log.merge" 2>&1 < /dev/null || true
    else
      echo "   (no committed corpus to merge into)"
    fi
  fi
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  new=$(( $(find "$artifacts" -type f ! -name 'merge-*' | wc -l) - before ))
  [ "$new" -gt 0 ] && found_any=1
  line=$(printf '%-18s cpu %6ss  execs %10s  corpus %5s files %8s bytes  oom/timeout/crash %s  new artifacts %s' \
    "$name" "$cpu_s" "${execs:-?}" "$files" "$bytes" "${failures:-?}" "$new")
  echo "   $line"
  summary+=("$line")
done < "$manifest"

echo
echo "== summary (${seconds}s per target; working corpora and artifacts in $WORK)"
printf '%s\n' "${summary[@]}"
if [ "$found_any" = 1 ]; then
  echo "crash inputs: $WORK/artifacts/<target>/ (rerun one: <fuzzer binary> <file>)"
  exit 1
fi

#!/usr/bin/env bash
# `hycim data` end to end: pack, info --json, verify passes, a flipped byte
# makes verify exit 1 naming the shard and the sample, stage and tiers run.
set -euo pipefail
H=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/src/cat" "$T/src/dog"
for i in $(seq 1 20); do
  head -c $((i * 300)) /dev/zero | tr '\0' 'c' > "$T/src/cat/$i.bin"
  head -c $((i * 200)) /dev/zero | tr '\0' 'd' > "$T/src/dog/$i.bin"
done
"$H" data pack "$T/src" "$T/ds" > /dev/null
"$H" data info "$T/ds" --json | grep -q '"samples": 40'
"$H" data verify "$T/ds" > /dev/null
"$H" data stage "$T/ds" "$T/local" --threads 2 | grep -q '^staged'
"$H" data tiers "$T/ds" --batch 4 --iterations 10 --iteration-time 0.01 --slow-mbps 0.1 | grep -q '^fast tier'
printf 'X' | dd of="$T/ds/gen-000001/shard-00000.hys" bs=1 seek=10 conv=notrunc 2> /dev/null
if "$H" data verify "$T/ds" 2> "$T/err"; then
  echo "verify accepted a corrupt shard"
  exit 1
fi
grep -q 'shard-00000.hys: checksum mismatch at sample 0' "$T/err" || { cat "$T/err"; exit 1; }
echo ok

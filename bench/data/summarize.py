#!/usr/bin/python3
"""Turns bench/data/run.sh's results.jsonl into the Markdown tables recorded
in docs/benchmarks.md: samples/s per read path with ratios against one file
per sample (cold) and against the sequential bandwidth of the same bytes."""
import json
import sys


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    sets = [r["set"] for r in rows if "drop_caches" in r]
    drop = {r["set"]: r["drop_caches"] for r in rows if "drop_caches" in r}
    print("| set | path | cache | samples/s | MB/s | x (a) cold, 1 thread | of sequential limit |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for s in sets:
        mine = [r for r in rows if r.get("set") == s and "samples_per_s" in r]
        base = next(r for r in mine if r["mode"] == "files" and r["cache"] != "warm")
        label = {"files": "(a) one file per sample, 1 thread", "files-mt": "(a) one file per sample, %d threads",
                 "seq": "sequential read of the shards, 1 thread", "seq-mt": "sequential read of the shards, %d threads", "packed": "(b) packed, 1 pread per sample",
                 "prefetch": "(c) packed + prefetch, %d workers"}
        for r in mine:
            # The limit: the better of one and four sequential readers, same cache state.
            seq = max((q for q in mine if q["mode"] in ("seq", "seq-mt") and q["cache"] == r["cache"]),
                      key=lambda q: q["mb_per_s"])
            # The 135 KB digits set is smaller than one read: it has no bandwidth limit to compare with.
            limit = "%.0f%%" % (100 * r["mb_per_s"] / seq["mb_per_s"]) if seq["bytes"] >= (64 << 20) else "n/a"
            name = label[r["mode"]] % r["workers"] if r["mode"] == "prefetch" else (
                label[r["mode"]] % r["threads"] if r["mode"] in ("files-mt", "seq-mt") else label[r["mode"]])
            print("| %s | %s | %s | %.0f | %.0f | %.1fx | %s |" % (
                s, name, r["cache"], r["samples_per_s"], r["mb_per_s"],
                r["samples_per_s"] / base["samples_per_s"], limit))
    print("\nOS cache dropped before cold runs: %s" % ", ".join("%s: %s" % kv for kv in drop.items()))
    print("\n| set | prefetch step (ms) | hit rate after first batch | stalled steps | stall s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        if r.get("mode") == "train":
            print("| %s | %.2f | %.4f | %d of %d | %.3f |" % (r["set"], r["step_ms"], r["hit_rate_after_first_batch"],
                  r["stalled_steps_after_first"], r["steps"] - 1, r["stall_s_after_first"]))
    print("\n| set | samples | log2 n | entropy, full shuffle | entropy, shuffle within blocks of 1000 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        if r.get("mode") == "shuffle":
            print("| %s | %d | %.2f | %.2f | %.2f |" % (r["set"], r["samples"], r["log2_n"], r["entropy_full"],
                  r["entropy_block_1000"]))
    print("\n| set | cached | clairvoyant hit rate | LRU hit rate |")
    print("| --- | ---: | ---: | ---: |")
    for r in rows:
        if r.get("mode") == "hitrate":
            print("| %s | %d%% | %.3f | %.3f |" % (r["set"], round(100 * r["cached_fraction"]), r["clairvoyant"], r["lru"]))
    print("\n| slow tier MB/s | placement | planned on | fast-tier share of bytes | steps | stalled steps after the first | stall s |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        if r.get("mode") == "tiers":
            planned = "%d%%" % round(100 * r.get("usable_fraction", 1.0)) if r["placement"] == "plan" else "-"
            print("| %d | %s | %s | %.1f%% | %d | %d | %.3f |" % (r["slow_mb_per_s"], r["placement"],
                  planned, 100 * r["fast_fraction_bytes"],
                  r["steps"], r["stalled_steps_after_first"], r["stall_s_after_first"]))
    for r in rows:
        if r.get("mode") == "stage":
            print("\nstage (%s, cold source, 4 threads): %.0f MB/s, %d bytes" % (r["set"], r["mb_per_s"], r["bytes"]))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Reads tile_bench's JSON and prints rates and the model/baseline ratio per config."""
import json
import sys

runs = json.load(open(sys.argv[1]))["benchmarks"]
med = {}
for r in runs:
    if r.get("aggregate_name") != "median":
        continue
    name, cfg = r["run_name"].split("/")[0], r["label"]
    med[(name, cfg)] = r
for cfg in sorted({c for _, c in med}):
    model = med.get(("BM_ModelMvm", cfg), {}).get("MACs/s")
    plain = med.get(("BM_PlainInt8Gemv", cfg), {}).get("MACs/s")
    rtl = med.get(("BM_RtlMvm", cfg), {})
    print(f"{cfg}: model {model/1e9:.2f} GMAC/s, plain int8 GEMV {plain/1e9:.2f} GMAC/s, "
          f"model/plain = {model/plain:.2f} (slowdown {plain/model:.2f}x)")
    if rtl:
        print(f"{cfg}: RTL {rtl['cycles/s']/1e6:.3f} Mcycles/s, {rtl['MACs/s']/1e6:.2f} MMAC/s, "
              f"model/RTL MAC rate = {model/rtl['MACs/s']:.0f}x")

#!/usr/bin/python3
"""Reads tile_bench's JSON and prints, per configuration, the fast model's rate
on each kernel against the baselines of the same run, and the RTL's rate."""
import json
import sys

runs = json.load(open(sys.argv[1]))["benchmarks"]
med = {}
for r in runs:
    if r.get("aggregate_name") != "median" or "error_occurred" in r:
        continue
    med[(r["run_name"].split("/")[0], r["label"])] = r


def rate(name, label, key="MACs/s"):
    r = med.get((name, label))
    return r[key] if r else None


configs = sorted({label.split("/")[0] for _, label in med})
for cfg in configs:
    plain = rate("BM_PlainInt8Gemv", cfg)
    vnni = rate("BM_VnniInt8Gemv", cfg)
    for kernel in ("portable", "avx2", "avx512vnni"):
        for xs in ("uint8", "int8"):
            model = rate("BM_ModelMvm", f"{cfg}/{kernel}/{xs}")
            if model is None:
                continue
            line = f"{cfg}: model[{kernel}, {xs} x int8] {model/1e9:.2f} GMAC/s"
            if vnni:
                line += f", vnni {vnni/1e9:.2f} GMAC/s, model/vnni = {model/vnni:.2f}"
            if plain:
                line += f", model/plain = {model/plain:.2f}"
            print(line)
    if plain:
        print(f"{cfg}: plain int8 GEMV loop {plain/1e9:.2f} GMAC/s")
    rtl = med.get(("BM_RtlMvm", cfg))
    if rtl:
        best = max((rate("BM_ModelMvm", label) or 0) for (n, label) in med
                   if n == "BM_ModelMvm" and label.startswith(cfg + "/"))
        print(f"{cfg}: RTL {rtl['cycles/s']/1e6:.3f} Mcycles/s, {rtl['MACs/s']/1e6:.2f} MMAC/s, "
              f"fastest model/RTL MAC rate = {best/rtl['MACs/s']:.0f}x")

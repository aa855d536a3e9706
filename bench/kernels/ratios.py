"""Prints each kernel benchmark's median next to its same-run baseline.

usage: ratios.py {cpu|gpu} RESULTS.json   (Google Benchmark JSON with aggregates)
"""
import json
import sys

# (figure, baseline, unit): unit "mac" compares multiply-adds per second
# (shown as GOPS = 2 ops per MAC), "byte" compares bytes per second (GB/s).
PAIRS = {
    "cpu": [
        ("BM_TwinGemm/256", "BM_NaiveGemm/256", "mac"),
        ("BM_TwinGemv/32/512", "BM_NaiveGemv/32/512", "mac"),
        ("BM_TwinGemv/4096/4096", "BM_NaiveGemv/4096/4096", "mac"),
        ("BM_ZvcCompress/10", "BM_Memcpy", "byte"),
        ("BM_ZvcCompress/50", "BM_Memcpy", "byte"),
        ("BM_ZvcDecompress/10", "BM_Memcpy", "byte"),
        ("BM_ZvcDecompress/50", "BM_Memcpy", "byte"),
        ("BM_Quantize", "BM_Memcpy", "byte"),
        ("BM_Requantize", "BM_Memcpy", "byte"),
    ],
    "gpu": [
        ("BM_GpuGemm/dp4a/4096/4096/4096", "BM_CublasLt/4096/4096/4096", "mac"),
        ("BM_GpuGemm/tensor_core/4096/4096/4096", "BM_CublasLt/4096/4096/4096", "mac"),
        ("BM_GpuGemm/dp4a/1/4096/4096", "BM_CublasLt/1/4096/4096", "mac"),
        ("BM_GpuGemm/tensor_core/1/4096/4096", "BM_CublasLt/1/4096/4096", "mac"),
        ("BM_GpuGemm/gemv/1/4096/4096", "BM_CublasLt/1/4096/4096", "mac"),
        ("BM_GpuZvcCompress/10", "BM_GpuMemcpy", "byte"),
        ("BM_GpuZvcCompress/50", "BM_GpuMemcpy", "byte"),
        ("BM_GpuZvcDecompress/10", "BM_GpuMemcpy", "byte"),
        ("BM_GpuZvcDecompress/50", "BM_GpuMemcpy", "byte"),
    ],
}


def medians(path):
    out, errors = {}, {}
    for b in json.load(open(path))["benchmarks"]:
        name = b["run_name"].removesuffix("/manual_time")
        if b.get("error_occurred"):
            errors[name] = b.get("error_message", "error")
        elif b.get("aggregate_name") == "median":
            out[name] = b
    return out, errors


def rate(b, unit):
    if unit == "mac":
        return 2 * b["items_per_second"] / 1e9  # GOPS
    return b["bytes_per_second"] / 1e9  # GB/s


def main():
    kind, path = sys.argv[1], sys.argv[2]
    med, errors = medians(path)
    if errors and not med:
        print(f"{kind}: every benchmark skipped: {next(iter(errors.values()))}")
        return
    print(f"| {kind} figure | value | baseline | baseline value | ratio |")
    print("| --- | ---: | --- | ---: | ---: |")
    for ours, base, unit in PAIRS[kind]:
        if ours not in med or base not in med:
            print(f"| {ours} | missing | {base} | | |")
            continue
        a, b = rate(med[ours], unit), rate(med[base], unit)
        label = "GOPS" if unit == "mac" else "GB/s"
        print(f"| {ours} | {a:.3g} {label} | {base} | {b:.3g} {label} | {a / b:.2f} |")


if __name__ == "__main__":
    main()

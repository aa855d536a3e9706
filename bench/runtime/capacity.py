#!/usr/bin/python3
"""Models of any size, in one run: torchvision's ResNet-18 at 224x224 (about
1.8 G multiply-accumulates, 11.7 M weights) resident on the `cnn` preset
(fast-model functional device and SystemC device), streamed through the
default device's 4 tiles, and resident on a group of four `edge` devices;
ONNX Runtime's single-thread time in the same run is the baseline. Then the
cost of idle tiles: the digits model on 4 and on 4096 tiles.

  bench/runtime/capacity.py [BUILD_DIR] [RUNS]

Prints the markdown rows of docs/benchmarks.md "## Models of any size".
Host times are hycim's own (host_us of the last of two runs in a process:
the first places the weights), the median over RUNS processes.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "tests", "runtime"))
import torch_models  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hycim_timing import bench_args, hycim_run  # noqa: E402

RESNET18_MACS = 1.814e9  # torchvision's figure for ResNet-18 at 224x224

PLACEMENTS = [
    ("resident, cnn preset, functional", ["--preset", "cnn", "--placement", "resident"]),
    ("resident, cnn preset, SystemC", ["-d", "sim://?preset=cnn&engine=systemc", "--placement", "resident"]),
    ("streamed, default device (4 tiles)", ["--preset", "default", "--placement", "stream"]),
    ("resident, group of 4 edge devices", [a for i in range(4) for a in ("-d", f"sim://?preset=edge&instance=g{i}")]),
]


def main():
    hycim, runs, ort_js, env = bench_args(root, sys.argv, 3)
    with tempfile.TemporaryDirectory() as work:
        torch_models.export("resnet18_224", work)
        model, x = f"{work}/resnet18_224.onnx", f"{work}/resnet18_224.input.npy"
        want = np.load(f"{work}/resnet18_224.expected.npy").astype(np.float64).ravel()
        r = subprocess.run(["node", ort_js, model, work, str(max(runs, 5)), x], check=True,
                           capture_output=True, text=True, env=env)
        ort_ms = json.loads(r.stdout)["ms_per_run"]
        print(f"ONNX Runtime 1.20.1, one thread: {ort_ms:.1f} ms per inference\n")
        print("| placement | host ms/inf | / ORT | simulated us/inf | simulated GMAC/s | energy uJ/inf | "
              "NVM rows written/inf | NVM programming us/inf | cosine vs torch | same output |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        first = None
        for what, options in PLACEMENTS:
            ms, st, out = hycim_run(hycim, model, x, runs, *options)
            first = out if first is None else first
            got = out.astype(np.float64).ravel()
            cos = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want)))
            sim_us = st["sim_us"] + st["program_sim_us"]
            print(f"| {what} | {ms:.0f} | {ms / ort_ms:.0f}x | {sim_us:.0f} | "
                  f"{RESNET18_MACS / (sim_us * 1e3):.1f} | "
                  f"{(st['energy_pj'] + st['program_energy_pj']) / 1e6:.1f} | "
                  f"{st['placement']['nvm_rows_written']} | {st['program_sim_us']:.0f} | {cos:.6f} | "
                  f"{'yes' if np.array_equal(out, first) else 'NO'} |")
    digits, dx = os.path.join(root, "models/digits/model.onnx"), os.path.join(root, "models/digits/test_x.npy")
    print("\n| digits model, 360 images | host ms/inf |")
    print("|---|---|")
    base = None
    for tiles in (4, 4096):
        ms, _, _ = hycim_run(hycim, digits, dx, max(runs, 5), "--tiles", str(tiles))
        base = base or ms
        print(f"| {tiles} tiles | {ms:.1f} ({ms / base:.2f}x) |")


if __name__ == "__main__":
    main()

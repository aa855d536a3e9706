#!/usr/bin/python3
"""Real models on hycim against ONNX Runtime, in one run: per model the
accuracy of the tiles against PyTorch (cosine), host wall time per inference
on the fast-model functional device and on the host executor, the device's
simulated cycles, time and energy per inference, and ONNX Runtime's
single-thread time on the same machine; the ratios are hycim / ORT.

  bench/runtime/real_models.py [BUILD_DIR] [RUNS]

Prints the markdown rows of docs/benchmarks.md "## Real models". Models are
those of tests/runtime/torch_models.py, exported here at their test sizes.
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

MODELS = ["resnet_small", "squeezenet1_1", "transformer_opset13", "transformer_opset17"]


def main():
    hycim, runs, ort_js, env = bench_args(root, sys.argv, 9)
    print("| model | cosine vs torch | tiles ms/inf | host-executor ms/inf | ORT 1-thread ms/inf | "
          "tiles / ORT | cycles | simulated us | energy nJ |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for name in MODELS:
            torch_models.export(name, work)
            model, x = f"{work}/{name}.onnx", f"{work}/{name}.input.npy"
            want = np.load(f"{work}/{name}.expected.npy").astype(np.float64).ravel()
            nvm = f"{work}/{name}.nvm"
            tiles_ms, st, got = hycim_run(hycim, model, x, runs, "--tiles", "256", "--nvm", nvm)
            got = got.astype(np.float64).ravel()
            cpu_ms, _, _ = hycim_run(hycim, model, x, runs, "--backend", "cpu")
            r = subprocess.run(["node", ort_js, model, work, str(runs), x], check=True, capture_output=True,
                               text=True, env=env)
            ort_ms = json.loads(r.stdout)["ms_per_run"]
            cos = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want)))
            print(f"| {name} | {cos:.6f} | {tiles_ms:.2f} | {cpu_ms:.2f} | {ort_ms:.3f} | "
                  f"{tiles_ms / ort_ms:.0f}x | {st['cycles']} | {st['sim_us']:.1f} | "
                  f"{st['energy_pj'] / 1000:.1f} |")


if __name__ == "__main__":
    main()

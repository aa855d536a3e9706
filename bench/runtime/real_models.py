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
import time

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "tests", "runtime"))
import torch_models  # noqa: E402

MODELS = ["resnet_small", "squeezenet1_1", "transformer_opset13", "transformer_opset17"]


def hycim_run(hycim, model, x, runs, *options):
    """(seconds per inference over `runs` runs after the placing one, last run's stats, output)."""
    out = model + ".hycim.npy"
    args = [hycim, "run", model, "-i", x, "-o", out, "--json", *options]
    subprocess.run(args, check=True, capture_output=True)  # places the weights (NVM image kept)
    start = time.perf_counter()
    r = subprocess.run(args + ["--runs", str(runs)], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    # One process start and one placing run are in `wall`; subtract a one-run process.
    start1 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    wall1 = time.perf_counter() - start1
    return (wall - wall1) / (runs - 1), json.loads(r.stdout), np.load(out).astype(np.float64).ravel()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    hycim = os.path.join(build, "host-tools", "hycim")
    ort_js = os.path.join(root, "tests", "reference", "ort_run.js")
    env = dict(os.environ, NODE_PATH=os.path.join(root, "build", "reference-npm", "node_modules"))
    print("| model | cosine vs torch | tiles ms/inf | host-executor ms/inf | ORT 1-thread ms/inf | "
          "tiles / ORT | cycles | simulated us | energy nJ |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for name in MODELS:
            torch_models.export(name, work)
            model, x = f"{work}/{name}.onnx", f"{work}/{name}.input.npy"
            want = np.load(f"{work}/{name}.expected.npy").astype(np.float64).ravel()
            nvm = f"{work}/{name}.nvm"
            tiles_s, st, got = hycim_run(hycim, model, x, runs, "--tiles", "256", "--nvm", nvm)
            cpu_s, _, _ = hycim_run(hycim, model, x, runs, "--backend", "cpu")
            r = subprocess.run(["node", ort_js, model, work, str(runs), x], check=True, capture_output=True,
                               text=True, env=env)
            ort_ms = json.loads(r.stdout)["ms_per_run"]
            cos = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want)))
            print(f"| {name} | {cos:.6f} | {tiles_s * 1e3:.2f} | {cpu_s * 1e3:.2f} | {ort_ms:.3f} | "
                  f"{tiles_s * 1e3 / ort_ms:.0f}x | {st['cycles']} | {st['sim_us']:.1f} | "
                  f"{st['energy_pj'] / 1000:.1f} |")


if __name__ == "__main__":
    main()

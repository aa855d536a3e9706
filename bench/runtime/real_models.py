#!/usr/bin/python3
"""Real models on hycim against ONNX Runtime, in one run: per model the
accuracy of the tiles against PyTorch (cosine), host wall time per inference
on the fast-model functional device and on the host executor, the device's
simulated cycles, time and energy per inference, and ONNX Runtime's
single-thread time on the same machine; the ratios are hycim / ORT.

  bench/runtime/real_models.py [BUILD_DIR] [RUNS]

Environment: HYCIM_BENCH_MODELS=a,b keeps only those models (names as in
MODELS and QDQ_MODELS; the digits table is left out then), and
HYCIM_BENCH_RUN_FLAGS="--no-pack-groups" adds options to every tiles run.

Prints the markdown rows of docs/benchmarks.md "## Real models". Models are
those of tests/runtime/torch_models.py, exported here at their test sizes;
the QDQ rows are tests/runtime/qdq_models.py's fake-quantized versions as
PyTorch exports them, compared with ONNX Runtime running the same QDQ model;
the last table is the trained digits classifier (`hycim classify`).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "tests", "runtime"))
import qdq_models  # noqa: E402
import torch_models  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hycim_timing import bench_args, hycim_run  # noqa: E402

MODELS = ["resnet_small", "resnet18_64", "squeezenet1_1", "mobilenet_v2", "mobilenet_v3_small",
          "transformer_opset13", "transformer_opset17"]
# The device each runs on: 256 default tiles (4 MiB of weight NVM), or the
# cnn preset for torchvision's full-width ResNet-18 (11.7 M weights).
DEVICE = {"resnet18_64": ["--preset", "cnn"]}
QDQ_MODELS = ["resnet_small", "mobilenet_v2", "squeezenet1_1", "transformer_opset13"]


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def row(label, ref, cos, tiles_ms, cpu_ms, ort_ms, st):
    print(f"| {label} | {ref} {cos:.6f} | {tiles_ms:.2f} | {cpu_ms:.2f} | {ort_ms:.3f} | "
          f"{tiles_ms / ort_ms:.0f}x | {st['cycles']} | {st['sim_us']:.1f} | "
          f"{st['energy_pj'] / 1000:.1f} |")


def measure(hycim, runs, ort_js, env, model, x, device):
    """(tiles ms, host-executor ms, ORT ms, tiles stats, tiles output, ORT output)."""
    nvm = model + ".nvm"
    flags = os.environ.get("HYCIM_BENCH_RUN_FLAGS", "").split()
    tiles_ms, st, got = hycim_run(hycim, model, x, runs, *device, "--nvm", nvm, *flags)
    cpu_ms, _, _ = hycim_run(hycim, model, x, runs, "--backend", "cpu")
    out = model + ".ort"
    os.makedirs(out, exist_ok=True)
    r = subprocess.run(["node", ort_js, model, out, str(runs), x], check=True, capture_output=True,
                       text=True, env=env)
    ort = np.load(f"{out}/output_0.npy").astype(np.float64).ravel()
    return tiles_ms, cpu_ms, json.loads(r.stdout)["ms_per_run"], st, got.astype(np.float64).ravel(), ort


def main():
    hycim, runs, ort_js, env = bench_args(root, sys.argv, 9)
    only = [m for m in os.environ.get("HYCIM_BENCH_MODELS", "").split(",") if m]
    models = [m for m in MODELS if not only or m in only]
    qdq = [m for m in QDQ_MODELS if not only or m in only]
    print("| model | cosine vs | tiles ms/inf | host-executor ms/inf | ORT 1-thread ms/inf | "
          "tiles / ORT | cycles | simulated us | energy nJ |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for name in models:
            torch_models.export(name, work)
            model, x = f"{work}/{name}.onnx", f"{work}/{name}.input.npy"
            want = np.load(f"{work}/{name}.expected.npy").astype(np.float64).ravel()
            device = DEVICE.get(name, ["--tiles", "256"])
            tiles_ms, cpu_ms, ort_ms, st, got, _ = measure(hycim, runs, ort_js, env, model, x, device)
            row(name, "torch", cosine(got, want), tiles_ms, cpu_ms, ort_ms, st)
        for name in qdq:
            qdq_models.export(name, work)
            model, x = f"{work}/{name}.torch_qdq.onnx", f"{work}/{name}.qdq.input.npy"
            tiles_ms, cpu_ms, ort_ms, st, got, ort = measure(hycim, runs, ort_js, env, model, x,
                                                             ["--tiles", "256"])
            row(f"{name} QDQ", "ORT", cosine(got, ort), tiles_ms, cpu_ms, ort_ms, st)
    if only:
        return
    r = subprocess.run([hycim, "classify", os.path.join(root, "models", "digits"), "--json"], check=True,
                       capture_output=True, text=True)
    c = json.loads(r.stdout)
    print()
    print("| trained model | test images | float accuracy | device accuracy | cycles/inf | "
          "simulated us/inf | energy nJ/inf |")
    print("|---|---|---|---|---|---|---|")
    print(f"| digits MLP (scikit-learn digits) | {c['samples']} | {100 * c['float_accuracy']:.2f} % | "
          f"{100 * c['device_accuracy']:.2f} % | {c['cycles_per_inference']:.0f} | "
          f"{c['sim_us_per_inference']:.2f} | {c['energy_nj_per_inference']:.1f} |")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""PyTorch and ONNX Runtime as the independent references: torchvision CNNs
and a transformer encoder layer, exported at test time
(tests/runtime/torch_models.py), run by `hycim run` on the host executor and
on the device's tiles, and by ONNX Runtime (tests/reference/ort_run.js),
compared with PyTorch's own outputs and with ONNX Runtime's.

  torch_reference_test.py HYCIM WORK_DIR ORT_RUN_JS NODE_MODULES

Host executor (`--backend cpu`, float): max |hycim - ref| <= 1e-5 max |ref|
for both references. Tiles (int8 products on the default functional device
with 256 tiles, or the cnn preset for EfficientNet-B0, DenseNet-121 and
GoogLeNet): cosine similarity >= 0.99 with both. Every torchvision
classification family is here (ResNet, SqueezeNet, MobileNetV2/V3,
ShuffleNetV2, EfficientNet, DenseNet, GoogLeNet), at 10 classes and small
inputs. Whole-model sizes
(ResNet-18, full MobileNetV2, streaming, device groups) are capacity_test.py's.
"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402

MODELS = ["resnet_small", "squeezenet1_1", "mobilenet_v2", "mobilenet_v3_small",
          "shufflenet_v2", "efficientnet_b0", "densenet121", "googlenet",
          "transformer_opset13", "transformer_opset17"]
# The device each runs on: 256 default tiles, or the cnn preset for the
# families whose weights do not fit 4 MiB.
DEVICE = {name: ["--preset", "cnn"] for name in ("efficientnet_b0", "densenet121", "googlenet")}


def run_hycim(hycim, model, x, out, *options):
    return subprocess.run([hycim, "run", model, "-i", x, "-o", out, *options], capture_output=True, text=True)


def run_ort(ort_js, node_modules, model, x, out_dir):
    """ONNX Runtime's output for the model (None, with the reason printed, on failure)."""
    env = dict(os.environ, NODE_PATH=node_modules)
    r = subprocess.run(["node", ort_js, model, out_dir, "1", x], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return np.load(f"{out_dir}/output_0.npy").astype(np.float64).ravel(), ""


def relative_error(got, want):
    return np.max(np.abs(got - want)) / np.max(np.abs(want))


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main():
    hycim, work, ort_js, node_modules = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    failures = []
    for name in MODELS:
        torch_models.export(name, work)
        model, x = f"{work}/{name}.onnx", f"{work}/{name}.input.npy"
        want = np.load(f"{work}/{name}.expected.npy").astype(np.float64).ravel()
        ort_dir = f"{work}/{name}.ort"
        os.makedirs(ort_dir, exist_ok=True)
        ort, why = run_ort(ort_js, node_modules, model, x, ort_dir)
        if ort is None:
            failures.append(f"{name} onnxruntime: {why}")
            continue
        refs = {"torch": want, "onnxruntime": ort}
        cpu = run_hycim(hycim, model, x, f"{work}/{name}.cpu.npy", "--backend", "cpu")
        if cpu.returncode != 0:
            failures.append(f"{name} cpu: {cpu.stderr.strip()}")
            continue
        got = np.load(f"{work}/{name}.cpu.npy").astype(np.float64).ravel()
        for ref, r in refs.items():
            rel = relative_error(got, r)
            print(f"{name}: host executor max error {rel:.3g} of max |{ref}|")
            if not rel <= 1e-5:
                failures.append(f"{name} cpu vs {ref}: max relative error {rel:.3g} > 1e-5")
        tiles = run_hycim(hycim, model, x, f"{work}/{name}.tiles.npy",
                          *DEVICE.get(name, ["--tiles", "256"]))
        if tiles.returncode != 0:
            failures.append(f"{name} tiles: {tiles.stderr.strip()}")
            continue
        got = np.load(f"{work}/{name}.tiles.npy").astype(np.float64).ravel()
        for ref, r in refs.items():
            cos = cosine(got, r)
            print(f"{name}: tiles cosine {cos:.6f} with {ref}")
            if not cos >= 0.99:
                failures.append(f"{name} tiles vs {ref}: cosine {cos:.6f} < 0.99")
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

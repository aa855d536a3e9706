#!/usr/bin/python3
"""PyTorch as the independent reference: torchvision CNNs and a transformer
encoder layer, exported at test time (tests/runtime/torch_models.py), run by
`hycim run` on the host executor and on the device's tiles, compared with
PyTorch's own outputs.

  torch_reference_test.py HYCIM WORK_DIR

Host executor (`--backend cpu`, float): max |hycim - torch| <= 1e-5 max |torch|.
Tiles (int8 products on the default functional device with 256 tiles):
cosine similarity >= 0.99. Models whose depthwise layers need more NVM rows
than 256 tiles have are refused with the NVM message, before any output.
"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402

# name -> whether its weights fit the tiles (the rest wait for denser placement)
MODELS = {
    "resnet_small": True,
    "squeezenet1_1": True,
    "mobilenet_v2": False,
    "mobilenet_v3_small": False,
    "transformer_opset13": True,
    "transformer_opset17": True,
}


def run_hycim(hycim, model, x, out, *options):
    return subprocess.run([hycim, "run", model, "-i", x, "-o", out, *options], capture_output=True, text=True)


def main():
    hycim, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    failures = []
    for name, fits in MODELS.items():
        torch_models.export(name, work)
        model, x = f"{work}/{name}.onnx", f"{work}/{name}.input.npy"
        want = np.load(f"{work}/{name}.expected.npy").astype(np.float64).ravel()
        cpu = run_hycim(hycim, model, x, f"{work}/{name}.cpu.npy", "--backend", "cpu")
        if cpu.returncode != 0:
            failures.append(f"{name} cpu: {cpu.stderr.strip()}")
            continue
        got = np.load(f"{work}/{name}.cpu.npy").astype(np.float64).ravel()
        rel = np.max(np.abs(got - want)) / np.max(np.abs(want))
        print(f"{name}: host executor max error {rel:.3g} of max |torch|")
        if not rel <= 1e-5:
            failures.append(f"{name} cpu: max relative error {rel:.3g} > 1e-5")
        tiles = run_hycim(hycim, model, x, f"{work}/{name}.tiles.npy", "--tiles", "256")
        if not fits:
            if tiles.returncode == 0 or "free NVM rows" not in tiles.stderr:
                failures.append(f"{name} tiles: expected the NVM refusal, got: {tiles.stderr.strip()}")
            else:
                print(f"{name}: tiles refused as expected: {tiles.stderr.strip()[:160]}")
            continue
        if tiles.returncode != 0:
            failures.append(f"{name} tiles: {tiles.stderr.strip()}")
            continue
        got = np.load(f"{work}/{name}.tiles.npy").astype(np.float64).ravel()
        cos = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want)))
        print(f"{name}: tiles cosine {cos:.6f}")
        if not cos >= 0.99:
            failures.append(f"{name} tiles: cosine {cos:.6f} < 0.99")
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

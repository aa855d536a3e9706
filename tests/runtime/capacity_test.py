#!/usr/bin/python3
"""Models of any size (docs/runtime.md "Placement"): torchvision's ResNet-18
(11.7 M weights) and full-width MobileNetV2 (3.5 M), exported at test time
(tests/runtime/torch_models.py, small images), run by `hycim run`:

- ResNet-18 resident on the `cnn` preset (16 MiB of weight NVM), streamed
  on the default device (64 KiB: every weight programmed again per run),
  and resident on a group of four `edge` devices: the three outputs are the
  same bytes, and within cosine 0.99 of PyTorch's; `--placement resident` on
  the default device is refused before anything is programmed, naming the
  shortfall.
- MobileNetV2 resident on the smallest device that holds its weights
  (ceil(rows / 512) tiles, or one or two more if fragmentation needs them),
  with at least 95 % of that device's NVM rows in use, and the same output
  as on the `cnn` preset.

  capacity_test.py HYCIM WORK_DIR
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402

failures = []


def hycim_run(hycim, model, x, out, *options):
    """(JSON report, stderr) of one `hycim run --json`; None when it failed."""
    r = subprocess.run([hycim, "run", model, "-i", x, "-o", out, "--json", *options],
                       capture_output=True, text=True)
    return (json.loads(r.stdout) if r.returncode == 0 else None), r.stderr.strip()


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def resnet18(hycim, work):
    torch_models.export("resnet18", work)
    model, x = f"{work}/resnet18.onnx", f"{work}/resnet18.input.npy"
    want = np.load(f"{work}/resnet18.expected.npy")
    runs = {
        "resident on cnn": ["--preset", "cnn", "--placement", "resident"],
        "streamed on default": ["--preset", "default", "--placement", "stream"],
        "group of 4 edge devices": [a for i in range(4)
                                    for a in ("-d", f"sim://?preset=edge&instance=capacity{i}")],
    }
    outs = {}
    for what, options in runs.items():
        out = f"{work}/resnet18.{len(outs)}.npy"
        j, err = hycim_run(hycim, model, x, out, *options)
        check(j is not None, f"resnet18 {what} runs ({err[-300:]})")
        if j is None:
            continue
        outs[what] = np.load(out)
        p = j["placement"]
        print(f"  {what}: {p}")
        if what.startswith("streamed"):
            check(p["policy"] == "stream" and p["streamed_rows"] == p["weight_rows"],
                  "resnet18 on default streams every weight row")
            check(p["nvm_rows_written"] >= p["weight_rows"], "resnet18 streamed run writes its rows")
            check(any(layer["nvm_rows_written"] > 0 for layer in j["layers"]),
                  "resnet18 streamed: NVM rows written reported per layer")
        else:
            check(p["policy"] == "resident" and p["streamed_rows"] == 0, f"resnet18 {what} is resident")
        check(cosine(outs[what], want) >= 0.99, f"resnet18 {what}: cosine {cosine(outs[what], want):.6f} >= 0.99")
    first = next(iter(outs.values()), None)
    for what, o in outs.items():
        check(np.array_equal(o, first), f"resnet18 {what}: same output as resident on cnn")
    j, err = hycim_run(hycim, model, x, f"{work}/resnet18.refused.npy", "--placement", "resident")
    check(j is None and "do not fit the device's NVM" in err and "short" in err,
          f"resnet18 resident on the default device is refused naming the shortfall ({err[-200:]})")


def mobilenet_v2(hycim, work):
    torch_models.export("mobilenet_v2_full", work)
    model, x = f"{work}/mobilenet_v2_full.onnx", f"{work}/mobilenet_v2_full.input.npy"
    big, err = hycim_run(hycim, model, x, f"{work}/mnv2.cnn.npy", "--preset", "cnn")
    check(big is not None, f"mobilenet_v2 on cnn runs ({err[-300:]})")
    if big is None:
        return
    rows = big["placement"]["weight_rows"]
    least = math.ceil(rows / 512)
    for tiles in range(least, least + 3):
        j, err = hycim_run(hycim, model, x, f"{work}/mnv2.tight.npy", "--tiles", str(tiles),
                           "--placement", "resident")
        if j is not None:
            break
    check(j is not None, f"mobilenet_v2 ({rows} rows) resident on {least}..{least + 2} tiles ({err[-300:]})")
    if j is None:
        return
    p = j["placement"]
    used = p["used_rows"] / p["device_rows"]
    print(f"  mobilenet_v2: {rows} weight rows on {tiles} tiles ({least} at least): {used:.1%} of the NVM rows")
    check(used >= 0.95, f"mobilenet_v2 fills {used:.1%} >= 95% of the NVM rows of {tiles} tiles")
    check(np.array_equal(np.load(f"{work}/mnv2.tight.npy"), np.load(f"{work}/mnv2.cnn.npy")),
          "mobilenet_v2: same output packed tight as on cnn")


def main():
    hycim, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    resnet18(hycim, work)
    mobilenet_v2(hycim, work)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

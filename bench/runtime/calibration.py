#!/usr/bin/python3
"""Activation calibration methods (hycim quantize --method) measured on the
device: int8 accuracy on the tiles against the float model in the same run.

  bench/runtime/calibration.py [BUILD_DIR] [--torch] [--json OUT]

Digits: the trained MLP of models/digits (scripts/train_digits.py),
calibrated on its 128 training images (calib_x.npy) as they are and with a
few of them (1 or 2 of 128) corrupted the way a sensor or an ADC corrupts a
frame: one pixel or one row of 8 stuck at full scale of an 8-, 12- or
16-bit reading (255, 4095, 65535 against the 0..16 pixel range; the model
sees pixels / 16). Each method's ranges quantize the
540 test images on the default simulated device; the figures are accuracy
on the labels and agreement with the float model's argmax. --torch adds the
small PyTorch models of tests/runtime/torch_models.py (untrained, random
inputs): cosine of the device's output to the float one on held-out random
inputs, calibrated on clean random batches and with one batch carrying a
sensor-glitch spike. Prints markdown tables (docs/benchmarks.md,
"Calibration methods").
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

METHODS = [("minmax", {"method": "minmax"}),
           ("percentile 99.99", {"method": "percentile", "percentile": 99.99}),
           ("percentile 99.9", {"method": "percentile", "percentile": 99.9}),
           ("entropy", {"method": "entropy"})]

_instance = iter(range(1_000_000))


def device_uri():
    return f"sim://?instance=calibration{next(_instance)}"


def stuck_pixels(calib, images, pixels, raw):
    """calib with `pixels` (flat indices) of images `images` read as `raw`."""
    c = calib.copy()
    for i in images:
        c[i, pixels] = raw / 16
    return c


def digits_cases(calib):
    # Which images and pixels: fixed, so every run measures the same set.
    # 255: an 8-bit reading at full scale; 4095: a 12-bit ADC's (a raw frame
    # in a pipeline that expects 0..16); 65535: a 16-bit word of ones.
    row = list(range(24, 32))  # the 4th row of the 8x8 image
    cases = [("clean", calib)]
    for raw in (255, 4095):
        cases += [(f"1 image, 1 pixel at {raw}", stuck_pixels(calib, [17], [27], raw)),
                  (f"1 image, a row at {raw}", stuck_pixels(calib, [17], row, raw)),
                  (f"2 images, a row each at {raw}", stuck_pixels(calib, [17, 90], row, raw))]
    cases.append(("1 image, 1 pixel at 65535", stuck_pixels(calib, [17], [27], 65535)))
    return cases


def digits(hycim):
    d = os.path.join(root, "models", "digits")
    model = os.path.join(d, "model.onnx")
    calib = np.load(os.path.join(d, "calib_x.npy"))
    x, y = np.load(os.path.join(d, "test_x.npy")), np.load(os.path.join(d, "test_y.npy"))
    ref = hycim.Session(model, backend="cpu").run(x)[0].argmax(1)
    float_acc = float((ref == y).mean())
    rows = []
    for case, c in digits_cases(calib):
        for label, kw in METHODS:
            opts = {("calibration_method" if k == "method" else k): v for k, v in kw.items()}
            s = hycim.Session(model, device=device_uri(), calibration=[c], **opts)
            pred = s.run(x)[0].argmax(1)
            rows.append({"case": case, "method": label, "float_accuracy": float_acc,
                         "device_accuracy": float((pred == y).mean()),
                         "agreement": float((pred == ref).mean()),
                         "ranges": {k: list(v) for k, v in s.ranges.items()}})
    return rows


def cosine(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def torch_rows(hycim, names):
    sys.path.insert(0, os.path.join(root, "tests", "runtime"))
    import torch_models  # noqa: E402
    rows = []
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            torch_models.export(name, tmp)
            model = os.path.join(tmp, f"{name}.onnx")
            shape = np.load(os.path.join(tmp, f"{name}.input.npy")).shape
            calib = [rng.standard_normal(shape).astype(np.float32) for _ in range(8)]
            glitch = [c.copy() for c in calib]
            flat = glitch[3].reshape(-1)
            flat[rng.choice(flat.size, 4, replace=False)] = 100.0  # a spike far off N(0, 1)
            held = [rng.standard_normal(shape).astype(np.float32) for _ in range(4)]
            cpu = hycim.Session(model, backend="cpu")
            ref = [cpu.run(h)[0] for h in held]
            for case, cal in (("clean", calib), ("1 of 8 batches with 4 spikes of 100", glitch)):
                for label, kw in METHODS:
                    opts = {("calibration_method" if k == "method" else k): v for k, v in kw.items()}
                    s = hycim.Session(model, device=device_uri(), calibration=cal, **opts)
                    cos = [cosine(s.run(h)[0], r) for h, r in zip(held, ref)]
                    rows.append({"model": name, "case": case, "method": label,
                                 "cosine_mean": float(np.mean(cos)), "cosine_min": float(np.min(cos))})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(root, "build"))
    ap.add_argument("--torch", action="store_true", help="also the small PyTorch models")
    ap.add_argument("--json", help="write every figure here")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.abspath(args.build), "python"))
    import hycim  # noqa: E402

    rows = digits(hycim)
    print(f"digits MLP, 540 test images, float accuracy (CPU) {rows[0]['float_accuracy']:.4f}\n")
    print("| calibration set | method | device accuracy | vs float | agrees with float |")
    print("| --- | --- | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['case']} | {r['method']} | {r['device_accuracy']:.4f} | "
              f"{100 * (r['device_accuracy'] - r['float_accuracy']):+.2f} pt | {r['agreement']:.4f} |")
    print("\nranges (x, relu1, relu2):")
    for r in rows:
        rg = r["ranges"]
        print(f"  {r['case']:<30} {r['method']:<17} " +
              "  ".join(f"{k} {rg[k][1]:.3f}" for k in ("x", "relu1", "relu2")))
    out = {"digits": rows}
    if args.torch:
        t = torch_rows(hycim, ["resnet_small", "mobilenet_v2", "transformer_opset13"])
        out["torch"] = t
        print("\n| model | calibration set | method | cosine to float (mean) | min |")
        print("| --- | --- | --- | ---: | ---: |")
        for r in t:
            print(f"| {r['model']} | {r['case']} | {r['method']} | {r['cosine_mean']:.5f} | "
                  f"{r['cosine_min']:.5f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""What the Python package adds to a run: wall time of Session.run seen from
Python (arrays in, conversion, GIL release, arrays out) against the
runtime's own time for the same run (stats["host_us"], measured inside the
C++ Session), in the same process, on the digits MLP at batch 1 and 64 on
the default functional device.

    PYTHONPATH=build/python /usr/bin/python3 bench/python/api_overhead.py [REPS]
"""
import pathlib
import sys
import time

import numpy as np

import hycim

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    d = ROOT / "models" / "digits"
    x = np.load(d / "test_x.npy")
    s = hycim.Session(d / "model.onnx", calibration=[np.load(d / "calib_x.npy")])
    print(f"{'batch':>5} {'python us/run':>14} {'runtime us/run':>15} {'ratio':>6}")
    for batch in (1, 64):
        xb = np.ascontiguousarray(x[:batch])
        s.run(xb)  # warm: weights placed, buffers sized
        py = inner = 0.0
        best_py = best_inner = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            s.run(xb)
            dt = (time.perf_counter() - t0) * 1e6
            h = s.stats["host_us"]
            py += dt
            inner += h
            best_py, best_inner = min(best_py, dt), min(best_inner, h)
        print(f"{batch:>5} {py / reps:>14.1f} {inner / reps:>15.1f} {py / inner:>6.3f}"
              f"   (best {best_py:.1f} vs {best_inner:.1f})")


if __name__ == "__main__":
    main()

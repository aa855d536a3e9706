#!/usr/bin/python3
"""Writes an ImageNet-shaped file set for the data-cache benchmark.

gen_files.py OUT_DIR COUNT MEDIAN_KB MIN_KB MAX_KB SIGMA [CLASSES]

Sizes are log-normal around MEDIAN_KB, clipped to [MIN_KB, MAX_KB]; files go
into CLASSES class folders (ImageFolder layout). Contents are slices of one
random block: incompressible like JPEGs, and cheap to produce.
"""
import os
import sys

import numpy as np


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    median, lo, hi, sigma = (float(v) * (1000 if i < 3 else 1) for i, v in enumerate(sys.argv[3:7]))
    classes = int(sys.argv[7]) if len(sys.argv) > 7 else 1000
    rng = np.random.default_rng(1234)
    sizes = np.clip(rng.lognormal(np.log(median), sigma, count), lo, hi).astype(np.int64)
    block = rng.integers(0, 256, size=64 << 20, dtype=np.uint8).tobytes()
    starts = rng.integers(0, len(block) - int(hi), size=count)
    for c in range(classes):
        os.makedirs(os.path.join(out, "n%08d" % c), exist_ok=True)
    for i in range(count):
        path = os.path.join(out, "n%08d" % (i % classes), "img_%07d.JPEG" % i)
        with open(path, "wb") as f:
            f.write(block[starts[i]:starts[i] + sizes[i]])
    print("%s: %d files, %.1f MB, mean %.1f KB" % (out, count, sizes.sum() / 1e6, sizes.mean() / 1e3))


if __name__ == "__main__":
    main()

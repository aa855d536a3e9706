#!/usr/bin/python3
"""Exports the Debian-shipped scikit-learn digits (python3-sklearn: 1797 real
8x8 handwritten digit scans) as one binary PGM file per sample, in class
folders 0-9, for the data-cache benchmark.

export_digits.py OUT_DIR
"""
import os
import sys

from sklearn.datasets import load_digits


def main():
    out = sys.argv[1]
    digits = load_digits()
    for i, (img, label) in enumerate(zip(digits.images, digits.target)):
        folder = os.path.join(out, str(label))
        os.makedirs(folder, exist_ok=True)
        pixels = bytes(int(v * 255 / 16) for v in img.flatten())
        with open(os.path.join(folder, "digit_%04d.pgm" % i), "wb") as f:
            f.write(b"P5\n8 8\n255\n" + pixels)
    print("%s: %d images" % (out, len(digits.images)))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Trains the end-to-end example model: an MLP on scikit-learn's 8x8 digits
(1797 real handwritten digits, shipped by Debian's python3-sklearn), exported
to ONNX with the onnx package's helpers (python3-onnx).

Writes into the output folder (default models/digits):
  model.onnx   Gemm-Relu-Gemm-Relu-Gemm, input x float [batch, 64] (pixels / 16),
               output logits float [batch, 10]
  calib_x.npy  128 training images, for `hycim quantize --calibrate`
  test_x.npy   the held-out test images, float32 [N, 64]
  test_y.npy   their labels, int64 [N]

Deterministic: fixed split and seeds. Run: /usr/bin/python3 scripts/train_digits.py
"""
import argparse
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier


def export(clf, path):
    nodes, inits = [], []
    x = "x"
    layers = len(clf.coefs_)
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        wn, bn = f"fc{i + 1}.weight", f"fc{i + 1}.bias"
        # Stored [out, in] with transB=1, as PyTorch exports linear layers.
        inits.append(numpy_helper.from_array(w.T.astype(np.float32), wn))
        inits.append(numpy_helper.from_array(b.astype(np.float32), bn))
        y = "logits" if i == layers - 1 else f"fc{i + 1}"
        nodes.append(helper.make_node("Gemm", [x, wn, bn], [y], name=f"fc{i + 1}", transB=1))
        if i < layers - 1:
            nodes.append(helper.make_node("Relu", [y], [f"relu{i + 1}"], name=f"relu{i + 1}"))
            y = f"relu{i + 1}"
        x = y
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        inits)
    model = helper.make_model(graph, producer_name="hycim scripts/train_digits.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models", "digits"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    clf = MLPClassifier(hidden_layer_sizes=(128, 64), activation="relu", max_iter=600, random_state=0)
    clf.fit(x_train, y_train)
    print(f"float accuracy on {len(y_test)} test digits: {clf.score(x_test, y_test):.4f}")
    export(clf, os.path.join(args.out, "model.onnx"))
    np.save(os.path.join(args.out, "calib_x.npy"), x_train[:128])
    np.save(os.path.join(args.out, "test_x.npy"), x_test)
    np.save(os.path.join(args.out, "test_y.npy"), y_test)


if __name__ == "__main__":
    main()

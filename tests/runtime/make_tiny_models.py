#!/usr/bin/env python3
"""Writes tiny one-MatMul ONNX models for the residency tests: OUT/a.onnx,
b.onnx, c.onnx, each y = x . W with W a distinct 16x8 int8-valued float
matrix (16 NVM rows of an 8-lane tile). Usage: make_tiny_models.py OUT"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(seed: int) -> onnx.ModelProto:
    w = np.random.default_rng(seed).integers(-100, 100, size=(16, 8)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
        f"tiny{seed}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])],
        [numpy_helper.from_array(w, "w")],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


out = sys.argv[1]
for i, name in enumerate("abc"):
    onnx.save(model(i + 1), f"{out}/{name}.onnx")
np.save(f"{out}/x.npy", np.arange(16, dtype=np.float32).reshape(1, 16) / 4)

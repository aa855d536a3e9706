#!/usr/bin/python3
"""Writes the seed corpus of onnx_model_fuzz (tests/fuzz/corpus/onnx_model/).

Needs Debian's python3-onnx (scripts/install-deps.sh installs it), which is
why it is not part of make_seeds.py (standard library only). Run it with the
system Python after changing a seed:

    /usr/bin/python3 tests/fuzz/make_onnx_seeds.py

Each seed is a small model built with onnx.helper: ok_* the runtime must load,
build a CPU session for and run, bad_* it must refuse with a RuntimeError.
Files the campaigns merged in (libFuzzer hash names) are kept.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "corpus", "onnx_model")
F, I64 = TensorProto.FLOAT, TensorProto.INT64


def model(nodes, inputs, outputs, inits=(), opset=13, check=True):
    g = helper.make_graph(nodes, "seed", inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="seed")
    m.ir_version = 8
    if check:
        onnx.checker.check_model(m)
    return m.SerializeToString()


def value(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def weights(shape, dtype=np.float32):
    n = int(np.prod(shape))
    return (np.arange(n) % 7 - 3).astype(dtype).reshape(shape) * (0.25 if dtype == np.float32 else 1)


def seeds():
    s = {}
    s["ok_gemm"] = model(
        [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1, alpha=0.5)],
        [value("x", F, [2, 4])], [value("y", F, [2, 3])],
        [init("w", weights([3, 4])), init("b", weights([3]))])
    s["ok_conv_batchnorm_relu"] = model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("BatchNormalization", ["c", "s", "o", "m", "v"], ["n"]),
         helper.make_node("Relu", ["n"], ["y"])],
        [value("x", F, [1, 1, 5, 5])], [value("y", F, [1, 2, 5, 5])],
        [init("w", weights([2, 1, 3, 3])), init("b", weights([2])),
         init("s", np.array([1.0, 0.5], np.float32)), init("o", np.array([0.1, -0.1], np.float32)),
         init("m", np.array([0.0, 0.2], np.float32)), init("v", np.array([1.0, 2.0], np.float32))])
    s["ok_shape_chain"] = model(
        [helper.make_node("Shape", ["x"], ["s"]),
         helper.make_node("Gather", ["s", "i0"], ["d0"], axis=0),
         helper.make_node("Unsqueeze", ["d0", "ax"], ["d0u"]),
         helper.make_node("Concat", ["d0u", "minus1", "one"], ["shape"], axis=0),
         helper.make_node("Reshape", ["x", "shape"], ["r"]),
         helper.make_node("Transpose", ["r"], ["t"], perm=[1, 0, 2]),
         helper.make_node("Flatten", ["t"], ["y"], axis=1)],
        [value("x", F, [2, 3, 2])], [value("y", F, [6, 2])],
        [init("i0", np.array(0, np.int64)), init("ax", np.array([0], np.int64)),
         init("minus1", np.array([-1], np.int64)), init("one", np.array([1], np.int64))])
    s["ok_qdq_matmul"] = model(
        [helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
         helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
         helper.make_node("DequantizeLinear", ["wq", "sw", "zw"], ["wd"]),
         helper.make_node("MatMul", ["xd", "wd"], ["y"])],
        [value("x", F, [2, 4])], [value("y", F, [2, 3])],
        [init("sx", np.array(0.05, np.float32)), init("zx", np.array(128, np.uint8)),
         init("wq", weights([4, 3], np.int8)), init("sw", np.array(0.1, np.float32)),
         init("zw", np.array(0, np.int8))])
    s["ok_constant_weight"] = model(
        [helper.make_node("Constant", [], ["w"], value=init("cw", weights([4, 2]))),
         helper.make_node("Constant", [], ["b"], value_floats=[0.5, -0.5]),
         helper.make_node("MatMul", ["x", "w"], ["m"]),
         helper.make_node("Add", ["m", "b"], ["a"]),
         helper.make_node("Identity", ["a"], ["y"])],
        [value("x", F, [3, 4])], [value("y", F, [3, 2])])
    s["ok_constant_of_shape_expand"] = model(
        [helper.make_node("ConstantOfShape", ["shape"], ["z"],
                          value=numpy_helper.from_array(np.array([1.5], np.float32))),
         helper.make_node("Expand", ["x", "eshape"], ["e"]),
         helper.make_node("Add", ["z", "e"], ["y"])],
        [value("x", F, [1, 3])], [value("y", F, [2, 3])],
        [init("shape", np.array([2, 3], np.int64)), init("eshape", np.array([2, 1], np.int64))])
    s["ok_symbolic_batch"] = model(
        [helper.make_node("Softmax", ["x"], ["y"], axis=-1)],
        [value("x", F, ["N", 4])], [value("y", F, ["N", 4])])
    s["ok_metadata_ranges"] = with_metadata(s["ok_gemm"], "hycim.ranges", '{"x": [-1.0, 1.0]}')
    s["bad_not_protobuf"] = b"\xff\xff\xff\xff not an onnx model"
    s["bad_truncated"] = s["ok_conv_batchnorm_relu"][:150]
    s["bad_checker_unknown_input"] = model(
        [helper.make_node("Relu", ["nothing"], ["y"])], [value("x", F, [2])],
        [value("y", F, [2])], check=False)
    s["bad_unsupported_op"] = model(
        [helper.make_node("Det", ["x"], ["y"])], [value("x", F, [2, 2])], [value("y", F, [])])
    s["bad_other_domain"] = model(
        [helper.make_node("Relu", ["x"], ["y"], domain="com.example")],
        [value("x", F, [2])], [value("y", F, [2])], check=False)
    s["bad_ranges_metadata"] = with_metadata(s["ok_gemm"], "hycim.ranges", '{"x": [1e300, 2]}')
    s["bad_initializer_short"] = model(
        [helper.make_node("Relu", ["x"], ["y"])], [], [value("y", F, [4])],
        [short_tensor("x", [4], [1.0, 2.0])], check=False)
    # ONNX 1.12's own shape inference reads out of bounds on this one: the
    # runtime refuses it before inference runs.
    s["bad_conv_weight_rank"] = model(
        [helper.make_node("Conv", ["x", "w"], ["y"])],
        [value("x", F, [1, 1, 5, 5])], [value("y", F, [1, 2, 3, 3])],
        [init("w", weights([2, 1, 3, 3, 1, 1]))], check=False)
    short_shape = init("shape", np.array([2, 3], np.int64))
    short_shape.raw_data = short_shape.raw_data[:12]
    s["bad_short_raw_data"] = model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"])],
        [value("x", F, [6])], [value("y", F, [2, 3])], [short_shape], check=False)
    s["bad_reshape_overflow"] = model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"])],
        [value("x", F, [2, 3])], [value("y", F, ["a", "b", "c"])],
        [init("shape", np.array([-1, 1 << 40, 1 << 40], np.int64))])
    # A few bytes that ask for far more memory than any input could need:
    # the runtime must refuse them before allocating.
    s["bad_huge_constant_of_shape"] = model(
        [helper.make_node("ConstantOfShape", ["shape"], ["y"])], [], [value("y", F, ["a", "b"])],
        [init("shape", np.array([1 << 20, 1 << 20], np.int64))])
    s["bad_huge_expand"] = model(
        [helper.make_node("Expand", ["x", "shape"], ["y"])],
        [value("x", F, [1])], [value("y", F, ["a", "b"])],
        [init("shape", np.array([1 << 16, 1 << 16], np.int64))])
    return s


def short_tensor(name, dims, values):
    t = helper.make_tensor(name, F, [len(values)], values)
    del t.dims[:]
    t.dims.extend(dims)
    return t


def with_metadata(data, key, text):
    m = onnx.ModelProto()
    m.ParseFromString(data)
    helper.set_model_props(m, {key: text})
    return m.SerializeToString()


def main():
    os.makedirs(TARGET, exist_ok=True)
    for n in os.listdir(TARGET):
        if n.startswith(("ok_", "bad_")):
            os.remove(os.path.join(TARGET, n))
    for name, data in seeds().items():
        with open(os.path.join(TARGET, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

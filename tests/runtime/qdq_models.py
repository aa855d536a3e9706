#!/usr/bin/python3
"""QDQ models as the quantizers users have write them, from the PyTorch
models of torch_models.py.

  qdq_models.py NAME OUT_DIR

writes OUT_DIR/NAME.torch_qdq.onnx, NAME.ort_qdq.onnx, NAME.qdq.input.npy and
NAME.qdq.expected.npy (PyTorch's own output of the fake-quantized model):

- torch_qdq: post-training quantization in PyTorch's QAT form. BatchNorm is
  fused into the convolution before it (as torch.ao.quantization's fusion
  does); each Conv1d/2d/3d and Linear then fake-quantizes its input per tensor
  (quint8, affine, the range observed on calibration batches, as
  MinMaxObserver computes scale and zero point) and its weight per output
  channel (qint8, symmetric). torch.onnx.export writes each fake quantizer as
  QuantizeLinear + DequantizeLinear, the weights as float initializers behind
  a QuantizeLinear, scales and zero points in Constant nodes.
- ort_qdq: the same model in the layout ONNX Runtime's quantize_static
  writes (its Python quantizer is not installable offline, so the layout is
  reproduced here): weights as int8 initializers read by DequantizeLinear,
  biases as int32 initializers with scale s_x * s_w per channel and zero
  point 0 behind a DequantizeLinear.
"""
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import torch_models

CONVS = {torch.nn.Conv1d: torch.nn.functional.conv1d, torch.nn.Conv2d: torch.nn.functional.conv2d,
         torch.nn.Conv3d: torch.nn.functional.conv3d}
BATCH_NORMS = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d)
PRODUCTS = (*CONVS, torch.nn.Linear)


def fuse_batch_norms(module):
    """Folds each BatchNorm that directly follows a convolution among a
    module's children (in registration order) into it, recursively."""
    names = list(module._modules.keys())
    for a, b in zip(names, names[1:]):
        conv, bn = module._modules[a], module._modules[b]
        if type(conv) in CONVS and isinstance(bn, BATCH_NORMS):
            module._modules[a] = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
            module._modules[b] = torch.nn.Identity()
    for child in module.children():
        fuse_batch_norms(child)


class FakeQuantized(torch.nn.Module):
    """A Conv or Linear whose input and weight go through PyTorch's fake
    quantizers: input quint8 per tensor with the observed range, weight
    qint8 symmetric per output channel."""

    def __init__(self, inner, lo, hi):
        super().__init__()
        self.inner = inner
        lo, hi = min(lo, 0.0), max(hi, 0.0)  # MinMaxObserver keeps 0 representable
        self.scale = max((hi - lo) / 255.0, 1e-8)
        self.zero_point = int(min(max(round(-lo / self.scale), 0), 255))
        w = inner.weight.detach()
        amax = w.abs().reshape(w.shape[0], -1).amax(dim=1)
        self.register_buffer("w_scale", torch.clamp(amax / 127.0, min=1e-8))
        self.register_buffer("w_zero", torch.zeros(w.shape[0], dtype=torch.int32))

    # The encoder layer reads its Linear layers' parameters to choose a path.
    @property
    def weight(self):
        return self.inner.weight

    @property
    def bias(self):
        return self.inner.bias

    def forward(self, x):
        x = torch.fake_quantize_per_tensor_affine(x, self.scale, self.zero_point, 0, 255)
        w = torch.fake_quantize_per_channel_affine(self.inner.weight, self.w_scale, self.w_zero,
                                                   0, -128, 127)
        m = self.inner
        if isinstance(m, torch.nn.Linear):
            return torch.nn.functional.linear(x, w, m.bias)
        return CONVS[type(m)](x, w, m.bias, m.stride, m.padding, m.dilation, m.groups)


def observe_inputs(model, batches):
    """(lo, hi) of every product module's input over the batches."""
    ranges, hooks = {}, []
    for name, m in model.named_modules():
        if isinstance(m, PRODUCTS):
            def hook(mod, args, name=name):
                x = args[0].detach()
                lo, hi = float(x.min()), float(x.max())
                old = ranges.get(name, (lo, hi))
                ranges[name] = (min(old[0], lo), max(old[1], hi))
            hooks.append(m.register_forward_pre_hook(hook))
    # With gradients on: under no_grad PyTorch's encoder layer takes a fused
    # path that calls none of its Linear modules.
    for b in batches:
        model(b)
    for h in hooks:
        h.remove()
    return ranges


def wrap(module, ranges, prefix=""):
    for name, child in list(module.named_children()):
        full = f"{prefix}{name}"
        if isinstance(child, PRODUCTS) and full in ranges:  # MultiheadAttention's out_proj
            module._modules[name] = FakeQuantized(child, *ranges[full])  # is not called
        else:
            wrap(child, ranges, f"{full}.")


def fake_quantized(name):
    """(fake-quantized model in eval mode, example input, how many products
    were fake-quantized)."""
    model, example, _ = torch_models.build(name)
    torch_models.calibrate_batch_norm(model, example)
    model.eval()
    fuse_batch_norms(model)
    gen = torch.Generator().manual_seed(1)
    batches = [torch.randn(4, *example.shape[1:], generator=gen) for _ in range(4)]
    wrap(model, observe_inputs(model, batches + [example]))
    return model.eval(), example, sum(isinstance(m, FakeQuantized) for m in model.modules())


def ort_layout(path_in, path_out):
    """Rewrites a torch_qdq model into ONNX Runtime's QDQ layout (module doc)."""
    m = onnx.load(path_in)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t) for n in g.node
              if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value"}

    producer = {o: n for n in g.node for o in n.output}
    casts = {onnx.TensorProto.INT8: np.int8, onnx.TensorProto.UINT8: np.uint8,
             onnx.TensorProto.FLOAT: np.float32}

    def value(name):
        """A constant's value through the Identity and Cast nodes the
        exporter puts around scales and zero points."""
        if name in inits:
            return numpy_helper.to_array(inits[name])
        if name in consts:
            return consts[name]
        n = producer[name]
        v = value(n.input[0])
        if n.op_type == "Cast":
            return v.astype(casts[next(a.i for a in n.attribute if a.name == "to")])
        assert n.op_type == "Identity", n.op_type
        return v

    drop, add_inits, add_nodes = set(), [], []
    # Weights: QuantizeLinear of a float initializer -> the int8 initializer.
    for n in g.node:
        if n.op_type != "QuantizeLinear" or n.input[0] not in inits:
            continue
        w = numpy_helper.to_array(inits[n.input[0]]).astype(np.float32)
        s = value(n.input[1]).astype(np.float32)
        z = value(n.input[2])
        axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
        shape = [1] * w.ndim
        if s.size > 1:
            shape[axis] = s.size
        q = np.clip(np.rint(w / s.reshape(shape)) + z.astype(np.int32).reshape(shape), -128, 127)
        add_inits.append(numpy_helper.from_array(q.astype(np.int8), n.output[0]))
        drop.add(id(n))
    # Biases: int32 with scale s_x * s_w behind a DequantizeLinear.
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm") or len(n.input) < 3 or n.input[2] not in inits:
            continue
        dx, dw = producer.get(n.input[0]), producer.get(n.input[1])
        if not dx or not dw or dx.op_type != "DequantizeLinear" or dw.op_type != "DequantizeLinear":
            continue
        sx = float(value(dx.input[1]).reshape(-1)[0])
        sb = (sx * value(dw.input[1]).astype(np.float32)).astype(np.float32).reshape(-1)
        b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float32)
        bq = np.rint(b / sb).astype(np.int32)
        base = n.input[2] + "_quantized"
        add_inits += [numpy_helper.from_array(bq, base), numpy_helper.from_array(sb, base + "_scale")]
        add_nodes.append(onnx.helper.make_node("DequantizeLinear", [base, base + "_scale"],
                                               [base + "_dq"], axis=0))
        n.input[2] = base + "_dq"
    kept = [n for n in g.node if id(n) not in drop]
    del g.node[:]
    g.node.extend(add_nodes + kept)
    used = {i for n in g.node for i in n.input}
    keep_inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep_inits + add_inits)
    onnx.checker.check_model(m)
    onnx.save(m, path_out)


def export(name, out):
    """Writes the files of the module doc; returns how many products (Conv,
    Linear) the model fake-quantizes."""
    model, example, products = fake_quantized(name)
    expected = model(example).detach()  # with gradients on, as observe_inputs
    torch.onnx.export(model, example, f"{out}/{name}.torch_qdq.onnx", opset_version=13,
                      input_names=["x"], output_names=["y"], do_constant_folding=False)
    ort_layout(f"{out}/{name}.torch_qdq.onnx", f"{out}/{name}.ort_qdq.onnx")
    np.save(f"{out}/{name}.qdq.input.npy", example.numpy().astype(np.float32))
    np.save(f"{out}/{name}.qdq.expected.npy", expected.numpy().astype(np.float32))
    return products


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    export(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()

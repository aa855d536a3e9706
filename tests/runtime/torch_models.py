#!/usr/bin/python3
"""Exports the PyTorch models the reference tests run, at small sizes.

  torch_models.py NAME OUT_DIR

writes OUT_DIR/NAME.onnx, NAME.input.npy (one input batch) and
NAME.expected.npy (PyTorch's own output for it, in eval mode). Architectures
are torchvision's (untrained: no weights can be downloaded offline) or
PyTorch's own layers; BatchNorm statistics are re-estimated on a few random
batches in train mode first, so activations have realistic ranges instead
of the identity statistics of a fresh model.
"""
import sys

import numpy as np
import torch
import torchvision
from torchvision.models.resnet import BasicBlock


class SmallResNet(torch.nn.Module):
    """ResNet-18's stem and BasicBlocks (with a strided, projected block) at
    16-32 channels: the residual/BN/pool structure of torchvision's ResNet in
    a size the default device holds."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(16),
            torch.nn.ReLU(inplace=True),
            torch.nn.MaxPool2d(3, stride=2, padding=1),
        )
        down = torch.nn.Sequential(torch.nn.Conv2d(16, 32, 1, stride=2, bias=False),
                                   torch.nn.BatchNorm2d(32))
        self.blocks = torch.nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 32, stride=2, downsample=down))
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(32, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


def conv_net(dims):
    """A 1-D or 3-D convolution stack (regular, then depthwise, with
    BatchNorm), pooled into a Linear classifier."""
    conv = {1: torch.nn.Conv1d, 3: torch.nn.Conv3d}[dims]
    bn = {1: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm3d}[dims]
    pool = {1: torch.nn.AdaptiveAvgPool1d, 3: torch.nn.AdaptiveAvgPool3d}[dims]
    return torch.nn.Sequential(conv(4, 8, 3, padding=1), bn(8), torch.nn.ReLU(),
                               conv(8, 8, 3, padding=1, groups=8), bn(8), torch.nn.ReLU(),
                               pool(1), torch.nn.Flatten(), torch.nn.Linear(8, 10))


def build(name):
    """(model, example input, opset) for NAME."""
    torch.manual_seed(0)
    if name == "resnet_small":
        return SmallResNet(), torch.randn(2, 3, 32, 32), 13
    if name == "squeezenet1_1":
        return torchvision.models.squeezenet1_1(num_classes=10), torch.randn(1, 3, 64, 64), 13
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.25), torch.randn(1, 3, 64, 64), 13
    if name == "resnet18":  # torchvision's, 11.7 M weights; a small image keeps tests quick
        return torchvision.models.resnet18(), torch.randn(1, 3, 32, 32), 13
    if name == "resnet18_64":  # the same at 64x64 (bench/runtime/real_models.py)
        return torchvision.models.resnet18(), torch.randn(1, 3, 64, 64), 13
    if name == "resnet18_224":  # the same at its ImageNet size (bench/runtime/capacity.py)
        return torchvision.models.resnet18(), torch.randn(1, 3, 224, 224), 13
    if name == "mobilenet_v2_full":  # width 1.0: 3.5 M weights
        return torchvision.models.mobilenet_v2(), torch.randn(1, 3, 64, 64), 13
    if name == "mobilenet_v3_small":
        return torchvision.models.mobilenet_v3_small(num_classes=10), torch.randn(1, 3, 64, 64), 13
    # The rest of torchvision's classification families, at 10 classes and
    # 64x64 (their weights need the cnn preset on the tiles).
    if name == "shufflenet_v2":
        return torchvision.models.shufflenet_v2_x0_5(num_classes=10), torch.randn(1, 3, 64, 64), 13
    if name == "efficientnet_b0":
        return torchvision.models.efficientnet_b0(num_classes=10), torch.randn(1, 3, 64, 64), 13
    if name == "densenet121":
        return torchvision.models.densenet121(num_classes=10), torch.randn(1, 3, 64, 64), 13
    if name == "googlenet":
        return (torchvision.models.googlenet(num_classes=10, aux_logits=False, init_weights=True),
                torch.randn(1, 3, 64, 64), 13)
    if name == "conv1d_small":
        return conv_net(1), torch.randn(2, 4, 32), 13
    if name == "conv3d_small":
        return conv_net(3), torch.randn(1, 4, 4, 6, 6), 13
    if name in ("transformer_opset13", "transformer_opset17"):
        layer = torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
                                                 activation="gelu", batch_first=True)
        return layer, torch.randn(2, 8, 32), 13 if name.endswith("13") else 17
    raise SystemExit(f"torch_models.py: unknown model '{name}'")


def calibrate_batch_norm(model, example):
    """Running BatchNorm statistics from a few random batches (train mode)."""
    if not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        return
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(8, *example.shape[1:]))


def export(name, out):
    """Writes OUT/NAME.onnx, NAME.input.npy and NAME.expected.npy."""
    model, example, opset = build(name)
    calibrate_batch_norm(model, example)
    model.eval()
    with torch.no_grad():
        expected = model(example)
    # Exported with gradients on: under no_grad PyTorch takes the fused
    # encoder-layer fast path, which has no ONNX export. PRESERVE keeps
    # BatchNormalization nodes, as converted models have them, for
    # hycim's own folding pass.
    torch.onnx.export(model, example, f"{out}/{name}.onnx", opset_version=opset,
                      input_names=["x"], output_names=["y"], do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE)
    np.save(f"{out}/{name}.input.npy", example.numpy().astype(np.float32))
    np.save(f"{out}/{name}.expected.npy", expected.numpy().astype(np.float32))


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    export(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()

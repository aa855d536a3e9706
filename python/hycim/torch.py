"""PyTorch modules whose inference runs on the hycim device.

    teacher = hycim.torch.offload(model, example, device=dev, calibration=batches)
    with torch.no_grad():
        logits = teacher(x)          # a torch tensor, computed on the device

:func:`offload` exports a frozen module to ONNX (batch dimension
symbolic), calibrates the activation ranges the device quantizes with on
the given batches, places the weights in the device's NVM once, and returns
a module whose ``forward`` runs there. Operators the device does not run
(activations, pooling, reshapes, softmax...) run on hycim's host executor
in the same session; this is said once, in a warning. When the exported
graph holds an operator hycim cannot run at all, the module's ``Linear``
and ``Conv2d`` layers are offloaded one by one instead and the rest stays
in PyTorch (said in a warning too). Inference only: no gradient flows
through an offloaded module.
"""
from __future__ import annotations

import copy
import io
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch as _torch

from . import _api

Inputs = Union[_torch.Tensor, Tuple[_torch.Tensor, ...]]
DeviceLike = Union[str, "_api.Device", Sequence[Union[str, "_api.Device"]]]


def _as_tuple(x: Inputs) -> Tuple[_torch.Tensor, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _numpy(t: _torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().cpu().numpy())


def export_onnx(module: _torch.nn.Module, example_inputs: Inputs, opset: int = 13) -> bytes:
    """The module as ONNX bytes, its inputs' first dimension symbolic."""
    args = _as_tuple(example_inputs)
    in_names = [f"input{i}" for i in range(len(args))]
    with _torch.no_grad():
        probe = module(*args)
    n_out = len(probe) if isinstance(probe, (tuple, list)) else 1
    out_names = [f"output{i}" for i in range(n_out)]
    f = io.BytesIO()
    _torch.onnx.export(module, args, f, input_names=in_names, output_names=out_names,
                       dynamic_axes={n: {0: "batch"} for n in in_names + out_names},
                       opset_version=opset, do_constant_folding=True)
    return f.getvalue()


class OffloadedModule(_torch.nn.Module):
    """A module whose forward runs a :class:`hycim.Session`; ``session``
    has its stats (cycles, simulated time, energy, per node) and error
    bounds. Outputs are float32 tensors on the inputs' torch device."""

    def __init__(self, session: "_api.Session", n_inputs: int, label: str) -> None:
        super().__init__()
        self.session = session
        self.n_inputs = n_inputs
        self.label = label

    def forward(self, *args: _torch.Tensor) -> Any:
        if len(args) != self.n_inputs:
            raise TypeError(f"{self.label} takes {self.n_inputs} inputs, got {len(args)}")
        outs = self.session.run([_numpy(a) for a in args])
        where = args[0].device if args else _torch.device("cpu")
        ts = tuple(_torch.from_numpy(o).to(where) for o in outs)
        return ts[0] if len(ts) == 1 else ts

    def extra_repr(self) -> str:
        return f"{self.label} on {self.session.device}"


def _warn_host_nodes(session: "_api.Session", label: str) -> None:
    layers = session.stats["layers"]
    host: Dict[str, int] = {}
    for l in layers:
        if not l["device"]:
            host[l["op"]] = host.get(l["op"], 0) + 1
    if host:
        ops = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in sorted(host.items()))
        warnings.warn(f"hycim: {label}: {sum(host.values())} of {len(layers)} nodes run on the "
                      f"host executor ({ops}); the device runs the rest", stacklevel=3)


def _offload_whole(module: _torch.nn.Module, example: Tuple[_torch.Tensor, ...],
                   calibration: List[Tuple[_torch.Tensor, ...]], device: DeviceLike,
                   label: str, opset: int, session_options: Dict[str, Any]) -> OffloadedModule:
    model = export_onnx(module, example, opset)
    samples = [[_numpy(t) for t in batch] for batch in calibration]
    session = _api.Session(model, device=device, calibration=samples, name=label,
                           **session_options)
    session.load()
    return OffloadedModule(session, len(example), label)


def _leaf_inputs(module: _torch.nn.Module, names: List[str],
                 batches: List[Tuple[_torch.Tensor, ...]]) -> Dict[str, List[Tuple[_torch.Tensor, ...]]]:
    """What each named submodule receives when the module runs each batch."""
    seen: Dict[str, List[Tuple[_torch.Tensor, ...]]] = {n: [] for n in names}
    handles = []
    for n in names:
        sub = module.get_submodule(n)
        handles.append(sub.register_forward_hook(
            lambda _m, inp, _out, n=n: seen[n].append(tuple(t.detach().clone() for t in inp))))
    try:
        with _torch.no_grad():
            for b in batches:
                module(*b)
    finally:
        for h in handles:
            h.remove()
    return seen


def offload(module: _torch.nn.Module, example_inputs: Inputs, device: DeviceLike = "sim://", *,
            calibration: Optional[Iterable[Inputs]] = None,
            submodules: Optional[Sequence[str]] = None, opset: int = 13,
            name: Optional[str] = None, **session_options: Any) -> _torch.nn.Module:
    """Runs ``module``'s inference on the hycim device.

    ``example_inputs``: a tensor or tuple of tensors as ``module`` takes
    them (the batch size may differ later). ``calibration``: batches like
    it to calibrate the int8 activation ranges on (default: the example).
    ``submodules``: names of ``Linear``/``Conv2d`` (or any) submodules to
    offload one by one, the rest staying in PyTorch; by default the whole
    module is exported. ``session_options`` go to :class:`hycim.Session`
    (``placement=``, ``stream_tiles=``, ``backend=``), and to each
    submodule's session alike: ``calibration_method="entropy"`` (or
    ``"percentile"`` with ``percentile=``, ``bins=``) chooses how the
    calibration batches set the ranges, as :func:`hycim.calibrate` does.

    Returns an :class:`OffloadedModule`, or (with submodules) a copy of
    ``module`` with those submodules replaced by offloaded ones.
    """
    module = module.eval()
    example = _as_tuple(example_inputs)
    batches = [_as_tuple(b) for b in calibration] if calibration is not None else [example]
    label = name or type(module).__name__
    if submodules is None:
        try:
            off = _offload_whole(module, example, batches, device, label, opset, session_options)
        except _api.Error as e:
            if "is not supported by hycim" not in str(e):
                raise
            submodules = [n for n, m in module.named_modules()
                          if isinstance(m, (_torch.nn.Linear, _torch.nn.Conv2d))]
            warnings.warn(f"hycim: {label} has operators hycim does not run ({e}); offloading "
                          f"its {len(submodules)} Linear/Conv2d layers one by one, the rest "
                          "stays in PyTorch", stacklevel=2)
        else:
            _warn_host_nodes(off.session, label)
            return off
    if not submodules:
        raise _api.Error(f"{label}: no submodules to offload")
    copy_ = copy.deepcopy(module)
    seen_example = _leaf_inputs(module, list(submodules), [example])
    seen_calib = _leaf_inputs(module, list(submodules), batches)
    host_warned = False
    for n in submodules:
        if not seen_example[n]:
            raise _api.Error(f"{label}: submodule '{n}' is not called by the example inputs")
        leaf = module.get_submodule(n)
        off = _offload_whole(leaf, seen_example[n][0], seen_calib[n], device, f"{label}.{n}",
                             opset, session_options)
        if not host_warned:
            _warn_host_nodes(off.session, f"{label}.{n}")
            host_warned = True
        parent_name, _, attr = n.rpartition(".")
        parent = copy_.get_submodule(parent_name) if parent_name else copy_
        setattr(parent, attr, off)
    return copy_


def sessions(module: _torch.nn.Module) -> List["_api.Session"]:
    """The hycim sessions inside a module :func:`offload` returned."""
    return [m.session for m in module.modules() if isinstance(m, OffloadedModule)]

"""Devices and sessions: the public classes over hycim._native."""
from __future__ import annotations

import json
import os
import threading
import weakref
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _native
from ._native import Error

ModelLike = Union[str, os.PathLike, bytes]
Arrays = Union[Mapping[str, np.ndarray], Sequence[np.ndarray], np.ndarray]

# The one usage field that is a clock rather than a count: every other field
# the driver reports (cim::usage_report, driver::kUsageCounts and
# kUsageEnergies) adds up across contexts, so none is listed here.
_CLOCK = "device_time_ns"


def _add_usage(into: Dict[str, float], u: Mapping[str, float]) -> None:
    for k, v in u.items():
        if k != _CLOCK:
            into[k] = into.get(k, 0) + v
    into[_CLOCK] = max(into.get(_CLOCK, 0.0), u[_CLOCK])


def presets() -> List[Dict[str, Any]]:
    """The spec's named devices (``sim://?preset=NAME``) with their weight capacity."""
    return json.loads(_native.presets())


class ValueInfo(NamedTuple):
    """A graph input or output: name, element type (ONNX's name: "float", "int64", ...) and
    dimensions (-1 for a symbolic one)."""
    name: str
    dtype: str
    shape: List[int]


class Device:
    """A device the driver reaches, held open (a context manager).

    While a Device is open, an in-process ``sim://`` device (and what its NVM
    holds) lives on between the sessions opened on it; the last handle closed
    destroys it. ``Device(preset="cnn")`` is ``Device("sim://?preset=cnn")``.
    """

    def __init__(self, uri: str = "sim://", **keys: Any) -> None:
        if keys:
            if "?" in uri or not uri.startswith("sim://"):
                raise Error(f"{uri}: keyword options build a sim:// URI; give either them or a "
                            "full URI")
            uri = "sim://?" + "&".join(f"{k}={v}" for k, v in keys.items())
        self._native = _native.NativeDevice(uri)
        self._sessions: "weakref.WeakSet[Session]" = weakref.WeakSet()
        self._retired: Dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def uri(self) -> str:
        return self._native.uri

    def info(self) -> Dict[str, Any]:
        """What ``hycim info --json`` shows of this device: capabilities,
        capacity, NVM state, contexts and commands completed (device-wide)."""
        return json.loads(self._native.report())

    @property
    def capabilities(self) -> Dict[str, Any]:
        return self.info()["capabilities"]

    @property
    def capacity(self) -> Dict[str, int]:
        """Weights and bytes the device's NVM holds."""
        return self.info()["capacity"]

    def usage(self) -> Dict[str, float]:
        """The driver's usage counters (commands, tile cycles, MACs, rows
        raised, NVM programs, DMA bytes, the NVM's ECC corrections and
        refusals, write-verify retries, scrubbed rows and rows remapped to
        spare rows, energy by component, device time) of every session
        opened on this Device, closed ones included, plus this handle's own
        context."""
        total = dict(json.loads(self._native.usage()))
        with self._lock:
            sessions = list(self._sessions)
            if self._retired:
                _add_usage(total, self._retired)
        for s in sessions:
            u = s.usage()
            if u:
                _add_usage(total, u)
        return total

    def nvm(self) -> Dict[str, Any]:
        """The weight blocks resident in NVM (``hycim nvm list --json``):
        rows used and free, utilization, and each block's tile, rows, label
        and content hash."""
        return json.loads(self._native.nvm())

    def session(self, model: ModelLike, **options: Any) -> "Session":
        """A :class:`Session` on this device."""
        return Session(model, device=self, **options)

    def _attach(self, s: "Session") -> None:
        with self._lock:
            self._sessions.add(s)

    def _retire(self, s: "Session", usage: Optional[Mapping[str, float]]) -> None:
        with self._lock:
            self._sessions.discard(s)
            if usage:
                _add_usage(self._retired, usage)

    def close(self) -> None:
        self._native.close()

    @property
    def closed(self) -> bool:
        return self._native.closed

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"hycim.Device({self.uri!r}{', closed' if self.closed else ''})"


def _model_source(model: ModelLike, name: Optional[str]) -> tuple:
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model), name or "<model bytes>"
    return os.fspath(model), name or ""


class Session:
    """A model loaded for one device (or the CPU) and ready to run.

    ``model`` is an ONNX file's path or its bytes. ``device`` is a URI, a
    :class:`Device`, or a list of them (a device group: the model's weights
    spread over the tiles of all). ``backend="cpu"`` runs everything on the
    host executor. ``placement`` is ``"auto"`` (stream weights through NVM
    only when they do not fit), ``"resident"`` or ``"stream"``.
    ``calibration`` is a list of samples, each given as :meth:`run` takes
    its inputs: the activation ranges the device quantizes with are taken
    from them (as ``hycim quantize`` does) instead of from each tensor,
    chosen by ``calibration_method`` with ``percentile`` and ``bins`` as
    :func:`calibrate` takes them. ``max_memory`` is the most tensor data (in
    bytes) one run may hold at once, as ``hycim run --max-memory`` takes it;
    a run that would need more raises :class:`Error` naming the node, the
    tensor and the bytes. ``None`` leaves the default, half the machine's
    physical memory. ``share_weights=True`` (``hycim run --share-weights``)
    shares the weight blocks this session programs or finds as its owner's
    read-only with every owner of the device (the URI's ``owner=``), so a
    session of another owner loading the same weights finds them resident
    and programs nothing; without it each owner programs its own copy.
    """

    def __init__(self, model: ModelLike, device: Union[str, Device, Sequence[Union[str, Device]]] = "sim://",
                 *, backend: str = "tiles", placement: str = "auto", stream_tiles: int = 0,
                 calibration: Optional[Iterable[Arrays]] = None, calibration_method: str = "minmax",
                 percentile: float = 99.99, bins: int = 2048, name: Optional[str] = None,
                 max_memory: Optional[int] = None, share_weights: bool = False) -> None:
        if max_memory is not None and (isinstance(max_memory, bool) or not isinstance(max_memory, int)
                                       or max_memory <= 0):
            raise Error(f"max_memory must be a positive number of bytes, got {max_memory!r}")
        devices = list(device) if isinstance(device, (list, tuple)) else [device]
        if not devices:
            raise Error("a session needs at least one device")
        uris = [d.uri if isinstance(d, Device) else str(d) for d in devices]
        self._devices = [d for d in devices if isinstance(d, Device)]
        self._uris = uris
        self._last_batch = 0
        source, label = _model_source(model, name)
        self._name = label or source
        # Calibration samples given as lists are matched to the graph's
        # inputs by order, so the inputs are read first.
        samples: List[Dict[str, np.ndarray]] = []
        if calibration is not None:
            names = [v.name for v in _peek_inputs(source, label)]
            samples = [_as_feed(names, s, self._name) for s in calibration]
        self._native = _native.NativeSession(source, label, backend, uris[0], uris[1:], placement,
                                             stream_tiles, samples, calibration_method, percentile, bins,
                                             max_memory or 0, share_weights=bool(share_weights))
        self.inputs = [ValueInfo(n, t, list(s)) for n, t, s in self._native.inputs()]
        self.outputs = [ValueInfo(n, t, list(s)) for n, t, s in self._native.outputs()]
        self._input_names = [v.name for v in self.inputs]
        for d in self._devices:
            d._attach(self)

    def run(self, inputs: Arrays) -> List[np.ndarray]:
        """Runs the model once. ``inputs``: a dict name -> array, a list in
        graph-input order, or one array for a one-input model. Returns the
        outputs in graph-output order (``self.outputs``)."""
        feed = _as_feed(self._input_names, inputs, self._name)
        first = next(iter(feed.values()), None)
        self._last_batch = int(first.shape[0]) if first is not None and first.ndim else 0
        return self._native.run(feed)

    def run_many(self, requests: Sequence[Arrays], depth: int = 4) -> List[List[np.ndarray]]:
        """Runs independent requests ``depth`` at a time, their products
        sharing device batches; each result is what :meth:`run` gives it."""
        feeds = [_as_feed(self._input_names, r, self._name) for r in requests]
        return self._native.run_many(feeds, depth)

    def load(self) -> None:
        """Places every weight on the device now (programming NVM where it is
        not already resident); :attr:`stats` tells what it cost."""
        self._native.load()

    @property
    def stats(self) -> Dict[str, Any]:
        """The last run as ``hycim run --json`` reports it: cycles, simulated
        time (``sim_us``), energy (``energy_pj``), NVM programming, placement
        and one entry per node in ``layers``."""
        return json.loads(self._native.stats())

    @property
    def pipeline_stats(self) -> Dict[str, Any]:
        """What the last :meth:`run_many` cost, all requests together."""
        return json.loads(self._native.pipeline_stats())

    def usage(self) -> Optional[Dict[str, float]]:
        """The driver's usage counters of this session's device contexts
        since it opened (None on the CPU backend)."""
        if self._native is None:
            return None
        u = self._native.usage()
        return json.loads(u) if u is not None else None

    @property
    def ranges(self) -> Dict[str, tuple]:
        """Activation ranges the device quantizes with (name -> (lo, hi))."""
        return self._native.ranges()

    @property
    def error_bounds(self) -> Dict[str, float]:
        """Value name -> the largest |error| quantization can add to one of
        its elements in the last run, for each float operator that ran
        quantized on the device."""
        return self._native.error_bounds()

    def device_profile(self) -> Dict[str, Any]:
        """The last run's figures per node, as the memory planner reads them
        (hycim-device-profile, :mod:`hycim.memplan`): simulated device time
        for the nodes the tiles ran, measured host time for the others, and
        the NVM capacity of the session's device(s)."""
        st = self.stats
        if not st["layers"]:
            raise Error(f"{self._name}: run the session once before asking for its profile")
        capacity = 0
        for uri in self._uris:
            with Device(uri) as d:
                capacity += d.capacity["bytes"]
        return {"format": "hycim-device-profile", "version": 1, "device": self.device,
                "nvm_weight_bytes": capacity, "batch": self._last_batch,
                "placement": st.get("placement", {}).get("policy", "cpu"),
                "ops": {(l["name"] or l["node"]): {"on_device": l["device"], "sim_us": l["sim_ns"] / 1e3,
                                    "host_us": l["host_us"]} for l in st["layers"]}}

    def plan(self) -> str:
        """Where each weight block sits on the device (``hycim run --plan``)."""
        return self._native.plan()

    def graph(self) -> str:
        """The graph as it runs, device or host per node (``--dump-graph``)."""
        return self._native.graph_text()

    @property
    def device(self) -> str:
        return self._native.device()

    def close(self) -> None:
        """Closes the session's device contexts; its usage stays counted in
        the :class:`Device` it was opened on."""
        if self._native is None:
            return
        u = self.usage()
        for d in self._devices:
            d._retire(self, u)
        self._native = None

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"hycim.Session({self._name!r} on {self.device})" if self._native else \
            f"hycim.Session({self._name!r}, closed)"


def _peek_inputs(source: Any, label: str) -> List[ValueInfo]:
    return [ValueInfo(n, t, list(d)) for n, t, d in _native.model_inputs(source, label)]


def _as_feed(names: Optional[List[str]], inputs: Arrays, label: str) -> Dict[str, np.ndarray]:
    """inputs as a dict name -> array, checked against the graph's inputs."""
    if isinstance(inputs, Mapping):
        return {str(k): np.asarray(v) for k, v in inputs.items()}
    seq = [inputs] if isinstance(inputs, np.ndarray) else list(inputs)
    assert names is not None
    if len(seq) != len(names):
        raise Error(f"{label} needs {len(names)} inputs ({', '.join(names)}), got {len(seq)}")
    return {n: np.asarray(a) for n, a in zip(names, seq)}


def calibrate(model: ModelLike, calibration: Iterable[Arrays], *, method: str = "minmax",
              percentile: float = 99.99, bins: int = 2048, name: Optional[str] = None
              ) -> Dict[str, tuple]:
    """The activation ranges (name -> (lo, hi)) of every float input of a
    device operator over ``calibration``, computed on the CPU in float, as
    ``hycim quantize --method`` chooses them: ``"minmax"`` (the observed
    range), ``"percentile"`` (clipped at the bin edge where |x| reaches
    ``percentile`` % of the values, in (0, 100]) or ``"entropy"`` (clipped
    at the TensorRT-style KL threshold); the last two over a histogram of
    ``bins`` bins (256 to 16384). Bad options raise :class:`Error`."""
    source, label = _model_source(model, name)
    names = [v.name for v in _peek_inputs(source, label)]
    return _native.calibrate(source, label,
                             [_as_feed(names, s, label or source) for s in calibration],
                             method, percentile, bins)


def quantize(model: ModelLike, calibration: Iterable[Arrays], output: Optional[Union[str, os.PathLike]] = None,
             *, method: str = "minmax", percentile: float = 99.99, bins: int = 2048,
             name: Optional[str] = None) -> bytes:
    """``hycim quantize``: the model's bytes with the calibrated activation
    ranges (``method``, ``percentile``, ``bins`` as :func:`calibrate` takes
    them) stored in its metadata (``hycim.ranges``), so every later session
    quantizes with them. Written to ``output`` too when given."""
    source, label = _model_source(model, name)
    ranges = calibrate(source, calibration, method=method, percentile=percentile, bins=bins,
                       name=label)
    if isinstance(source, bytes):
        data = source
    else:
        with open(source, "rb") as f:
            data = f.read()
    out = _native.with_ranges(data, label or source, ranges)
    if output is not None:
        with open(output, "wb") as f:
            f.write(out)
    return out

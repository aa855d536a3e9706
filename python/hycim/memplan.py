"""The GPU memory planner, with offloaded inference at the device's figures.

    trace = {...}                                  # hycim-memplan-trace (docs/memplan.md)
    profile = teacher_session.device_profile()     # what each node took on the device
    plan = hycim.memplan.plan(trace, device_profile=profile)
    plan["peak_bytes"], plan["total_us"], plan["offloaded"]   # [{"op", "device_us"}]

Inference ops of the trace named like the profiled session's nodes run on
the CIM device: their weights and the activations only they touch leave GPU
memory, and their time is the device's own (simulated for the nodes the
tiles ran, measured for the nodes the host executor ran), not a guess.
Errors in the trace, profile or hardware description are :class:`hycim.Error`
naming the field.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

from . import _native


def plan(trace: Dict[str, Any], *, budget: int = 0, fraction: float = 0.0, planner: str = "ilp",
         device_profile: Optional[Dict[str, Any]] = None,
         hardware: Optional[Dict[str, Any]] = None, time_limit_s: float = 10.0) -> Dict[str, Any]:
    """Plans ``trace`` within ``budget`` bytes (default: ``fraction`` of the
    unmanaged peak, or the peak itself) with ``planner`` (``ilp``,
    ``capuchin``, ``none``, ``swap-all``, ``chen-sqrt``, ``checkmate``... as
    ``hycim memplan plan``) and replays it;
    returns ``hycim memplan plan --json``'s report plus the offloaded ops."""
    out = _native.memplan_evaluate(json.dumps(trace), planner, int(budget), float(fraction),
                                   json.dumps(device_profile) if device_profile else "",
                                   json.dumps(hardware) if hardware else "", float(time_limit_s))
    return json.loads(out)


def unmanaged_peak(trace: Dict[str, Any]) -> int:
    """Peak bytes of the step with every tensor kept and nothing offloaded."""
    return _native.memplan_unmanaged_peak(json.dumps(trace))

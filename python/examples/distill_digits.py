#!/usr/bin/python3
"""Knowledge distillation with the teacher on the hycim device.

The workload the training stack exists for: a fixed-weight teacher's
inference is handed to the compute-in-memory device while the student trains
in PyTorch (on the CPU, or a GPU where one exists).

  - data: scikit-learn's 8x8 handwritten digits (Debian's python3-sklearn),
    packed into a hycim dataset (shards + index) and served by the hycim data
    cache's loader: per-epoch seeded shuffle, shuffle-aware prefetch;
  - teacher: a 64-256-128-10 MLP trained here first, then offloaded with
    hycim.torch.offload: exported to ONNX, calibrated, its weights programmed
    into NVM once and resident from then on;
  - student: a 64-12-10 MLP trained three ways with the same seed and batches:
    distilled from the teacher on the device, distilled from the same teacher
    on the CPU, and from the labels alone;
  - memory: the GPU memory planner plans one training step (a trace of the
    student's forward and backward and the teacher's inference) with the
    teacher's nodes offloaded at the device's own figures (the session's
    device profile: simulated time per node), against the same step with
    the teacher on the GPU.

Prints (and with --json writes) the students' test accuracy, the teacher's
agreement between device and CPU, steps per second, and the device's
simulated time, energy and MACs for the teacher's share.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/distill_digits.py
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from typing import Any, Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F

import hycim
import hycim.data
import hycim.memplan
import hycim.torch


def digits_split(seed: int = 0):
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    test = order[:360]
    train = order[360:]
    return x[train], y[train], x[test], y[test]


def mlp(*widths: int) -> torch.nn.Sequential:
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def batches(loader: hycim.data.Loader, epoch: int):
    """The loader's batches as (features, labels) tensors: each sample is a
    64-float record, so a batch's [B, 256] bytes view as [B, 64] floats."""
    for b in loader.epoch(epoch):
        yield torch.from_numpy(b.data.view(np.float32)), torch.from_numpy(b.labels.astype(np.int64))


def train_teacher(loader, epochs: int, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    teacher = mlp(64, 256, 128, 10)
    opt = torch.optim.Adam(teacher.parameters(), lr=2e-3)
    for e in range(epochs):
        for x, y in batches(loader, e):
            opt.zero_grad()
            F.cross_entropy(teacher(x), y).backward()
            opt.step()
    return teacher.eval()


def train_student(loader, epochs: int, seed: int, teacher=None, temperature: float = 2.0,
                  alpha: float = 0.5) -> Dict[str, Any]:
    """Trains a student; `teacher` (any callable, on the device or not) gives
    the soft targets. Returns the student and its timing and teacher stats."""
    torch.manual_seed(seed)
    student = mlp(64, 12, 10)
    opt = torch.optim.Adam(student.parameters(), lr=1e-2)
    steps = 0
    teacher_s = 0.0
    start = time.perf_counter()
    for e in range(epochs):
        for x, y in batches(loader, e):
            logits = student(x)
            loss = F.cross_entropy(logits, y)
            if teacher is not None:
                t0 = time.perf_counter()
                with torch.no_grad():
                    soft = teacher(x)
                teacher_s += time.perf_counter() - t0
                kd = F.kl_div(F.log_softmax(logits / temperature, 1),
                              F.softmax(soft / temperature, 1), reduction="batchmean")
                loss = alpha * kd * temperature ** 2 + (1 - alpha) * loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
    wall = time.perf_counter() - start
    return {"student": student.eval(), "steps": steps, "steps_per_s": steps / wall,
            "teacher_wall_s": teacher_s}


class DeviceTeacherMeter:
    """Wraps the offloaded teacher: adds up each call's simulated device time
    and energy (the session's stats of that run)."""

    def __init__(self, offloaded):
        self.offloaded = offloaded
        self.sim_us = 0.0
        self.energy_pj = 0.0
        self.calls = 0

    def __call__(self, x):
        out = self.offloaded(x)
        st = self.offloaded.session.stats
        self.sim_us += st["sim_us"]
        self.energy_pj += st["energy_pj"]
        self.calls += 1
        return out


def op_us(fn, reps: int = 20) -> float:
    """Measured time of one call of `fn`, in microseconds (best of reps)."""
    best = float("inf")
    with torch.no_grad():
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
    return best * 1e6


def step_trace(teacher, student, profile: Dict[str, Any], batch: int) -> Dict[str, Any]:
    """One distillation step as a hycim-memplan-trace: the teacher's nodes
    (phase inference, named as the device profile names them, so the planner
    finds their device figures), the student's forward, the loss and the
    backward. Times are measured here on the host (the backward at twice the
    forward, the usual estimate); sizes are float32 at `batch`."""
    f4 = 4
    tensors = [{"name": "x", "kind": "input", "bytes": batch * 64 * f4},
               {"name": "y", "kind": "input", "bytes": batch * 8}]
    ops = []
    x = torch.zeros(batch, 64)
    prev, prev_t, width = "x", x, 64
    for node in profile["ops"]:
        layer = teacher[int(node.split("/")[1])]
        reads = [prev]
        if isinstance(layer, torch.nn.Linear):
            w = f"teacher{node}.w"
            tensors.append({"name": w, "kind": "weight",
                            "bytes": (layer.in_features + 1) * layer.out_features * f4})
            reads.append(w)
            width = layer.out_features
        out = f"teacher{node}.out"
        tensors.append({"name": out, "kind": "activation", "bytes": batch * width * f4})
        ops.append({"name": node, "phase": "inference",
                    "compute_us": op_us(lambda l=layer, t=prev_t: l(t)),
                    "reads": reads, "writes": [out]})
        with torch.no_grad():
            prev_t = layer(prev_t)
        prev = out
    soft = prev
    prev, prev_t = "x", x
    fwd = []
    for i, layer in enumerate(student):
        name = f"student.{i}"
        reads = [prev]
        if isinstance(layer, torch.nn.Linear):
            tensors.append({"name": name + ".w", "kind": "weight",
                            "bytes": (layer.in_features + 1) * layer.out_features * f4})
            tensors.append({"name": name + ".dw", "kind": "weight_grad",
                            "bytes": (layer.in_features + 1) * layer.out_features * f4})
            reads.append(name + ".w")
        with torch.no_grad():
            out_t = layer(prev_t)
        tensors.append({"name": name + ".out", "kind": "activation",
                        "bytes": out_t.numel() * f4})
        us = op_us(lambda l=layer, t=prev_t: l(t))
        ops.append({"name": name, "phase": "forward", "compute_us": us, "reads": reads,
                    "writes": [name + ".out"]})
        fwd.append((name, layer, prev, us))
        prev, prev_t = name + ".out", out_t
    tensors.append({"name": "loss", "kind": "activation", "bytes": f4})
    ops.append({"name": "loss", "phase": "forward", "compute_us": 5.0,
                "reads": [prev, soft, "y"], "writes": ["loss"]})
    grad = "loss"
    for name, layer, inp, us in reversed(fwd):
        g = f"{name}.grad_in"
        tensors.append({"name": g, "kind": "gradient",
                        "bytes": next(t["bytes"] for t in tensors if t["name"] == inp)})
        reads = [grad, inp, name + ".out"]
        writes = [g]
        if isinstance(layer, torch.nn.Linear):
            reads.append(name + ".w")
            writes.append(name + ".dw")
        ops.append({"name": name + ".backward", "phase": "backward", "compute_us": 2 * us,
                    "reads": reads, "writes": writes})
        grad = g
    return {"format": "hycim-memplan-trace", "version": 1, "network": "distill-digits",
            "batch": batch, "tensors": tensors, "ops": ops}


def plan_memory(teacher, student, offloaded, batch: int) -> Dict[str, Any]:
    """The memory planner on one step: teacher on the device (its figures
    from the session's profile of a full batch) vs teacher on the GPU."""
    with torch.no_grad():
        offloaded(torch.zeros(batch, 64))
    profile = offloaded.session.device_profile()
    trace = step_trace(teacher, student, profile, batch)
    on_device = hycim.memplan.plan(trace, device_profile=profile)
    on_gpu = hycim.memplan.plan(trace)
    return {"profile": profile, "teacher_on_device": on_device, "teacher_on_gpu": on_gpu}


def run(epochs: int = 30, teacher_epochs: int = 40, batch: int = 64, seed: int = 7,
        device: str = "sim://", workdir: Optional[str] = None) -> Dict[str, Any]:
    xtr, ytr, xte, yte = digits_split()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(workdir or tmp, "digits.ds")
        hycim.data.pack(data_dir, list(xtr), ytr)
        ds = hycim.data.Dataset(data_dir)
        loader = hycim.data.Loader(ds, batch_size=batch, seed=seed)

        teacher = train_teacher(loader, teacher_epochs, seed)
        with hycim.Device(device) as dev:
            offloaded = hycim.torch.offload(teacher, torch.from_numpy(xtr[:1]), device=dev,
                                            calibration=[torch.from_numpy(xtr[:256])],
                                            name="teacher")
            placed = offloaded.session.stats
            with torch.no_grad():
                agree = float((offloaded(torch.from_numpy(xte)).argmax(1) ==
                               teacher(torch.from_numpy(xte)).argmax(1)).float().mean())
                teacher_device_acc = float((offloaded(torch.from_numpy(xte)).argmax(1).numpy()
                                            == yte).mean())
            usage_before = dev.usage()
            meter = DeviceTeacherMeter(offloaded)
            on_device = train_student(loader, epochs, seed, meter)
            usage = dev.usage()
            prefetch = loader.stats()
            memory = plan_memory(teacher, on_device["student"], offloaded, batch)
        on_cpu = train_student(loader, epochs, seed, teacher)
        alone = train_student(loader, epochs, seed, None)

    steps = on_device["steps"]
    return {
        "train_samples": len(ytr), "test_samples": len(yte), "epochs": epochs, "batch": batch,
        "teacher": {"params": sum(p.numel() for p in teacher.parameters()),
                    "accuracy_cpu": accuracy(teacher, xte, yte),
                    "accuracy_device": teacher_device_acc,
                    "agreement_device_vs_cpu": agree,
                    "nvm_rows_resident": placed["placement"]["resident_rows"]},
        "student_accuracy": {"teacher_on_device": accuracy(on_device["student"], xte, yte),
                             "teacher_on_cpu": accuracy(on_cpu["student"], xte, yte),
                             "no_teacher": accuracy(alone["student"], xte, yte)},
        "steps_per_s": {"teacher_on_device": on_device["steps_per_s"],
                        "teacher_on_cpu": on_cpu["steps_per_s"],
                        "no_teacher": alone["steps_per_s"]},
        "device": {"teacher_calls": meter.calls,
                   "sim_us_per_step": meter.sim_us / steps,
                   "energy_nj_per_step": meter.energy_pj / steps / 1e3,
                   "macs": usage["macs"] - usage_before["macs"],
                   "nvm_programs_during_training": usage["nvm_programs"] - usage_before["nvm_programs"],
                   "host_wall_s_in_teacher": on_device["teacher_wall_s"]},
        "prefetch_last_epoch": {"hit_rate": prefetch["hit_rate"], "stall_ns": prefetch["stall_ns"]},
        "memory_plan": {
            "device_profile": memory["profile"],
            "teacher_on_device": {k: memory["teacher_on_device"][k] for k in
                                  ("peak_bytes", "total_us", "device_us", "offloaded", "fits")},
            "teacher_on_gpu": {k: memory["teacher_on_gpu"][k] for k in
                               ("peak_bytes", "total_us", "fits")},
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--teacher-epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--device", default="sim://")
    ap.add_argument("--json", help="write the report here too")
    a = ap.parse_args()
    r = run(a.epochs, a.teacher_epochs, a.batch, device=a.device)
    print(json.dumps(r, indent=2))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=2)


if __name__ == "__main__":
    main()

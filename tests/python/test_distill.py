"""The distillation example at small scale: the student learns from a
teacher whose inference ran on the device, with its weights resident."""
import pathlib
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "python" / "examples"))
import distill_digits  # noqa: E402


def test_student_learns_from_the_teacher_on_the_device(tmp_path, uri):
    r = distill_digits.run(epochs=6, teacher_epochs=12, batch=64, device=uri, workdir=str(tmp_path))
    assert r["teacher"]["accuracy_cpu"] > 0.9
    assert r["teacher"]["agreement_device_vs_cpu"] >= 0.97
    assert r["student_accuracy"]["teacher_on_device"] > 0.85
    dev = r["device"]
    steps = 6 * ((r["train_samples"] + 63) // 64)
    # Every training step asked the device for the teacher's outputs ...
    assert dev["teacher_calls"] == steps
    # ... and the device multiplied: at least the teacher's weights once per sample.
    teacher_macs = 64 * 256 + 256 * 128 + 128 * 10
    assert dev["macs"] >= teacher_macs * r["train_samples"] * 6
    # The weights stayed resident: nothing was programmed while training.
    assert dev["nvm_programs_during_training"] == 0
    assert dev["sim_us_per_step"] > 0 and dev["energy_nj_per_step"] > 0
    assert r["prefetch_last_epoch"]["hit_rate"] > 0.5
    # The memory planner planned the step with the teacher at the device's
    # own figures: every teacher node offloaded, each at its profiled time.
    mp = r["memory_plan"]
    profile = mp["device_profile"]["ops"]
    off = {o["op"]: o["device_us"] for o in mp["teacher_on_device"]["offloaded"]}
    assert set(off) == set(profile)
    for name, node in profile.items():
        want = node["sim_us"] if node["on_device"] else node["host_us"]
        assert off[name] == pytest.approx(want, rel=1e-12), name
    assert any(n["on_device"] for n in profile.values())
    assert mp["teacher_on_device"]["device_us"] == pytest.approx(sum(off.values()))
    # The teacher's weights and activations left GPU memory.
    assert mp["teacher_on_device"]["peak_bytes"] < mp["teacher_on_gpu"]["peak_bytes"]
    assert mp["teacher_on_device"]["fits"] and mp["teacher_on_gpu"]["fits"]

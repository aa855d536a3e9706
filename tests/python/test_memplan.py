"""hycim.memplan: plans with a device profile, and refusals naming the field."""
import pytest

import hycim
import hycim.memplan as mp


def trace():
    return {"format": "hycim-memplan-trace", "version": 1, "network": "t", "batch": 1,
            "tensors": [{"name": "x", "kind": "input", "bytes": 4096},
                        {"name": "tw", "kind": "weight", "bytes": 1 << 20},
                        {"name": "t", "kind": "activation", "bytes": 4096},
                        {"name": "w", "kind": "weight", "bytes": 8192},
                        {"name": "h", "kind": "activation", "bytes": 65536},
                        {"name": "g", "kind": "gradient", "bytes": 4096},
                        {"name": "dw", "kind": "weight_grad", "bytes": 8192}],
            "ops": [{"name": "teacher", "phase": "inference", "compute_us": 100,
                     "reads": ["x", "tw"], "writes": ["t"]},
                    {"name": "fwd", "phase": "forward", "compute_us": 10,
                     "reads": ["x", "w", "t"], "writes": ["h"]},
                    {"name": "bwd", "phase": "backward", "compute_us": 20,
                     "reads": ["h", "w"], "writes": ["g", "dw"]}]}


def profile(us):
    return {"format": "hycim-device-profile", "version": 1, "device": "test",
            "nvm_weight_bytes": 1 << 16, "ops": {"teacher": {"sim_us": us, "host_us": 1}}}


def test_the_device_time_and_memory_are_the_profiles():
    on_gpu = mp.plan(trace(), planner="none")
    for us in (3.5, 250.0):
        r = mp.plan(trace(), planner="none", device_profile=profile(us))
        assert r["offloaded"] == [{"op": "teacher", "device_us": us}]
        assert r["peak_bytes"] == on_gpu["peak_bytes"] - (1 << 20)  # the teacher's weights left
    assert mp.unmanaged_peak(trace()) == on_gpu["peak_bytes"]


def test_bad_traces_and_profiles_raise_hycim_errors():
    bad = trace()
    bad["ops"][1]["reads"].append("nowhere")
    with pytest.raises(hycim.Error, match="nowhere"):
        mp.plan(bad)
    p = profile(1.0)
    p["ops"]["teacher"]["sim_us"] = -2
    with pytest.raises(hycim.Error, match="'sim_us' must be a number >= 0"):
        mp.plan(trace(), device_profile=p)
    with pytest.raises(hycim.Error, match="unknown planner 'magic'"):
        mp.plan(trace(), planner="magic")

"""hycim.Session: the same results, stats and errors as the CLI."""
import json
import threading

import numpy as np
import pytest

import hycim


def test_outputs_and_stats_are_the_clis(digits, cli, tmp_path):
    x = digits["x"][:64]
    np.save(tmp_path / "x.npy", x)
    calibrated = tmp_path / "cal.onnx"
    np.save(tmp_path / "cal.npy", digits["calib"])
    cli("quantize", digits["model"], "--calibrate", tmp_path / "cal.npy", "-o", calibrated)
    report = json.loads(cli("run", calibrated, "--input", tmp_path / "x.npy",
                            "--output", tmp_path / "y.npy", "--json"))
    s = hycim.Session(calibrated)
    (y,) = s.run(x)
    # Bit-identical outputs, identical device cycles and energy.
    assert np.array_equal(y, np.load(tmp_path / "y.npy"))
    st = s.stats
    for k in ("cycles", "tile_cycles", "energy_pj", "sim_us"):
        assert st[k] == pytest.approx(report[k], rel=0, abs=1e-9), k
    assert [l["op"] for l in st["layers"]] == [l["op"] for l in report["layers"]]
    assert [l["device"] for l in st["layers"]] == [l["device"] for l in report["layers"]]
    assert st["placement"]["policy"] == "resident"


def test_calibration_in_python_equals_hycim_quantize(digits, cli, tmp_path, uri):
    np.save(tmp_path / "cal.npy", digits["calib"])
    cli("quantize", digits["model"], "--calibrate", tmp_path / "cal.npy", "-o", tmp_path / "c.onnx")
    ranges_cli = hycim.Session(tmp_path / "c.onnx", backend="cpu").ranges
    ranges_py = hycim.calibrate(digits["model"], [digits["calib"]])
    assert ranges_py == ranges_cli
    # quantize() writes the same ranges into the model it returns.
    data = hycim.quantize(digits["model"], [digits["calib"]], tmp_path / "q.onnx")
    assert hycim.Session(data, backend="cpu").ranges == ranges_cli
    assert (tmp_path / "q.onnx").read_bytes() == data
    # and a session given the calibration directly quantizes alike.
    a = hycim.Session(digits["model"], device=uri, calibration=[digits["calib"]])
    b = hycim.Session(data, device=uri + "b")
    x = digits["x"][:32]
    assert np.array_equal(a.run(x)[0], b.run(x)[0])


def test_accuracy_on_the_device_matches_the_cpu(digits, uri):
    s = hycim.Session(digits["model"], device=uri, calibration=[digits["calib"]])
    cpu = hycim.Session(digits["model"], backend="cpu")
    dev = s.run(digits["x"])[0].argmax(1)
    ref = cpu.run(digits["x"])[0].argmax(1)
    assert (dev == digits["y"]).mean() >= 0.95
    assert (dev == ref).mean() >= 0.98
    assert s.usage()["macs"] > 0 and cpu.usage() is None


def test_inputs_as_dict_list_or_array_and_outputs_owned_by_numpy(digits, uri):
    s = hycim.Session(digits["model"], device=uri)
    x = digits["x"][:16]
    assert s.inputs == [hycim.ValueInfo("x", "float", [-1, 64])]
    a = s.run(x)[0]
    b = s.run([x])[0]
    c = s.run({"x": x})[0]
    strided = np.asfortranarray(x)  # any layout is accepted
    d = s.run(strided)[0]
    assert np.array_equal(a, b) and np.array_equal(a, c) and np.array_equal(a, d)
    # The output's buffer is the runtime's, handed over: no copy was made.
    assert not a.flags["OWNDATA"] and a.base is not None and a.flags["C_CONTIGUOUS"]
    a[:] = 0  # writable, and independent of the next run
    assert not np.array_equal(a, s.run(x)[0])


def test_run_many_gives_what_each_run_gives(digits, uri):
    s = hycim.Session(digits["model"], device=uri)
    reqs = [digits["x"][i * 8:(i + 1) * 8] for i in range(6)]
    many = s.run_many(reqs, depth=3)
    assert len(many) == len(reqs), (len(many), len(reqs))  # zip would stop at the shorter
    for r, m in zip(reqs, many):
        assert np.array_equal(s.run(r)[0], m[0])
    assert s.pipeline_stats["requests"] == 6


def test_threads_keep_sessions_busy_with_the_serial_results(digits):
    x = [digits["x"][i * 60:(i + 1) * 60] for i in range(4)]
    sessions = [hycim.Session(digits["model"], device=f"sim://?instance=thread{i}") for i in range(4)]
    serial = [s.run(xi)[0] for s, xi in zip(sessions, x)]
    got = [None] * 4
    errors = []

    def work(i):
        try:
            for _ in range(3):
                got[i] = sessions[i].run(x[i])[0]
        except Exception as e:  # surfaced below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(serial) == len(got) == 4
    for a, b in zip(serial, got):
        assert np.array_equal(a, b)


def test_one_session_from_two_threads_runs_one_at_a_time(digits, uri):
    s = hycim.Session(digits["model"], device=uri)
    x = digits["x"][:40]
    want = s.run(x)[0]
    out = []
    ts = [threading.Thread(target=lambda: out.append(s.run(x)[0])) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(out) == 4 and all(np.array_equal(o, want) for o in out)


def test_bad_input_raises_the_clis_messages(digits, uri, tmp_path):
    s = hycim.Session(digits["model"], device=uri)
    with pytest.raises(hycim.Error, match="missing input 'x'"):
        s.run({"y": digits["x"]})
    with pytest.raises(hycim.Error, match=r"needs 1 inputs \(x\), got 2"):
        s.run([digits["x"], digits["x"]])
    with pytest.raises(TypeError, match="float16 is not an element type hycim runs"):
        s.run(digits["x"].astype(np.float16))
    with pytest.raises(hycim.Error, match="not an ONNX model"):
        hycim.Session(b"\x08\x01garbage", device=uri)
    with pytest.raises(hycim.Error, match="cannot open"):
        hycim.Session(tmp_path / "missing.onnx", device=uri)
    with pytest.raises(hycim.Error, match="placement 'sometimes'"):
        hycim.Session(digits["model"], device=uri, placement="sometimes")
    # The session still works after every refusal.
    assert s.run(digits["x"][:4])[0].shape == (4, 10)


def test_a_model_too_large_for_resident_placement_names_the_shortfall(tmp_path):
    torch = pytest.importorskip("torch")
    mlp = torch.nn.Sequential(torch.nn.Linear(256, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256))
    path = tmp_path / "big.onnx"
    torch.onnx.export(mlp, torch.zeros(1, 256), path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    s = hycim.Session(path, device="sim://?instance=small&tiles=1", placement="resident")
    with pytest.raises(hycim.Error, match="do not fit the device's NVM"):
        s.load()
    streamed = hycim.Session(path, device="sim://?instance=small2&tiles=1", placement="stream")
    x = np.random.default_rng(0).standard_normal((2, 256)).astype(np.float32)
    y = streamed.run(x)[0]
    assert y.shape == (2, 256) and streamed.stats["placement"]["streamed_rows"] > 0


@pytest.mark.parametrize("dtype,onnx_type", [
    ("float32", 1), ("uint8", 2), ("int8", 3), ("uint16", 4), ("int16", 5), ("int32", 6),
    ("int64", 7), ("bool", 9), ("float64", 11), ("uint32", 12), ("uint64", 13)])
def test_every_element_type_crosses_both_ways_exactly(dtype, onnx_type):
    onnx = pytest.importorskip("onnx")
    from onnx import helper
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "id",
                          [helper.make_tensor_value_info("x", onnx_type, [2, 3])],
                          [helper.make_tensor_value_info("y", onnx_type, [2, 3])])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    s = hycim.Session(model.SerializeToString(), backend="cpu")
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    x = (np.array([[0, 1, 0], [1, 1, 0]], dtype=dtype) if dtype == "bool" else
         np.array([[info.min, info.max, 0], [1, 2, 3]], dtype=dtype) if info else
         np.array([[-1.5, 3.25e30, 0], [1e-30, 2, 3]], dtype=dtype))
    (y,) = s.run(x)
    assert y.dtype == np.dtype(dtype) and y.shape == (2, 3) and np.array_equal(y, x)
    assert s.inputs[0].shape == [2, 3]
    with pytest.raises(hycim.Error, match="expected"):
        s.run(np.zeros((2, 3), np.float32 if dtype != "float32" else np.int32))


@pytest.mark.parametrize("method,extra", [("minmax", {}), ("percentile", {"percentile": 99.9}),
                                          ("entropy", {"bins": 4096})])
def test_calibration_method_round_trips_through_quantize_session_and_cli(digits, cli, tmp_path,
                                                                         method, extra):
    ranges = hycim.calibrate(digits["model"], [digits["calib"]], method=method, **extra)
    assert set(ranges) == {"x", "relu1", "relu2"}
    data = hycim.quantize(digits["model"], [digits["calib"]], method=method, **extra)
    assert hycim.Session(data, backend="cpu").ranges == ranges
    s = hycim.Session(digits["model"], backend="cpu", calibration=[digits["calib"]],
                      calibration_method=method, **extra)
    assert s.ranges == ranges
    np.save(tmp_path / "cal.npy", digits["calib"])
    flags = [f"--{k}={v}" for k, v in extra.items()]
    out = cli("quantize", digits["model"], "--calibrate", tmp_path / "cal.npy",
              "-o", tmp_path / "c.onnx", "--method", method, *flags)
    assert f"({method}" in out
    assert hycim.Session(tmp_path / "c.onnx", backend="cpu").ranges == ranges


def test_minmax_is_the_default_and_the_other_methods_clip_it(digits):
    default = hycim.calibrate(digits["model"], [digits["calib"]])
    assert hycim.calibrate(digits["model"], [digits["calib"]], method="minmax") == default
    # Measured on this set (docs/benchmarks.md, "Calibration methods"): 99.9 %
    # and entropy clip relu2 (8.005) to 6.969 and 7.489; neither widens a range.
    for method, kw in (("percentile", {"percentile": 99.9}), ("entropy", {})):
        r = hycim.calibrate(digits["model"], [digits["calib"]], method=method, **kw)
        assert r["relu2"][1] < 0.95 * default["relu2"][1], method
        for k, (lo, hi) in r.items():
            assert default[k][0] <= lo <= hi <= default[k][1], (method, k)


def test_unknown_calibration_method_and_bad_options_raise_hycim_error(digits, uri):
    with pytest.raises(hycim.Error, match=r"unknown calibration method 'kl' \(expected minmax, "
                                          r"percentile or entropy\)"):
        hycim.calibrate(digits["model"], [digits["calib"]], method="kl")
    with pytest.raises(hycim.Error, match="unknown calibration method 'bogus'"):
        hycim.Session(digits["model"], device=uri, calibration=[digits["calib"]],
                      calibration_method="bogus")
    with pytest.raises(hycim.Error, match=r"calibration percentile 100.5: expected a value in \(0, 100\]"):
        hycim.quantize(digits["model"], [digits["calib"]], method="percentile", percentile=100.5)
    with pytest.raises(hycim.Error, match="calibration bins 100: expected 256 to 16384"):
        hycim.calibrate(digits["model"], [digits["calib"]], method="entropy", bins=100)


def test_max_memory_bounds_a_run_and_names_the_budget(digits):
    x = digits["x"][:4]
    (y,) = hycim.Session(digits["model"], backend="cpu", max_memory=64 << 20).run(x)
    assert y.shape[0] == 4
    # The digits weights alone take more than a kibibyte: refused, saying so.
    with pytest.raises(hycim.Error, match=r"memory budget of 1\.0 KiB \(max_memory=\)"):
        hycim.Session(digits["model"], backend="cpu", max_memory=1024).run(x)
    for bad in (0, -1, "64M", 1.5):
        with pytest.raises(hycim.Error, match="max_memory"):
            hycim.Session(digits["model"], backend="cpu", max_memory=bad)


def test_budget_refusals_name_the_keyword_not_the_cli_flag(digits):
    # The CLI's messages end "(--max-memory)"; from Python the knob is the
    # keyword, at load (the weights) and at run time (the inputs) alike.
    with pytest.raises(hycim.Error) as load:
        hycim.Session(digits["model"], backend="cpu", max_memory=1024)
    s = hycim.Session(digits["model"], backend="cpu", max_memory=128 << 10)
    with pytest.raises(hycim.Error) as run:
        s.run(np.zeros((1024, 64), np.float32))
    # Calibration runs its own sessions under the same budget.
    with pytest.raises(hycim.Error) as calib:
        hycim.Session(digits["model"], max_memory=128 << 10,
                      calibration=[np.zeros((1024, 64), np.float32)])
    assert "the model's initializers take" in str(load.value)
    assert "exceed the run's memory budget of 128.0 KiB" in str(run.value)
    assert "exceed the run's memory budget of 128.0 KiB" in str(calib.value)
    for e in (load.value, run.value, calib.value):
        assert str(e).endswith("(max_memory=)") and "--max-memory" not in str(e), str(e)

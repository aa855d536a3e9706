"""hycim.torch.offload: PyTorch modules run on the device, within the int8
error bound of their quantized layers."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import hycim  # noqa: E402
import hycim.torch as ht  # noqa: E402


def propagated_bound(model, session, x):
    """An end-to-end bound on |offloaded - float| for a Sequential of
    Linear/Conv2d layers and 1-Lipschitz elementwise or pooling layers:
    each quantized layer adds its own bound (Session.error_bounds, given the
    input it received) to the error it inherits, amplified by the largest
    absolute row sum of its weights (its infinity norm)."""
    session.run(x.numpy())
    device_bounds = [b for name, b in sorted(session.error_bounds.items(), key=lambda kv: order(kv[0]))]
    e = 0.0
    k = 0
    for layer in model:
        if isinstance(layer, (torch.nn.Linear, torch.nn.Conv2d)):
            w = layer.weight.detach().abs().reshape(layer.weight.shape[0], -1)
            e = e * w.sum(1).max().item() + device_bounds[k]
            k += 1
    assert k == len(device_bounds)
    return e


def order(name):
    # torch names node outputs "/<index>/<Op>_output_0"; the graph output is last.
    parts = name.split("/")
    return int(parts[1]) if len(parts) > 2 else 10 ** 6


def mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 96), torch.nn.ReLU(), torch.nn.Linear(96, 10))


def cnn():
    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(16 * 6 * 6, 10))


@pytest.mark.parametrize("build,shape", [(mlp, (64,)), (cnn, (3, 16, 16))], ids=["mlp", "cnn"])
def test_outputs_agree_within_the_int8_bound(build, shape, uri):
    model = build()
    x = torch.randn(24, *shape, generator=torch.Generator().manual_seed(2))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        off = ht.offload(model, x[:1], device=uri, calibration=[x])
    host_warnings = [m for m in w if "run on the host executor" in str(m.message)]
    assert len(host_warnings) == 1  # said once
    with torch.no_grad():
        ref = model(x)
        got = off(x)
    assert isinstance(got, torch.Tensor) and got.shape == ref.shape and got.dtype == torch.float32
    err = (got - ref).abs().max().item()
    bound = propagated_bound(model, off.session, x)
    assert 0 < err <= bound, (err, bound)
    assert err < 0.05 * ref.abs().max().item()
    # The device did the multiplies, with the weights placed once (by offload).
    stats = off.session.stats
    assert stats["placement"]["resident_rows"] > 0 and stats["nvm_rows_written"] == 0
    assert off.session.usage()["macs"] > 0


def test_chosen_submodules_each_within_their_own_bound(uri):
    model = cnn()
    x = torch.randn(6, 3, 16, 16, generator=torch.Generator().manual_seed(3))
    off = ht.offload(model, x[:1], device=uri, calibration=[x], submodules=["0", "6"])
    assert isinstance(off[0], ht.OffloadedModule) and isinstance(off[3], torch.nn.Conv2d)
    assert isinstance(model[0], torch.nn.Conv2d)  # the original is left as it was
    with torch.no_grad():
        a0 = model[0](x)
        b0 = off[0](x)
        bound0 = max(off[0].session.error_bounds.values())
        assert 0 < (a0 - b0).abs().max().item() <= bound0
        assert off(x).shape == (6, 10)
    assert len(ht.sessions(off)) == 2


class WithTopK(torch.nn.Module):
    """A layer hycim does not run (TopK) between two it does."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 32)
        self.fc2 = torch.nn.Linear(8, 4)

    def forward(self, x):
        return self.fc2(torch.topk(self.fc1(x), 8, dim=1).values)


def test_unsupported_operators_fall_back_to_per_layer_offload(uri):
    model = WithTopK().eval()
    x = torch.randn(5, 16, generator=torch.Generator().manual_seed(4))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        off = ht.offload(model, x, device=uri)
    fallback = [m for m in w if "does not run" in str(m.message)]
    assert len(fallback) == 1 and "TopK" in str(fallback[0].message)
    assert isinstance(off.fc1, ht.OffloadedModule) and isinstance(off.fc2, ht.OffloadedModule)
    with torch.no_grad():
        assert (off(x) - model(x)).abs().max().item() < 0.05


def test_a_module_with_two_inputs_and_two_outputs(uri):
    class Two(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(8, 4)
            self.b = torch.nn.Linear(6, 4)

        def forward(self, x, y):
            return self.a(x) + self.b(y), self.a(x)

    torch.manual_seed(5)
    m = Two().eval()
    x, y = torch.randn(3, 8), torch.randn(3, 6)
    off = ht.offload(m, (x, y), device=uri)
    with torch.no_grad():
        s, a = off(x, y)
        rs, ra = m(x, y)
    assert s.shape == rs.shape and (s - rs).abs().max() < 0.05 and (a - ra).abs().max() < 0.05
    with pytest.raises(TypeError, match="takes 2 inputs"):
        off(x)


def test_the_calibration_method_reaches_every_offloaded_session(uri):
    """offload passes calibration_method (and percentile, bins) to the
    sessions it makes, whole-module and per submodule: one batch with a
    spike of 1000 stretches min/max's input range over it, percentile and
    entropy clip it, and on clean inputs the clipped ranges are the closer
    to float."""
    model = mlp()
    gen = torch.Generator().manual_seed(6)
    calib = [torch.randn(16, 64, generator=gen) for _ in range(8)]
    spiked = torch.randn(16, 64, generator=gen)
    spiked[3, 5] = 1000.0
    calib.append(spiked)
    clean = torch.randn(32, 64, generator=gen)
    with torch.no_grad():
        ref = model(clean)
    his, errs = {}, {}
    for method, extra in [("minmax", {}), ("percentile", {"percentile": 99.9}), ("entropy", {})]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            off = ht.offload(model, clean[:1], device=f"{uri}-{method}", calibration=calib,
                             calibration_method=method, **extra)
        name = off.session.inputs[0].name
        his[method] = off.session.ranges[name][1]
        with torch.no_grad():
            errs[method] = (off(clean) - ref).abs().max().item()
    assert his["minmax"] == pytest.approx(1000.0)
    assert his["percentile"] < 10  # one value of 9216 is above the 99.9th percentile
    # Entropy's smallest threshold is 127 / 2048 of max|x| (docs/runtime.md).
    assert 1000.0 * 127 / 2048 * 0.99 <= his["entropy"] < 100
    assert errs["percentile"] < errs["minmax"] and errs["entropy"] < errs["minmax"]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        part = ht.offload(model, clean[:1], device=f"{uri}-sub", calibration=calib,
                          submodules=["0"], calibration_method="entropy")
    leaf = ht.sessions(part)[0]
    assert leaf.ranges[leaf.inputs[0].name][1] < 100
    with pytest.raises(hycim.Error, match="unknown calibration method 'kl'"):
        ht.offload(model, clean[:1], device=f"{uri}-bad", calibration=calib, calibration_method="kl")

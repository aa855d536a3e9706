"""hycim.data: packing, reading and the shuffled loader."""
import os

import numpy as np
import pytest

import hycim
import hycim.data as hd


@pytest.fixture
def packed(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((203, 12)).astype(np.float32)
    y = rng.integers(0, 5, 203)
    names = [f"s{i:03d}" for i in range(203)]
    r = hd.pack(tmp_path / "ds", list(x), y, names=names, label_names=list("abcde"))
    assert r["samples"] == 203 and r["bytes"] == 203 * 48
    return tmp_path / "ds", x, y


def test_samples_read_back_with_their_labels(packed):
    path, x, y = packed
    ds = hd.Dataset(path)
    assert len(ds) == 203 and ds.label_names == list("abcde")
    for i in range(len(ds)):
        k = int(ds.name(i)[1:])
        assert np.array_equal(ds.read(i).view(np.float32), x[k])
        assert ds.label(i) == y[k]
    assert ds.verify()["ok"]


def test_loader_serves_each_sample_once_per_epoch_in_a_seeded_order(packed):
    path, x, y = packed
    ds = hd.Dataset(path)
    loader = hd.Loader(ds, batch_size=32, seed=7, workers=2)
    assert loader.batches_per_epoch == 7
    orders = []
    for epoch in range(2):
        seen = []
        for b in loader.epoch(epoch):
            assert b.epoch == epoch and b.data.shape == (len(b), 48)
            for i, row, label in zip(b.ids, b.data.view(np.float32), b.labels):
                k = int(ds.name(int(i))[1:])
                assert np.array_equal(row, x[k]) and label == y[k]
            seen.extend(int(i) for i in b.ids)
        assert sorted(seen) == list(range(203))
        assert seen == list(loader.sequence(epoch))
        orders.append(seen)
        assert loader.stats()["requests"] == 203
    # An epoch's stats count the reads made while it ran, ahead into the next
    # epoch included, and one read may serve a sample in both epochs: only
    # the total is fixed, and every byte was read once at least.
    total = loader.total_stats()
    assert total["requests"] == 2 * 203 and total["bytes_read"] >= 203 * 48
    assert orders[0] != orders[1]
    again = hd.Loader(ds, batch_size=32, seed=7)
    assert [int(i) for b in again.epoch(1) for i in b.ids] == orders[1]
    # Resuming mid-epoch serves the rest of the same order.
    assert [int(i) for b in again.epoch(1, first_batch=5) for i in b.ids] == orders[1][5 * 32:]


def test_ranks_split_an_epoch(packed):
    path, _, _ = packed
    ds = hd.Dataset(path)
    parts = [[int(i) for b in hd.Loader(ds, 10, seed=3, rank=r, world=2).epoch(0) for i in b.ids]
             for r in range(2)]
    assert not set(parts[0]) & set(parts[1]) and len(parts[0]) == len(parts[1]) == 101


def test_corrupt_datasets_raise_data_errors_naming_the_file(packed, tmp_path):
    path, _, _ = packed
    with pytest.raises(hycim.DataError) as e:
        hd.Dataset(tmp_path / "nowhere")
    assert "nowhere" in str(e.value)
    ds = hd.Dataset(path)
    gen = ds._native.generation()
    shard = sorted(f for f in os.listdir(gen) if f.startswith("shard"))[0]
    with open(os.path.join(gen, shard), "r+b") as f:
        f.seek(100)
        f.write(b"\xff\xff\xff\xff")
    bad = hd.Dataset(path)
    report = bad.verify()
    assert not report["ok"] and shard in report["file"]
    with pytest.raises(hycim.DataError) as e:
        for i in range(len(bad)):
            bad.read(i)
    assert shard in e.value.file and e.value.sample is not None
    with pytest.raises(hycim.DataError, match="labels"):
        hd.pack(tmp_path / "ds2", [b"ab", b"cd"], [1])


def test_the_next_epoch_starts_warm(packed):
    import time
    path, _, _ = packed
    loader = hd.Loader(hd.Dataset(path), batch_size=32, seed=2)
    for epoch in range(3):
        batches = loader.epoch(epoch)
        first = next(batches)
        if epoch > 0:
            assert loader.stats()["hits"] == len(first) == 32
        for _ in batches:
            pass
        deadline = time.monotonic() + 10
        while loader.next_epoch_ready() < 32 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert loader.next_epoch_ready() >= 32

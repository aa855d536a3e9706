"""hycim.Device: what `hycim info` and `hycim nvm list` say, and usage."""
import json

import numpy as np
import pytest

import hycim


def test_info_is_hycim_infos(cli, uri):
    with hycim.Device(uri) as d:
        mine = d.info()
        theirs = json.loads(cli("info", "--device", "sim://?preset=cnn", "--json"))["devices"][0]
    assert set(mine) == set(theirs)
    assert mine["capabilities"]["tiles"] == 4
    # No fault model: no setup, and every tile's ECC counters are zero.
    assert mine["nvm"]["faults"] is None
    assert len(mine["nvm"]["ecc"]["tiles"]) == 4 and mine["nvm"]["ecc"]["total"]["ecc_corrected"] == 0
    assert d.closed


def test_presets_and_capacity():
    by_name = {p["name"]: p for p in hycim.presets()}
    assert {"default", "edge", "cnn", "xl"} <= set(by_name)
    with hycim.Device(preset="cnn") as d:
        assert d.capacity == {"weights": by_name["cnn"]["weights"], "bytes": by_name["cnn"]["bytes"]}
        assert d.capabilities["tiles"] == by_name["cnn"]["tiles"]
        assert d.uri == "sim://?preset=cnn"


def test_usage_counts_every_session_on_the_device_closed_ones_too(digits, uri):
    with hycim.Device(uri) as d:
        assert d.usage()["macs"] == 0
        a = d.session(digits["model"])
        a.run(digits["x"][:10])
        b = hycim.Session(digits["model"], device=d)
        b.run(digits["x"][:30])
        ua, ub = a.usage(), b.usage()
        # 64x32 + 32x10 weights per image (digits MLP 64-32-10).
        assert ua["macs"] > 0 and ub["macs"] > ua["macs"]
        total = d.usage()
        assert total["macs"] == ua["macs"] + ub["macs"]
        assert total["energy_total_pj"] == pytest.approx(ua["energy_total_pj"] + ub["energy_total_pj"])
        # Every counter adds up, the ECC's too (zero: this device's cells never fail).
        assert total["ecc_corrected"] == total["nvm_scrubbed_rows"] == total["energy_ecc_pj"] == 0
        assert total["nvm_remapped_rows"] == 0
        b.close()
        assert d.usage()["macs"] == total["macs"]
        assert d.info()["commands_completed"] >= total["commands"]


def test_nvm_listing_shows_the_sessions_blocks(digits, uri):
    with hycim.Device(uri) as d:
        s = d.session(digits["model"], name="digits.onnx")
        assert d.nvm()["rows_used"] == 0
        s.load()
        listing = d.nvm()
        rows = sum(b["rows"] for b in listing["blocks"])
        assert rows == listing["rows_used"] == s.stats["placement"]["resident_rows"] > 0
        assert all(b["label"].startswith("digits.onnx:") for b in listing["blocks"])
        assert listing["rows_total"] == 4 * 512
        # A second session on the open device finds the weights resident.
        t = d.session(digits["model"], name="digits.onnx")
        t.load()
        assert t.stats["nvm_rows_written"] == 0
        assert d.nvm()["blocks"] == listing["blocks"]


def test_weights_persist_across_devices_through_an_nvm_image(digits, tmp_path):
    uri = f"sim://?nvm={tmp_path / 'nvm.img'}"
    with hycim.Device(uri) as d:
        d.session(digits["model"], name="digits.onnx").load()
    with hycim.Device(uri) as d:
        assert d.info()["nvm"]["resident"]["blocks"] > 0
        s = d.session(digits["model"], name="digits.onnx")
        s.load()
        assert s.stats["nvm"]["blocks_programmed"] == 0


def _owner_loads(model, img, share_weights):
    """alice loads the model, then bob, on one NVM image: bob's load stats
    and his view of the NVM."""
    alice, bob = (f"sim://?nvm={img}&owner={o}" for o in ("alice", "bob"))
    with hycim.Session(model, device=alice, name="digits.onnx", share_weights=share_weights) as a:
        a.load()
        programmed = a.stats["nvm_rows_written"]
    assert programmed > 0
    with hycim.Session(model, device=bob, name="digits.onnx") as b:
        b.load()
        stats = b.stats
    with hycim.Device(bob) as d:
        listing = d.nvm()
    return programmed, stats, listing


def test_shared_weights_are_found_by_another_owner_and_run_read_only(digits, tmp_path, uri):
    programmed, stats, listing = _owner_loads(digits["model"], tmp_path / "nvm.img", True)
    # bob finds alice's blocks, verifies them and programs nothing.
    assert stats["nvm_rows_written"] == 0 and stats["nvm"]["blocks_programmed"] == 0
    assert stats["nvm"]["blocks_found"] > 0
    assert listing["owner"].endswith("/bob")
    assert listing["blocks"] and all(b["access"] == "shared" and b["owner"].endswith("/alice")
                                     for b in listing["blocks"])
    assert sum(b["rows"] for b in listing["blocks"]) == programmed
    # And computes on them what a device of his own weights computes.
    with hycim.Session(digits["model"], device=f"sim://?nvm={tmp_path / 'nvm.img'}&owner=bob") as b:
        (y,) = b.run(digits["x"])
        assert b.stats["nvm_rows_written"] == 0
    (ref,) = hycim.Session(digits["model"], device=uri).run(digits["x"])
    np.testing.assert_array_equal(y, ref)


def test_without_sharing_each_owner_programs_its_own_copy(digits, tmp_path):
    programmed, stats, listing = _owner_loads(digits["model"], tmp_path / "nvm.img", False)
    assert stats["nvm_rows_written"] == programmed and stats["nvm"]["blocks_found"] == 0
    mine = [b for b in listing["blocks"] if b["owner"].endswith("/bob")]
    theirs = [b for b in listing["blocks"] if b["owner"].endswith("/alice")]
    assert sum(b["rows"] for b in mine) == programmed and all(b["access"] == "mine" for b in mine)
    assert theirs and all(b["access"] == "theirs" for b in theirs)


def test_bad_devices_raise_device_errors():
    with pytest.raises(hycim.DeviceError) as e:
        hycim.Device("unix:///nonexistent/hycimd.sock")
    assert e.value.status == "HYCIM_E_NOT_FOUND" and "hycimd" in str(e.value)
    with pytest.raises(hycim.DeviceError, match="tiles"):
        hycim.Device("sim://?tiles=99999")
    with pytest.raises(hycim.Error, match="keyword options"):
        hycim.Device("unix:///x", tiles=4)
    d = hycim.Device("sim://?instance=closing")
    d.close()
    with pytest.raises(hycim.DeviceError, match="closed"):
        d.info()

"""Shared fixtures of the Python package's tests (run by ctest as
python_package: PYTHONPATH names build/python, HYCIM_CLI the CLI,
HYCIM_MODELS the repo's models/)."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

MODELS = pathlib.Path(os.environ.get("HYCIM_MODELS", pathlib.Path(__file__).parents[2] / "models"))
DIGITS = MODELS / "digits"


@pytest.fixture(scope="session")
def digits():
    """The digits MLP with its calibration batch, test images and labels."""
    return {
        "model": DIGITS / "model.onnx",
        "calib": np.load(DIGITS / "calib_x.npy"),
        "x": np.load(DIGITS / "test_x.npy"),
        "y": np.load(DIGITS / "test_y.npy"),
    }


@pytest.fixture(scope="session")
def cli():
    """Runs the hycim CLI; returns its stdout (fails the test on an error)."""
    exe = os.environ.get("HYCIM_CLI")
    if not exe:
        pytest.skip("HYCIM_CLI is not set (the CLI is not built)")

    def run(*args):
        r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout
    return run


_instances = iter(range(1_000_000))


@pytest.fixture
def uri():
    """A fresh in-process device per test (sim:// devices with other
    options are other devices), so tests never share NVM contents."""
    return f"sim://?instance=pytest{next(_instances)}"

"""Timing `hycim run` the way the runtime benchmarks do (real_models.py,
capacity.py): hycim's own host time, so process start-up is not counted."""
import json
import subprocess

import numpy as np


def hycim_run(hycim, model, x, runs, *options):
    """(host ms of one warm inference, its stats, output array): the median
    over `runs` processes of the last of two runs (the first places the
    weights), timed inside hycim (host_us)."""
    out = model + ".hycim.npy"
    args = [hycim, "run", model, "-i", x, "-o", out, "--json", "--runs", "2", *options]
    times, st = [], None
    for _ in range(runs):
        r = subprocess.run(args, check=True, capture_output=True, text=True)
        st = json.loads(r.stdout)
        times.append(st["host_us"] / 1000)
    return float(np.median(times)), st, np.load(out)


def bench_args(root, argv, default_runs):
    """(hycim binary, runs, ONNX Runtime script, its environment) from
    `SCRIPT [BUILD_DIR] [RUNS]`."""
    import os
    build = argv[1] if len(argv) > 1 else "build"
    runs = int(argv[2]) if len(argv) > 2 else default_runs
    ort_js = os.path.join(root, "tests", "reference", "ort_run.js")
    env = dict(os.environ, NODE_PATH=os.path.join(root, "build", "reference-npm", "node_modules"))
    return os.path.join(build, "host-tools", "hycim"), runs, ort_js, env

"""The CLI's progress bar, seen from a terminal and from a pipe.

Each long command (run --runs, sim --sweep, classify, data pack, an ILP
memplan plan) runs with stderr on a pseudo-terminal: the bar is drawn
("\\r", a percentage, a newline at the end) and stdout still carries the
result. The same command with stderr piped, or with --json on the
terminal, writes no bar at all. Usage: progress_pty_test.py HYCIM SOURCE_DIR
"""

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import tempfile
import termios

HYCIM, SRC = sys.argv[1], sys.argv[2]
MODEL = os.path.join(SRC, "models", "digits")
BAR = re.compile(r"\r[^\r\n]*\[[#.]+\] +\d+%")


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def on_pty(args):
    """Runs hycim ARGS with stderr on a pty: (exit code, stdout, terminal text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    p = subprocess.Popen([HYCIM] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer of the pty has closed it
            break
        if not chunk:
            break
        seen += chunk
    out = p.stdout.read()
    p.wait()
    os.close(master)
    return p.returncode, out.decode(), seen.decode(errors="replace")


def piped(args):
    p = subprocess.run([HYCIM] + args, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(name, args, json_args):
    rc, out, term = on_pty(args)
    if rc != 0:
        fail(f"{name} on a pty: exit {rc}: {term!r}")
    if not BAR.search(term) or "100%" not in term:
        fail(f"{name} on a pty drew no bar reaching 100%: {term!r}")
    if not term.endswith("\n"):
        fail(f"{name} on a pty left the bar without a newline: {term!r}")
    if "\r" in out:
        fail(f"{name}: the bar reached stdout: {out!r}")
    rc, out, err = piped(args)
    if rc != 0:
        fail(f"{name} piped: exit {rc}: {err!r}")
    if "\r" in err or "%" in err:
        fail(f"{name} with stderr piped drew a bar: {err!r}")
    rc, out, term = on_pty(args + json_args)
    if rc != 0:
        fail(f"{name} --json on a pty: exit {rc}: {term!r}")
    if "\r" in term or "%" in term:
        fail(f"{name} --json on a pty drew a bar: {term!r}")
    json.loads(out)


check("run --runs", ["run", os.path.join(MODEL, "model.onnx"), "-i",
                     os.path.join(MODEL, "calib_x.npy"), "--runs", "40"], ["--json"])
check("sim --sweep", ["sim", "--layer", "2x8x8", "--config", "small", "--sweep", "tiles=1,2,3"],
      ["--json"])
check("classify", ["classify", MODEL, "--batch", "32"], ["--json"])
with tempfile.TemporaryDirectory() as tmp:
    for label in ("a", "b"):
        os.makedirs(os.path.join(tmp, "in", label))
        for i in range(40):
            with open(os.path.join(tmp, "in", label, f"{i}.bin"), "wb") as f:
                f.write(os.urandom(1000 + i))
    # Shards of one I/O unit: several, so the bar moves.
    check("data pack", ["data", "pack", os.path.join(tmp, "in"), os.path.join(tmp, "ds"),
                        "--shard-mib", "0"], ["--json"])
    # A solver's bar moves with the time against --time-limit.
    trace = os.path.join(tmp, "r50.json")
    subprocess.run([HYCIM, "memplan", "trace", "--network", "resnet50", "--batch", "8", "-o", trace],
                   check=True)
    check("memplan plan --planner ilp", ["memplan", "plan", trace, "--fraction", "0.7", "--planner",
                                         "ilp", "--time-limit", "1"], ["--json"])
print("progress bar: drawn on a terminal, absent when piped and with --json")

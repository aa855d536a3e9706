#!/usr/bin/env python3
"""The layering rule, checked: each layer includes only itself and the layer
below it, and that one only through its public headers (docs/architecture.md).

    host-tools, python -> runtime -> driver (public headers) -> [driver/sim ->] sim -> spec

Usage: check_layers.py SOURCE_DIR. Prints every include that breaks the rule
(file:line: what) and exits 1; exits 0 when there is none.
"""
import pathlib
import re
import sys

# The driver's public headers: what any layer above may include from it.
DRIVER_PUBLIC = ["driver/driver.hpp", "driver/hycim_driver.h", "driver/command_builders.hpp"]
# The spec and the technology model (sim/tech: energy, area and delay of
# each component, published macros) are facts about the device, not a layer
# of its software: every layer may read them, and they include nothing above.
SPEC = ["hycim/spec/", "sim/tech/"]

# (files under this prefix, the include prefixes they may use). First match wins.
RULES = [
    ("sim/tech/", ["sim/tech/", "hycim/spec/"]),
    ("sim/", ["sim/"] + SPEC + ["Vhycim_tile_"]),
    ("driver/sim/", ["driver/"] + SPEC + ["sim/device/", "sim/tile/tile.hpp"]),
    ("driver/", ["driver/lib/", "driver/daemon/", "driver/sim/"] + DRIVER_PUBLIC + SPEC),
    ("runtime/", ["runtime/"] + DRIVER_PUBLIC + SPEC),
    ("host-tools/", ["host-tools/", "runtime/"] + DRIVER_PUBLIC + SPEC),
    ("python/", ["python/", "runtime/"] + DRIVER_PUBLIC + SPEC),
    ("kernels/", ["kernels/"]),
]
# Parts of a layer that its own lower parts must not reach into: the driver's
# core (driver/lib and its public headers) never includes sim:// or the daemon.
FORBIDDEN = [
    ("driver/lib/", ["driver/sim/", "driver/daemon/"]),
    ("driver/driver.hpp", ["driver/sim/", "driver/lib/"]),
    ("driver/hycim_driver.h", ["driver/"]),
    ("driver/command_builders.hpp", ["driver/sim/", "driver/lib/"]),
]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCES = (".cpp", ".hpp", ".h", ".c", ".cu", ".cuh")


def allowed(rel: str, inc: str) -> bool:
    for prefix, banned in FORBIDDEN:
        if rel.startswith(prefix) and any(inc.startswith(b) for b in banned):
            return False
    for prefix, may in RULES:
        if rel.startswith(prefix):
            return any(inc.startswith(m) for m in may)
    return True  # tests/, bench/: hosts of any layer


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    bad = []
    checked = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or not rel.endswith(SOURCES) or rel.startswith(("build", ".")):
            continue
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            checked += 1
            if not allowed(rel, m.group(1)):
                bad.append(f"{rel}:{n}: includes \"{m.group(1)}\"")
    for b in bad:
        print(b)
    if checked == 0:
        print("check_layers: no includes found under", root)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

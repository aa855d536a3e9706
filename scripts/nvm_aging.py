#!/usr/bin/env python3
"""A model's accuracy as its device's NVM ages, with and without ECC and scrubbing.

Usage: /usr/bin/python3 scripts/nvm_aging.py HYCIM_BINARY [options]

For each protection (SEC-DED with a background scrub, SEC-DED alone, none)
and each age (1 s, 1 day, 1 month, 1 year, 10 years by default), on a fresh
NVM image with the fault model:
  1. `hycim classify MODEL --nvm IMG --faults F --ecc E` programs the weights
     (write-verify with the preset's program errors);
  2. `hycim nvm age --nvm IMG --time AGE --temp T` ages the unpowered device
     (with `--scrub INTERVAL`: powered, scrubbed every interval) and scans
     every row through the ECC;
  3. `hycim classify MODEL --nvm IMG --trust-resident` runs the test set on
     the aged cells (not read back and reprogrammed at load):
     with ECC, single bad bits are corrected and a refused row is
     reprogrammed by the runtime (counted from its log); without, the bad
     bits go into the products unseen.
Writes OUT.json (every point) and OUT.png/OUT.svg (accuracy and
uncorrectable rows against age).

Options: --model DIR (models/digits), --faults NAME (rram), --temp C (85),
--ages LIST (1s,1d,1mo,1y,10y), --scrub INTERVAL (1d), --seed N (1),
--out PREFIX (docs/nvm_aging).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SECONDS = {"s": 1, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400,
           "mo": 365.25 * 86400 / 12, "y": 365.25 * 86400}


def seconds(age: str) -> float:
    for unit in sorted(SECONDS, key=len, reverse=True):
        if age.endswith(unit):
            return float(age[: -len(unit)]) * SECONDS[unit]
    raise ValueError(f"age '{age}': expected a number and one of {', '.join(SECONDS)}")


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    return p


# (name, ECC, scrubbed): the three protections compared.
SERIES = (("secded+scrub", "secded", True), ("secded", "secded", False), ("none", "none", False))
LABELS = {"secded+scrub": "SEC-DED + scrub every {scrub} (powered)",
          "secded": "SEC-DED + repair on read (unpowered)", "none": "no ECC (unpowered)"}


def point(hycim, a, series, age, workdir):
    name, ecc, scrubbed = series
    img = os.path.join(workdir, f"{name}-{age}.nvm")
    device = ["--nvm", img, "--faults", a.faults, "--ecc", ecc, "--fault-seed", str(a.seed)]
    fresh = json.loads(run([hycim, "classify", a.model, "--json"] + device).stdout)
    scrub = ["--scrub", a.scrub] if scrubbed else []
    scan = json.loads(run([hycim, "nvm", "age", "--nvm", img, "--time", age, "--temp",
                           str(a.temp), "--json"] + scrub).stdout)
    # --trust-resident: the aged cells themselves, not a fresh copy the
    # load-time read-back would program after finding them changed.
    aged = run([hycim, "classify", a.model, "--json", "--trust-resident", "--nvm", img])
    result = json.loads(aged.stdout)
    return {"series": name, "ecc": ecc, "scrub": a.scrub if scrubbed else None,
            "age": age, "age_s": seconds(age),
            "fresh_accuracy": fresh["device_accuracy"],
            "accuracy": result["device_accuracy"],
            "float_accuracy": result["float_accuracy"],
            "uncorrectable_rows": len(scan["uncorrectable"]),
            "scrubbed_rows": scan["scrubbed"],
            "rows": scan["rows"],
            "reprogrammed_blocks": aged.stderr.count("reprogrammed")}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("hycim")
    p.add_argument("--model", default="models/digits")
    p.add_argument("--faults", default="rram")
    p.add_argument("--temp", type=float, default=85)
    p.add_argument("--ages", default="1s,1d,1mo,1y,10y")
    p.add_argument("--scrub", default="1d")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="docs/nvm_aging")
    a = p.parse_args()
    ages = a.ages.split(",")
    points = []
    with tempfile.TemporaryDirectory() as workdir:
        for series in SERIES:
            for age in ages:
                points.append(point(a.hycim, a, series, age, workdir))
                q = points[-1]
                print(f"{a.faults} {a.temp:g} C {series[0]:12} age={age:>4}: accuracy "
                      f"{100 * q['accuracy']:.1f}% (fresh {100 * q['fresh_accuracy']:.1f}%), "
                      f"{q['uncorrectable_rows']} of {q['rows']} rows uncorrectable, "
                      f"{q['reprogrammed_blocks']} blocks reprogrammed, "
                      f"{q['scrubbed_rows']} rows scrubbed", flush=True)
    with open(a.out + ".json", "w") as f:
        json.dump({"faults": a.faults, "temp_c": a.temp, "model": a.model, "seed": a.seed,
                   "scrub": a.scrub, "points": points}, f, indent=2)
    fig, (ax, rows) = plt.subplots(2, 1, figsize=(6.5, 6.5), sharex=True)
    for (name, _, _), style in zip(SERIES, ("^-", "o-", "s--")):
        mine = [q for q in points if q["series"] == name]
        xs = [q["age_s"] for q in mine]
        label = LABELS[name].format(scrub=a.scrub)
        ax.semilogx(xs, [100 * q["accuracy"] for q in mine], style, label=label)
        if mine[0]["ecc"] != "none":  # without ECC the device cannot tell a bad row
            rows.semilogx(xs, [q["uncorrectable_rows"] for q in mine], style, label=label)
    ax.axhline(100 * points[0]["float_accuracy"], color="gray", lw=0.8, label="float (CPU)")
    rows.set_xticks([q["age_s"] for q in points if q["series"] == SERIES[0][0]], ages)
    rows.set_xlabel(f"time at {a.temp:g} C")
    ax.set_ylabel("test accuracy (%)")
    rows.set_ylabel(f"rows the ECC cannot correct\n(of {points[0]['rows']} programmed)")
    ax.set_title(f"{os.path.basename(a.model.rstrip('/'))} on hycim, {a.faults} NVM")
    ax.legend(fontsize=8)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{a.out}.{ext}", dpi=120)
    print(f"wrote {a.out}.json, {a.out}.png, {a.out}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Predicted against published figures of every macro in spec/macros.

Usage: /usr/bin/python3 scripts/plot_macros.py HYCIM_BINARY [OUT_PREFIX]

Runs `HYCIM macros --json` and draws two log-log panels, energy efficiency
(TOPS/W; fJ per MAC shown as the TOPS/W it implies) and macro area (mm^2),
each point a published operating point, on the diagonal where the model is
exact. Writes OUT_PREFIX.png and OUT_PREFIX.svg (default docs/macros).
"""
import json
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[2] if len(sys.argv) == 3 else "docs/macros"
    report = json.loads(subprocess.run([sys.argv[1], "macros", "--json"], check=True,
                                       capture_output=True, text=True).stdout)
    fig, (ax_e, ax_a) = plt.subplots(1, 2, figsize=(11, 5))
    markers = {}
    for row in report["macros"]:
        name = row["macro"]
        style = markers.setdefault(name, "osD^v<>ph*"[len(markers) % 10])
        kind = "calibration" if row["calibration"] else row["mechanism"]
        color = {"calibration": "tab:green", "digital": "tab:blue", "analog": "tab:gray"}[kind]
        if row["tops_w"] is not None:
            pub, pred = row["tops_w"], row["model_tops_w"]
        else:  # fJ per MAC as the TOPS/W it means: 2 ops per MAC
            pub, pred = 2000 / row["fj_per_mac"], 2000 / row["model_fj_per_mac"]
        label = f"{name} ({kind}, {row['vdd']:g} V)"
        ax_e.loglog(pub, pred, style, color=color, label=label)
        if row["area_mm2"] is not None and row["err_area"] is not None:
            ax_a.loglog(row["area_mm2"], row["model_area_mm2"], style, color=color)
    for ax, what in ((ax_e, "TOPS/W"), (ax_a, "area, mm$^2$")):
        lo, hi = ax.get_xlim()
        lo, hi = min(lo, ax.get_ylim()[0]), max(hi, ax.get_ylim()[1])
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        ax.plot([lo, hi], [lo * 1.15, hi * 1.15], "k:", lw=0.6)
        ax.plot([lo, hi], [lo / 1.15, hi / 1.15], "k:", lw=0.6)
        ax.set_xlabel(f"published {what}")
        ax.set_ylabel(f"predicted {what}")
        ax.grid(True, which="both", lw=0.3)
    s = report["summary"]
    ax_e.set_title(f"energy efficiency (MAE {100 * s['mae_tops_w']:.0f} % over held-out digital)")
    ax_a.set_title(f"area (MAE {100 * s['mae_area']:.0f} % over held-out digital)")
    ax_e.legend(fontsize=6, loc="upper left")
    fig.suptitle(f"hycim energy/area model on technology {s['technology']}, calibrated on "
                 f"{', '.join(s['calibrated_on'])}; dotted: +-15 %", fontsize=9)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{out}.{ext}", dpi=120)
    print(f"wrote {out}.png and {out}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())

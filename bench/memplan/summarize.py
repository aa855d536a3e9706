#!/usr/bin/env python3
"""Markdown tables from memplan_bench's JSON lines (budgets, then max batch).

Added time is the replayed iteration time minus the unmanaged one, as a share
of the unmanaged time; "x ILP" is a baseline's added time over the ILP plan's
added time in the same run (only where both fit)."""
import json
import sys

PLANNERS = ["swap-all", "capuchin", "chen-sqrt", "griewank-log", "checkmate", "ilp"]


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def cell(r, ilp):
    if not r.get("fits"):
        return "below floor" if "error" in r else "over"
    pct = 100.0 * r["added_us"] / r["ideal_us"]
    if r["planner"] == "ilp" or not ilp or not ilp.get("fits"):
        return f"{pct:.2f}%"
    if ilp["added_us"] <= 0:
        return f"{pct:.2f}%"
    return f"{pct:.2f}% ({r['added_us'] / ilp['added_us']:.2f}x)"


def budgets(rows):
    groups = {}
    for row in rows:
        groups.setdefault((row["network"], row["batch"], row["fraction"]), (row, {}))[1][
            row["result"]["planner"]] = row["result"]
    print("| network | batch | budget | floor | " + " | ".join(PLANNERS) +
          " | ILP solve | ILP gap |")
    print("|" + "---|" * (6 + len(PLANNERS)))
    for (net, batch, frac), (row, res) in groups.items():
        ilp = res.get("ilp", {})
        gib = frac * row["unmanaged_peak"] / 2**30
        floor = row["floor"] / row["unmanaged_peak"]
        cells = [cell(res[p], ilp) if p in res else "-" for p in PLANNERS]
        solve = f"{ilp['solve_s']:.1f} s" if "solve_s" in ilp else "-"
        gap = f"{100 * ilp['gap']:.1f}%" if "gap" in ilp else "-"
        print(f"| {net} | {batch} | {int(frac * 100)}% ({gib:.2f} GiB) | {100 * floor:.0f}% | " +
              " | ".join(cells) + f" | {solve} | {gap} |")


def max_batch(rows):
    nets = {}
    for r in rows:
        nets.setdefault(r["network"], {})[r["planner"]] = r["max_batch"]
    names = ["none"] + PLANNERS
    print(f"\n| network (max batch in {rows[0]['memory_gib']:g} GiB) | " + " | ".join(names) + " |")
    print("|" + "---|" * (1 + len(names)))
    for net, res in nets.items():
        base = res.get("none", 0)
        cells = []
        for p in names:
            b = res.get(p, "-")
            cells.append(f"{b} ({b / base:.2f}x)" if p != "none" and base and b != "-" else str(b))
        print(f"| {net} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    budgets(load(sys.argv[1]))
    if len(sys.argv) > 2:
        max_batch(load(sys.argv[2]))

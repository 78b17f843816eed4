"""Time against households, local and Dask engines, from benchmarks/households_results.json
(written by ``python benchmarks/households.py ... --record``): the median of the runs of
each engine and size, every run as a dot, the load average noted (2 shared cores).

Usage: python benchmarks/plot_households.py  ->  benchmarks/households_time.png
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "households_results.json"
PNG = ROOT / "households_time.png"
STYLE = {"local": ("#2166ac", "o", "local engine (one process)"),
         "dask": ("#b2182b", "s", "Dask engine (LocalCluster, 2 workers)")}  # fmt: skip


def main() -> int:
    runs = json.loads(RESULTS.read_text(encoding="utf-8"))
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for engine, (colour, marker, label) in STYLE.items():
        mine = [r for r in runs if r["engine"] == engine]
        if not mine:
            continue
        sizes = sorted({int(r["households"]) for r in mine})
        medians = [
            float(np.median([r["seconds"] for r in mine if r["households"] == n])) for n in sizes
        ]
        ax.scatter([r["households"] for r in mine], [r["seconds"] for r in mine],
                   color=colour, marker=marker, alpha=0.35, s=18)  # fmt: skip
        ax.plot(sizes, medians, color=colour, marker=marker, label=f"{label}, median")
        for n, m in zip(sizes, medians, strict=True):
            peak = max(r["peak_mb"] for r in mine if r["households"] == n)
            ax.annotate(f"{m:.0f} s, {peak / 1024:.1f} GB", (n, m), textcoords="offset points",
                        xytext=(6, -12 if engine == "local" else 6), fontsize=8, color=colour)  # fmt: skip
        if engine == "dask":  # linear in the points, from the largest size measured
            n, m = sizes[-1], medians[-1]
            far = [n, 40_000_000]
            ax.plot(far, [m, m * far[1] / n], color=colour, linestyle=":",
                    label="Dask, linear extrapolation (not measured)")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(3e5, 6e7)
    ax.set_ylim(100, 3e5)
    ax.set_xlabel("households (points) on the 3,321 real communes")
    ax.set_ylabel("wall time of `coverage-gaps run`, s")
    loads = [r["load_average"][0] for r in runs]
    ax.set_title(
        "National households workload: time against size\n"
        f"2 cores shared with other jobs (1-min load {min(loads):.0f}-{max(loads):.0f})",
        fontsize=10,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(PNG)
    print(PNG)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

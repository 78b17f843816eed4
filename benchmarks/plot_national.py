"""Draw ``national.png``: time against villages, one line per series of
``national_results.json`` (``ours``, ``baseline``, ``floor``; any other series appended to the
file, e.g. ``dask``, gets its own line). The latest record of each (series, villages) is used;
wall seconds as solid lines, CPU seconds (where recorded) dashed.

Usage: python benchmarks/plot_national.py
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "national_results.json"
PLOT = HERE / "national.png"


def latest(rows: list[dict]) -> dict[str, dict[int, dict]]:
    """``{series: {villages: record}}``, the last record of each pair."""
    out: dict[str, dict[int, dict]] = {}
    for row in rows:
        out.setdefault(row["series"], {})[int(row["villages"])] = row
    return out


def main() -> int:
    series = latest(json.loads(RESULTS.read_text("utf-8")))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, (name, by_n) in enumerate(sorted(series.items())):
        sizes = sorted(by_n)
        colour = f"C{k}"
        ax.plot(sizes, [by_n[n]["seconds"] for n in sizes], "o-", color=colour,
                label=f"{name} (wall)")  # fmt: skip
        cpu = [n for n in sizes if "cpu_s" in by_n[n]]
        if cpu:
            ax.plot(cpu, [by_n[n]["cpu_s"] for n in cpu], "s--", color=colour, alpha=0.6,
                    label=f"{name} (CPU)")  # fmt: skip
    loads = sorted({r["load_1min"] for s in series.values() for r in s.values()})
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("villages (households for the households workload)")
    ax.set_ylabel("seconds")
    ax.set_title(f"National run, every output written (2 shared cores, load {loads[0]:g}-"
                 f"{loads[-1]:g})", fontsize=10)  # fmt: skip
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=100)
    print(PLOT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

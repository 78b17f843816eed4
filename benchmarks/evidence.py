"""Benchmark the measured-evidence rules at national scale: 1,000,000 tests against the real
3,321 communes of ../shared/geodata and 100,000 villages.

Generates (deterministically, cached under outputs/bench/evidence/) 100,000 villages inside
the communes and 1,000,000 tests scattered around them (4 carriers x 4G/5G, times over a
week in local time, signal and, for a third, download speed), written as GeoParquet (and as
CSV with --csv). Then times, in one process:

- loading the tests (``load_measurements``, GeoParquet; the CSV too with --csv), including
  dropping the tests outside every commune;
- the rules (``assess_evidence``: judging, H3 indexing, tests near villages, tallies and
  verdicts, the challenges table), with a random "declared" array standing in for the
  coverage sampling (the pipeline samples the layers with ``sample_coverage``);
- the outputs as data (``measured_columns``, ``count_verdicts``, ``gather_evidence``).

Usage: python benchmarks/evidence.py [--tests 1000000] [--villages 100000] [--csv]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps import collect_warnings
from coverage_gaps.analysis import (
    ChallengeRules,
    DeclaredLayer,
    assess_evidence,
    choose_working_crs,
    count_verdicts,
    gather_evidence,
    measured_columns,
)
from coverage_gaps.analysis.evidence import h3_cells
from coverage_gaps.inputs import load_measurements

ROOT = Path(__file__).resolve().parents[1]
COMMUNES = ROOT.parent / "shared" / "geodata" / "vn_2025" / "wards_2025_10m.gpkg"
CARRIERS = ["Viettel", "VNPT", "MobiFone", "Vietnamobile"]


def villages_in(communes: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points inside the communes (rejection sampling in the communes' boxes)."""
    polys = communes.geometry.to_numpy()
    shapely.prepare(polys)
    bounds = shapely.bounds(polys)
    area = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        pick = rng.choice(len(polys), size=2 * n, p=area / area.sum())
        x = rng.uniform(bounds[pick, 0], bounds[pick, 2])
        y = rng.uniform(bounds[pick, 1], bounds[pick, 3])
        ok = shapely.contains_xy(polys[pick], x, y)
        found.append(np.column_stack([x[ok], y[ok]]))
        total += int(ok.sum())
    return np.concatenate(found)[:n]


def generate(folder: Path, *, tests: int, villages: int, seed: int, csv: bool) -> None:
    rng = np.random.default_rng(seed)
    communes = gpd.read_file(COMMUNES)
    crs = choose_working_crs(communes)
    communes = communes.to_crs(crs)
    vxy = villages_in(communes, villages, rng)
    folder.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(
        {"village_id": [f"V{i:06d}" for i in range(villages)]},
        geometry=shapely.points(vxy),
        crs=crs,
    ).to_parquet(folder / "villages.parquet")
    near = rng.integers(0, villages, tests)
    angle, dist = rng.uniform(0, 2 * np.pi, tests), np.abs(rng.normal(0, 400, tests))
    x = vxy[near, 0] + dist * np.cos(angle)
    y = vxy[near, 1] + dist * np.sin(angle)
    start = pd.Timestamp("2025-10-01T06:00")
    local = start + pd.to_timedelta(rng.integers(0, 7 * 86400, tests), unit="s")
    speed = np.round(rng.gamma(2.0, 8.0, tests), 2)
    frame = gpd.GeoDataFrame(
        {
            "carrier": rng.choice(CARRIERS, tests),
            "technology": rng.choice(["4G", "5G", "LTE"], tests),
            "rsrp_dbm": np.round(rng.normal(-100, 12, tests).clip(-150, -45), 1),
            "dl_mbps": np.where(rng.random(tests) < 0.33, speed, np.nan),
            "timestamp": local.strftime("%Y-%m-%d %H:%M:%S"),
        },
        geometry=shapely.points(x, y),
        crs=crs,
    ).to_crs(4326)
    frame.to_parquet(folder / "tests.parquet")
    if csv:
        table = pd.DataFrame(frame.drop(columns="geometry"))
        table["lon"], table["lat"] = frame.geometry.x.round(6), frame.geometry.y.round(6)
        table.to_csv(folder / "tests.csv", index=False)


def timed(label: str, fn, timings: dict[str, tuple[float, float]]):
    """Run ``fn``; record wall-clock and CPU seconds (CPU time is what a quiet machine's
    wall clock would show for this single-threaded code; the machine is shared)."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    timings[label] = (time.perf_counter() - w0, time.process_time() - c0)
    print(f"{label:<48} {timings[label][0]:7.2f} s wall {timings[label][1]:7.2f} s CPU", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tests", type=int, default=1_000_000)
    ap.add_argument("--villages", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", action="store_true", help="also time loading the same tests as CSV")
    args = ap.parse_args()
    if not COMMUNES.exists():
        print(f"missing {COMMUNES}", file=sys.stderr)
        return 2
    folder = ROOT / "outputs" / "bench" / f"evidence-{args.tests}-{args.villages}-{args.seed}"
    if not (folder / "tests.parquet").exists() or (
        args.csv and not (folder / "tests.csv").exists()
    ):
        t0 = time.perf_counter()
        generate(folder, tests=args.tests, villages=args.villages, seed=args.seed, csv=args.csv)
        print(f"generated in {time.perf_counter() - t0:.1f} s")
    communes = gpd.read_file(COMMUNES)
    crs = choose_working_crs(communes)
    communes = communes.to_crs(crs)
    villages = gpd.read_parquet(folder / "villages.parquet")
    layers = [
        DeclaredLayer(c, t, -105.0 if t == "4G" else -110.0, "raster")
        for c in CARRIERS
        for t in ("4G", "5G")
    ]
    timings: dict[str, tuple[float, float]] = {}
    columns = {"carrier": "carrier", "technology": "technology", "signal": "rsrp_dbm"}
    columns |= {"time": "timestamp", "download_mbps": "dl_mbps"}
    with collect_warnings():
        tests = timed(
            "load 1 GeoParquet file (+ drop tests outside)",
            lambda: load_measurements(
                folder / "tests.parquet", working_crs=crs, communes=communes, **columns
            ),
            timings,
        )
        if args.csv:
            timed(
                "load the same tests as CSV (read_table)",
                lambda: load_measurements(
                    folder / "tests.csv", working_crs=crs, x="lon", y="lat", **columns
                ),
                timings,
            )
    declared = np.random.default_rng(args.seed).random(len(tests)) < 0.8
    timed(
        "  of which H3 indexing (h3 4, C core)",
        lambda: h3_cells(tests["lat"].to_numpy(), tests["lon"].to_numpy(), 8),
        timings,
    )
    result = timed(
        "rules: judge, H3, near villages, verdicts",
        lambda: assess_evidence(
            tests, villages, layers=layers, declared=declared, rules=ChallengeRules()
        ),
        timings,
    )
    timed(
        "outputs: measured columns, counts, evidence",
        lambda: (measured_columns(result), count_verdicts(result), gather_evidence(result)),
        timings,
    )
    counted = [v for k, v in timings.items() if not k.startswith(" ") and "CSV" not in k]
    wall, cpu = sum(v[0] for v in counted), sum(v[1] for v in counted)
    print(f"{'total (GeoParquet load + rules + outputs)':<48} {wall:7.2f} s wall {cpu:7.2f} s CPU")
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    print(f"tests kept: {len(tests):,}; challenges: {len(result.challenges):,}")
    print(result.challenges["level"].value_counts().to_dict())
    print(count_verdicts(result).groupby(["level", "verdict"])["count"].sum().to_dict())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

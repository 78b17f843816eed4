"""Benchmark the measured evidence at national scale, through the real pipeline: 1,000,000
tests against the national workload (the synthetic project of ``bench_pipeline.py`` on the
real 3,321 communes of ../shared/geodata: 100,000 villages, 14 coverage layers, 7 rasters and 7
polygon layers).

Generates (deterministically, cached under outputs/bench/) the national project and
1,000,000 tests scattered around its villages (4 carriers x 4G/5G where the carrier has the
layer, times over a week in local time, signal and, for a third, download speed) as
GeoParquet (and as CSV with --csv). Then runs, in one process:

1. ``load_inputs`` of the project with a ``measurements:`` entry for the tests: its
   ``load_measurements`` stage (read, check, drop tests outside every commune);
2. ``analyse``: its ``measured_evidence`` stage (declared coverage sampled on the real
   layers with ``sample_declared``, ``assess_evidence``, the village columns);
3. the evidence files (``write_evidence``: challenges CSV/XLSX, h3_cells.csv, packs);

and, for a breakdown, the same public functions again one by one. The figure that counts is
(1) + (2), the evidence's share of a run: the budget is 20 s.

Usage: python benchmarks/evidence.py [--tests 1000000] [--villages 100000] [--csv]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage_gaps import collect_warnings, load_config, load_inputs
from coverage_gaps.analysis import (
    ChallengeRules,
    assess_evidence,
    count_verdicts,
    declared_layers,
    gather_evidence,
    measured_columns,
    sample_declared,
)
from coverage_gaps.analysis.evidence import h3_cells
from coverage_gaps.config import MeasurementSpec
from coverage_gaps.inputs import load_measurements
from coverage_gaps.outputs.evidence import write_evidence
from coverage_gaps.pipeline import analyse
from coverage_gaps.synthetic import generate_province

ROOT = Path(__file__).resolve().parents[1]
COMMUNES = ROOT.parent / "shared" / "geodata" / "vn_2025" / "wards_2025_10m.gpkg"
LAYERS = [(c, t) for c in ("Viettel", "VNPT", "MobiFone") for t in ("4G", "5G")]
LAYERS.append(("Vietnamobile", "4G"))
COLUMNS = {"carrier": "carrier", "technology": "technology", "signal": "rsrp_dbm"}
COLUMNS |= {"time": "timestamp", "download_mbps": "dl_mbps"}

T = TypeVar("T")


def national_project(villages: int, seed: int) -> Path:
    """The synthetic national project of ``bench_pipeline.py`` (generated once)."""
    folder = ROOT / "outputs" / "bench" / f"vn-{villages}-{seed}" / "inputs"
    if not (folder / "project.yml").exists() or not (folder / "drive_test_2025-10.csv").exists():
        t0 = time.perf_counter()
        generate_province(folder, communes=COMMUNES, communes_layer="wards", villages=villages,
                          seed=seed, name="Việt Nam (synthetic benchmark)")  # fmt: skip
        print(f"generated the national project in {time.perf_counter() - t0:.1f} s")
    return folder / "project.yml"


def generate_tests(path: Path, villages: pd.DataFrame, *, tests: int, seed: int, csv: bool) -> None:
    """``tests`` tests up to ~1 km around the villages (lon/lat of villages.csv)."""
    rng = np.random.default_rng(seed)
    near = rng.integers(0, len(villages), tests)
    angle, dist = rng.uniform(0, 2 * np.pi, tests), np.abs(rng.normal(0, 400, tests))
    lat0 = villages["lat"].to_numpy()[near]
    lon = villages["lon"].to_numpy()[near] + dist * np.cos(angle) / (
        111_320 * np.cos(np.radians(lat0))
    )
    lat = lat0 + dist * np.sin(angle) / 110_540
    start = pd.Timestamp("2025-10-01T06:00")
    local = start + pd.to_timedelta(rng.integers(0, 7 * 86400, tests), unit="s")
    speed = np.round(rng.gamma(2.0, 8.0, tests), 2)
    pick = rng.integers(0, len(LAYERS), tests)
    frame = gpd.GeoDataFrame(
        {
            "carrier": np.array([c for c, _ in LAYERS])[pick],
            "technology": np.array([t for _, t in LAYERS])[pick],
            "rsrp_dbm": np.round(rng.normal(-100, 12, tests).clip(-150, -45), 1),
            "dl_mbps": np.where(rng.random(tests) < 0.33, speed, np.nan),
            "timestamp": local.strftime("%Y-%m-%d %H:%M:%S"),
        },
        geometry=shapely.points(lon, lat),
        crs=4326,
    )
    frame.to_parquet(path)
    if csv:
        table = pd.DataFrame(frame.drop(columns="geometry"))
        table["lon"], table["lat"] = np.round(lon, 6), np.round(lat, 6)
        table.to_csv(path.with_suffix(".csv"), index=False)


def timed(label: str, fn: Callable[[], T], timings: dict[str, tuple[float, float]]) -> T:
    """Run ``fn``; record wall-clock and CPU seconds (the machine is shared: CPU seconds are
    what a quiet machine's wall clock would show for this single-threaded code)."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    timings[label] = (time.perf_counter() - w0, time.process_time() - c0)
    print(f"{label:<58} {timings[label][0]:7.2f} s wall {timings[label][1]:7.2f} s CPU", flush=True)
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
    project = national_project(args.villages, args.seed)
    tests_path = project.parent / f"tests-{args.tests}-{args.seed}.parquet"
    if not tests_path.exists() or (args.csv and not tests_path.with_suffix(".csv").exists()):
        villages = pd.read_csv(project.parent / "villages.csv", usecols=["lon", "lat"])
        generate_tests(tests_path, villages, tests=args.tests, seed=args.seed, csv=args.csv)
    spec = MeasurementSpec(path=tests_path, **COLUMNS)
    cfg = dataclasses.replace(load_config(project), measurements=(spec,))
    print(f"load average before (1, 5, 15 min): {os.getloadavg()}")
    timings: dict[str, tuple[float, float]] = {}
    with collect_warnings():
        inputs = timed("pipeline: load_inputs (whole project)", lambda: load_inputs(cfg), timings)
        result = timed("pipeline: analyse (whole project)", lambda: analyse(inputs), timings)
    stages = result.timings
    figure = stages["load_measurements"] + stages["measured_evidence"]
    print(f"  stage load_measurements {stages['load_measurements']:.2f} s; "
          f"stage measured_evidence {stages['measured_evidence']:.2f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        timed("evidence files (challenges CSV/XLSX, h3_cells, packs)",
              lambda: write_evidence(result, Path(tmp)), timings)  # fmt: skip
    breakdown(inputs, result.villages, timings)
    print(f"load average after (1, 5, 15 min): {os.getloadavg()}")
    evidence = result.evidence
    assert evidence is not None
    print(f"\n1,000,000-test figure (load_measurements + measured_evidence): {figure:.2f} s "
          f"(budget 20 s)")  # fmt: skip
    print(f"tests kept: {len(inputs.measurements):,}; judged: {len(evidence.tests):,}; "
          f"villages {len(result.villages):,}; layers {len(inputs.layers)}")  # fmt: skip
    print(evidence.challenges["level"].value_counts().to_dict())
    print(count_verdicts(evidence).groupby(["level", "verdict"])["count"].sum().to_dict())
    return 0


def breakdown(inputs, villages: gpd.GeoDataFrame, timings: dict[str, tuple[float, float]]) -> None:
    """The same public functions again, one by one."""
    cfg = inputs.config
    spec = cfg.measurements[0]
    with collect_warnings():
        tests = timed(
            "  load_measurements (GeoParquet, drop tests outside)",
            lambda: load_measurements(spec.path, working_crs=inputs.working_crs,
                                      communes=inputs.communes, **COLUMNS),
            timings,
        )  # fmt: skip
        if spec.path.with_suffix(".csv").exists():
            timed(
                "  (the same tests as CSV, no commune check)",
                lambda: load_measurements(spec.path.with_suffix(".csv"),
                                          working_crs=inputs.working_crs, x="lon", y="lat",
                                          **COLUMNS),
                timings,
            )  # fmt: skip
        declared = timed("  sample_declared (7 rasters, 7 polygon layers)",
                         lambda: sample_declared(tests, inputs.layers), timings)  # fmt: skip
        timed("    H3 indexing alone (res 8)",
              lambda: h3_cells(tests["lat"].to_numpy(), tests["lon"].to_numpy(), 8),
              timings)  # fmt: skip
        points = gpd.GeoDataFrame({"village_id": villages["village_id"]},
                                  geometry=villages.geometry.to_numpy(), crs=villages.crs)  # fmt: skip
        evidence = timed(
            "  assess_evidence (judge, H3, near villages, verdicts)",
            lambda: assess_evidence(tests, points, layers=declared_layers(inputs.layers),
                                    declared=declared,
                                    rules=ChallengeRules.from_spec(cfg.challenges)),
            timings,
        )  # fmt: skip
    timed("  measured columns, counts, evidence packs (as data)",
          lambda: (measured_columns(evidence), count_verdicts(evidence),
                   gather_evidence(evidence)), timings)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())

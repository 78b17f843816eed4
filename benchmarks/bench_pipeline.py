"""Benchmark the pipeline at national scale against straightforward baselines, side by side.

Generates (once, cached under outputs/bench/) a synthetic project of N villages placed on the
real 3,321 communes of ../shared/geodata, then times, in the same process:

- raster sampling: our windowed, vectorised `sample_coverage` vs rasterio's per-point
  `DatasetReader.sample` generator;
- placing villages in communes: `assign_villages_to_communes` (STRtree) vs `geopandas.sjoin`;
- fibre distance: `distance_to_fibre` vs `geopandas.sjoin_nearest`;
- the whole run (load, analyse, write), with peak memory.

Usage: python benchmarks/bench_pipeline.py [--villages 100000] [--repeat 3]
Prints a table of seconds and ratios (baseline / ours: > 1 means ours is faster).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio

from coverage_gaps import (
    assign_villages_to_communes,
    distance_to_fibre,
    load_config,
    load_inputs,
    run_project,
    sample_coverage,
)
from coverage_gaps.synthetic import generate_province

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata"


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--villages", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    communes = SHARED / "vn_2025" / "wards_2025_10m.gpkg"
    if not communes.exists():
        print(f"missing {communes}", file=sys.stderr)
        return 2
    folder = ROOT / "outputs" / "bench" / f"vn-{args.villages}-{args.seed}"
    project = folder / "inputs" / "project.yml"
    if not project.exists():
        t0 = time.perf_counter()
        generate_province(
            folder / "inputs",
            communes=communes,
            communes_layer="wards",
            villages=args.villages,
            seed=args.seed,
            name="Việt Nam (synthetic benchmark)",
        )
        print(f"generated {args.villages} villages in {time.perf_counter() - t0:.1f} s")

    cfg = load_config(project)
    t0 = time.perf_counter()
    inputs = load_inputs(cfg)
    t_load = time.perf_counter() - t0
    villages, communes_gdf = inputs.villages, inputs.communes
    rows: list[tuple[str, float, float]] = []

    raster = next(layer for layer in inputs.layers if layer.kind == "raster")
    ours, covered = best_of(lambda: sample_coverage(raster, villages.geometry), args.repeat)

    def baseline_sample() -> np.ndarray:
        pts = villages.geometry.to_crs(raster.crs)
        with rasterio.open(raster.spec.path) as ds:
            vals = np.array(
                [v[0] for v in ds.sample(zip(pts.x, pts.y, strict=True), masked=True)], dtype=float
            )
        return vals

    base, _ = best_of(baseline_sample, 1)
    rows.append((f"sample one raster ({len(villages)} villages)", base, ours))

    unassigned = villages.assign(commune_id=None)
    ours, assigned = best_of(
        lambda: assign_villages_to_communes(unassigned, communes_gdf), args.repeat
    )
    base, joined = best_of(
        lambda: gpd.sjoin(
            unassigned[["geometry"]],
            communes_gdf[["commune_id", "geometry"]],
            predicate="intersects",
            how="left",
        ),
        args.repeat,
    )
    rows.append(("place villages in communes", base, ours))

    if inputs.fibre is not None:
        fibre = inputs.fibre.geometry
        ours, dist = best_of(lambda: distance_to_fibre(villages.geometry, fibre), args.repeat)
        fgdf = gpd.GeoDataFrame(geometry=fibre)
        base, near = best_of(
            lambda: gpd.sjoin_nearest(villages[["geometry"]], fgdf, distance_col="d"), args.repeat
        )
        assert np.allclose(np.sort(near.groupby(level=0)["d"].min().to_numpy()), np.sort(dist))
        rows.append(("distance to fibre", base, ours))

    t0 = time.perf_counter()
    result = run_project(cfg, output=folder / "results")
    t_run = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"\n{len(villages)} villages, {len(communes_gdf)} communes, {len(inputs.layers)} coverage layers"
    )
    print(f"{'step':45s} {'baseline s':>11s} {'ours s':>9s} {'ratio':>7s}")
    for name, b, o in rows:
        print(f"{name:45s} {b:11.3f} {o:9.3f} {b / o:7.1f}x")
    print(f"\nload_inputs: {t_load:.1f} s; whole run (load, analyse, write): {t_run:.1f} s")
    print("stages:", ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))
    print(f"peak resident memory of this process: {peak_mb:.0f} MB")
    print(
        f"gap_mobile: {int(result.villages['gap_mobile'].sum())} villages; "
        f"gap_fibre: {int(result.villages['gap_fibre'].sum())}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

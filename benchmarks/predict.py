"""Benchmark coverage prediction from site lists with terrain over a real province.

Thái Nguyên (provinceCode '19' in ../shared/geodata/vn_2025/wards_2025_north_full.gpkg,
about 8,400 km²) on a 50 m grid in WGS 84 / UTM 48N, with a synthetic DEM generated here
deterministically: ridges and valleys of the northern mountains, 0-1,600 m, higher in the
north, written as a 2-arc-second GeoTIFF in EPSG:4326 (like SRTM) and resampled onto the
grid by ``load_terrain``. Sites are placed uniformly in the province (fixed seed): antennas
20-45 m above ground, bands 900/1800/2100/2600/3500 MHz, reference-signal EIRP 28-34 dBm
against the 4G RSRP threshold of -105 dBm, ``environment: rural``.

Each configuration runs in a fresh process (so that its peak memory is its own), three
times; medians are reported, with the process's CPU time beside the wall time (the machine
is shared with other work: CPU seconds are the steadier figure).

Usage: python benchmarks/predict.py [--quick] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS
from rasterio.transform import from_origin

from coverage_gaps._errors import collect_warnings
from coverage_gaps.analysis.propagation import (
    load_terrain,
    make_grid,
    predict_coverage,
    predict_points,
)

ROOT = Path(__file__).resolve().parents[1]
WARDS = ROOT.parent / "shared" / "geodata" / "vn_2025" / "wards_2025_north_full.gpkg"
CACHE = ROOT / "outputs" / "bench" / "predict"
WORKING = CRS.from_epsg(32648)
THRESHOLD = -105.0
BANDS = np.array([900.0, 1800.0, 2100.0, 2600.0, 3500.0])
BAND_SHARE = np.array([0.2, 0.4, 0.15, 0.15, 0.1])


def province() -> gpd.GeoSeries:
    wards = gpd.read_file(WARDS, where="provinceCode = '19'")
    return gpd.GeoSeries([shapely.union_all(wards.geometry.to_numpy())], crs=wards.crs)


def make_dem(path: Path, bounds: tuple[float, float, float, float], seed: int = 19) -> Path:
    """Mountains of the north, deterministic: a 2-arc-second EPSG:4326 GeoTIFF."""
    res = 2.0 / 3600.0
    lon0, lat0, lon1, lat1 = bounds
    width, height = int(np.ceil((lon1 - lon0) / res)), int(np.ceil((lat1 - lat0) / res))
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    # anisotropic spectrum: ranges trending NNW-SSE (the arcs of Bắc Kạn and Thái Nguyên)
    u, v = fx * np.cos(0.35) - fy * np.sin(0.35), fx * np.sin(0.35) + fy * np.cos(0.35)
    k = np.sqrt(u**2 + (2.5 * v) ** 2)
    k[0, 0] = 1.0
    spectrum = k**-1.8 * np.exp(2j * np.pi * rng.random(k.shape)) * (k > 2.0 / max(width, height))
    noise = np.fft.irfft2(spectrum, s=(height, width))
    noise /= np.abs(noise).max()
    ridged = 1.0 - np.abs(noise)  # sharp crests, rounded valleys
    lat = lat1 - (np.arange(height) + 0.5) * res
    north = np.clip((lat - lat0) / (lat1 - lat0), 0, 1)[:, None]  # higher toward Bắc Kạn
    z = (0.06 + 0.94 * north**1.2) * ridged**2.5 + 0.08 * (noise + 1)
    z = (z - z.min()) / (z.max() - z.min()) * 1600.0
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32",
        "crs": "EPSG:4326", "transform": from_origin(lon0, lat1, res, res), "nodata": -32768,
        "compress": "deflate", "tiled": True,
    }  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(z.astype(np.float32), 1)
    return path


def make_sites(area: gpd.GeoSeries, n_masts: int, sectors: int, seed: int = 7) -> pd.DataFrame:
    """``n_masts`` masts uniformly in the province, each omni (sectors = 0) or with
    ``sectors`` sectors (one row each, azimuths 120° apart)."""
    rng = np.random.default_rng(seed)
    poly = area.to_crs(WORKING).iloc[0]
    x0, y0, x1, y1 = poly.bounds
    xs, ys = [], []
    while len(xs) < n_masts:
        px, py = rng.uniform(x0, x1, 4 * n_masts), rng.uniform(y0, y1, 4 * n_masts)
        inside = shapely.contains_xy(poly, px, py)
        xs += px[inside].tolist()
        ys += py[inside].tolist()
    masts = pd.DataFrame({
        "x": xs[:n_masts], "y": ys[:n_masts],
        "height_m": rng.uniform(20, 45, n_masts).round(),
        "frequency_mhz": rng.choice(BANDS, n_masts, p=BAND_SHARE),
        "eirp_dbm": rng.uniform(28, 34, n_masts).round(1),
    })  # fmt: skip
    if sectors == 0:
        return masts
    rows = masts.loc[masts.index.repeat(sectors)].reset_index(drop=True)
    first = rng.uniform(0, 120, n_masts).repeat(sectors)
    rows["azimuth_deg"] = (first + np.tile(np.arange(sectors) * 360.0 / sectors, n_masts)) % 360
    rows["beamwidth_deg"] = 65.0
    return rows


def setup() -> tuple[gpd.GeoSeries, Path]:
    area = province()
    lon0, lat0, lon1, lat1 = area.total_bounds
    dem = CACHE / "thai_nguyen_dem_2s.tif"
    if not dem.exists():
        make_dem(dem, (lon0 - 0.25, lat0 - 0.25, lon1 + 0.25, lat1 + 0.25))
    return area, dem


def run_one(config: dict) -> dict:
    """One timed prediction (in this process): DEM resampling included."""
    area, dem = setup()
    sites = make_sites(area, config["masts"], config["sectors"])
    grid = make_grid(
        tuple(area.to_crs(WORKING).total_bounds), resolution_m=config["resolution"], crs=WORKING
    )
    t0, c0 = time.perf_counter(), time.process_time()
    with collect_warnings():
        terrain = None
        if config["model"] == "hata+terrain":
            terrain = load_terrain(dem, grid=grid, margin_m=12_000)
        t1 = time.perf_counter()
        p = predict_coverage(
            sites, grid, model=config["model"], threshold_dbm=THRESHOLD, terrain=terrain
        )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    inside = shapely.contains_xy(
        area.to_crs(WORKING).iloc[0],
        *np.meshgrid(grid.transform.c + (np.arange(grid.width) + 0.5) * grid.resolution,
                     grid.transform.f - (np.arange(grid.height) + 0.5) * grid.resolution),
    )  # fmt: skip
    return {
        "wall_s": wall, "cpu_s": cpu, "dem_s": t1 - t0, "rows": len(sites),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cells": grid.width * grid.height, "mean_reach_km": float(p.reach_m.mean() / 1e3),
        "covered_pct": float(np.mean(p.values[inside] >= THRESHOLD) * 100),
    }  # fmt: skip


def reference_ratio() -> dict:
    """Radial profiles against one straight profile per cell, on a small case."""
    area, dem = setup()
    centre = area.to_crs(WORKING).iloc[0].centroid
    box = (centre.x - 5000, centre.y - 5000, centre.x + 5000, centre.y + 5000)
    grid = make_grid(box, resolution_m=50, crs=WORKING)
    sites = make_sites(gpd.GeoSeries([shapely.box(*box)], crs=WORKING).to_crs(4326), 6, 0, seed=3)
    terrain = load_terrain(dem, grid=grid, margin_m=12_000)
    xs, ys = np.meshgrid(grid.transform.c + (np.arange(grid.width) + 0.5) * 50,
                         grid.transform.f - (np.arange(grid.height) + 0.5) * 50)  # fmt: skip
    with collect_warnings():
        t0 = time.perf_counter()
        fast = predict_coverage(sites, grid, model="hata+terrain", threshold_dbm=THRESHOLD,
                                terrain=terrain, workers=1).values  # fmt: skip
        t1 = time.perf_counter()
        slow = predict_points(sites, xs.ravel(), ys.ravel(), model="hata+terrain",
                              threshold_dbm=THRESHOLD, terrain=terrain).reshape(fast.shape)  # fmt: skip
        t2 = time.perf_counter()
        # the reference's own sensitivity: every receiver moved by half a cell
        angle = np.random.default_rng(0).uniform(0, 2 * np.pi, xs.size)
        moved = predict_points(sites, xs.ravel() + 25 * np.cos(angle), ys.ravel() + 25 * np.sin(angle),
                               model="hata+terrain", threshold_dbm=THRESHOLD, terrain=terrain).reshape(fast.shape)  # fmt: skip
    both = np.isfinite(fast) & np.isfinite(slow)
    diff = np.abs(fast[both] - slow[both])
    ok = both & np.isfinite(moved)
    shift = np.abs(moved[ok] - slow[ok])
    return {
        "cells": int(fast.size), "sites": len(sites), "radial_s": t1 - t0, "per_cell_s": t2 - t1,
        "ratio": (t2 - t1) / (t1 - t0), "same_reach_pct": float(np.mean(np.isfinite(fast) == np.isfinite(slow)) * 100),
        "median_abs_db": float(np.median(diff)), "p95_abs_db": float(np.percentile(diff, 95)),
        "p99_abs_db": float(np.percentile(diff, 99)),
        "same_class_pct": float(np.mean((fast[both] >= THRESHOLD) == (slow[both] >= THRESHOLD)) * 100),
        "half_cell_median_abs_db": float(np.median(shift)), "half_cell_p95_abs_db": float(np.percentile(shift, 95)),
        "half_cell_same_class_pct": float(np.mean((moved[ok] >= THRESHOLD) == (slow[ok] >= THRESHOLD)) * 100),
    }  # fmt: skip


def measure(config: dict, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--one", json.dumps(config)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = ("wall_s", "cpu_s", "dem_s", "peak_mb")
    return {**runs[0], **{k: statistics.median(r[k] for r in runs) for k in keys},
            "walls": [round(r["wall_s"], 1) for r in runs]}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="only the 2,000-site runs")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--reference", action="store_true", help="only the per-cell comparison")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(json.loads(args.one))))
        return 0
    setup()
    if args.reference:
        print(json.dumps(reference_ratio(), indent=1))
        return 0
    configs = [
        {"model": "hata+terrain", "masts": 2000, "sectors": 0, "resolution": 50},
        {"model": "hata+terrain", "masts": 667, "sectors": 3, "resolution": 50},
        {"model": "hata+terrain", "masts": 2000, "sectors": 3, "resolution": 50},
        {"model": "hata", "masts": 2000, "sectors": 0, "resolution": 50},
    ]
    if not args.quick:
        configs += [
            {"model": "hata+terrain", "masts": n, "sectors": 0, "resolution": 50}
            for n in (250, 500, 1000)
        ]
        configs += [
            {"model": "hata+terrain", "masts": 500, "sectors": 0, "resolution": r}
            for r in (100, 25)
        ]
    print(
        "model         masts sect  rows  res  cells(M)  reach(km)  wall(s)  cpu(s)  dem(s)  peak(MB)  covered%  walls"
    )
    for config in configs:
        r = measure(config, args.repeat)
        print(f"{config['model']:13s} {config['masts']:5d} {config['sectors']:4d} {r['rows']:5d} {config['resolution']:4d}"
              f" {r['cells'] / 1e6:9.2f} {r['mean_reach_km']:9.1f} {r['wall_s']:8.1f} {r['cpu_s']:7.1f}"
              f" {r['dem_s']:7.1f} {r['peak_mb']:9.0f} {r['covered_pct']:9.1f}  {r['walls']}", flush=True)  # fmt: skip
    print(json.dumps(reference_ratio(), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

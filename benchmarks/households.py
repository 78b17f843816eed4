"""Households at national scale: the Dask engine against the local one, with peak memory
summed over every process (client, scheduler, nannies, workers).

Builds (once, cached under outputs/bench/households-N/) a deterministic national workload:

- the real 3,321 communes of ../shared/geodata/vn_2025/wards_2025_10m.gpkg;
- N households in settlements inside each commune (more in larger communes), each with 1-7
  people, as a folder of GeoParquet parts (``households.parquet/``, as Overture or Google
  Open Buildings exports come);
- three 4G signal-level GeoTIFFs (dBm, 100 m, UTM 48N, tiled and deflate-compressed) over
  the whole country, one per carrier, each covering about 90 % of the land;
- three 3G coverage polygon layers (circles around sites);
- fibre: the national roads and railways (../shared/geodata/roads/vn_roads_rail.geojson),
  1 km reach;
- priority targets: the mobile gap (households far from a national road are most of the
  fibre gap; the fibre gap is still counted in every table).

Then runs ``coverage-gaps run`` in a child process (``--engine dask|local``) and samples the
resident memory of that process and all its children every 0.2 s.

Usage:
  python benchmarks/households.py --households 10000000 --engine dask
  python benchmarks/households.py --households 1000000 --engine local
  python benchmarks/households.py --households 1000000 --engine dask --repeat 3 --record

``--record`` appends each run (time, peak memory, partitions, workers, load average before
and after) to benchmarks/households_results.json, which benchmarks/plot_households.py
draws (time against households, local and Dask).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import psutil
import pyogrio
import rasterio
import shapely
import yaml
from pyproj import Transformer
from rasterio.transform import from_origin
from rasterio.windows import Window

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata"
COMMUNES = SHARED / "vn_2025" / "wards_2025_10m.gpkg"
ROADS = SHARED / "roads" / "vn_roads_rail.geojson"
PART_ROWS = 500_000
RESULTS = ROOT / "benchmarks" / "households_results.json"
#: the Dask engine's default partition size (coverage_gaps.engines.dask.ROWS_PER_PARTITION)
ROWS_PER_PARTITION = 250_000
UTM48N = "EPSG:32648"
#: the country in UTM 48N (metres), 100 m pixels
WEST, NORTH, WIDTH, HEIGHT, RES = 160_000.0, 2_620_000.0, 9_000, 17_400, 100.0


def _households(communes: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """``n`` households in settlements inside each commune (communes in code order)."""
    area = communes["areaKm2"].to_numpy(dtype=float)
    weight = np.sqrt(np.maximum(area, 0.5)) * rng.lognormal(0.0, 0.5, len(area))
    per = np.floor(weight / weight.sum() * n).astype(np.int64)
    per[np.argsort(-weight)[: n - per.sum()]] += 1
    to_utm = Transformer.from_crs(4326, UTM48N, always_xy=True)
    polys = communes.to_crs(UTM48N).geometry.to_numpy()
    xs, ys, codes = [], [], []
    for poly, k, code in zip(polys, per, communes["code"].astype(str), strict=True):
        if k == 0:
            continue
        x0, y0, x1, y1 = shapely.bounds(poly)
        cx = rng.uniform(x0, x1, 400)
        cy = rng.uniform(y0, y1, 400)
        inside = shapely.contains_xy(poly, cx, cy)
        if not inside.any():
            p = shapely.point_on_surface(poly)
            cx, cy, inside = np.array([p.x]), np.array([p.y]), np.array([True])
        cx, cy = cx[inside][:12], cy[inside][:12]
        which = rng.integers(0, len(cx), k)
        hx = cx[which] + rng.normal(0, 300, k)
        hy = cy[which] + rng.normal(0, 300, k)
        out = ~shapely.contains_xy(poly, hx, hy)
        hx[out], hy[out] = cx[which][out], cy[which][out]
        xs.append(hx)
        ys.append(hy)
        codes.append(np.full(k, code))
    del to_utm
    x, y, code = np.concatenate(xs), np.concatenate(ys), np.concatenate(codes)
    ids = np.char.add("H", np.arange(len(x)).astype(str).astype(object).astype(str))
    return gpd.GeoDataFrame(
        {
            "household_id": ids.astype(object),
            "commune_code": code.astype(object),
            "people": rng.integers(1, 8, len(x)),
        },
        geometry=shapely.points(x, y),
        crs=UTM48N,
    ).to_crs(4326)


def _write_parts(gdf: gpd.GeoDataFrame, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, start in enumerate(range(0, len(gdf), PART_ROWS)):
        gdf.iloc[start : start + PART_ROWS].to_parquet(
            folder / f"part-{i:05d}.parquet", index=False
        )


def _write_signal(path: Path, rng: np.random.Generator) -> None:
    """A 4G dBm raster over the country: 2 km blobs, about 90 % at -105 dBm or better."""
    coarse = rng.normal(-88.0, 13.0, (HEIGHT // 20 + 1, WIDTH // 20 + 1)).astype(np.float32)
    profile = {
        "driver": "GTiff", "width": WIDTH, "height": HEIGHT, "count": 1, "dtype": "float32",
        "crs": UTM48N, "transform": from_origin(WEST, NORTH, RES, RES), "nodata": -9999.0,
        "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate",
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as ds:
        for r0 in range(0, HEIGHT, 2048):
            h = min(2048, HEIGHT - r0)
            rows = np.arange(r0, r0 + h) // 20
            band = np.repeat(coarse[rows], 20, axis=1)[:, :WIDTH]
            ds.write(band, 1, window=Window(0, r0, WIDTH, h))


def _write_circles(path: Path, rng: np.random.Generator, centres: np.ndarray) -> None:
    """3G coverage: 4,000 circles of 2-6 km around sites near the communes' centres."""
    pick = rng.integers(0, len(centres), 4000)
    x = centres[pick, 0] + rng.normal(0, 3000, 4000)
    y = centres[pick, 1] + rng.normal(0, 3000, 4000)
    circles = shapely.buffer(shapely.points(x, y), rng.uniform(2000, 6000, len(x)), quad_segs=8)
    gdf = gpd.GeoDataFrame({"site": np.arange(len(x))}, geometry=circles, crs=UTM48N).to_crs(4326)
    pyogrio.write_dataframe(gdf, path, layer="coverage", driver="GPKG")


def build(n: int, seed: int) -> Path:
    """The project file of the workload for ``n`` households (built once)."""
    folder = ROOT / "outputs" / "bench" / f"households-{n}-{seed}"
    project = folder / "project.yml"
    if project.exists():
        return project
    folder.mkdir(parents=True, exist_ok=True)
    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    t0 = time.perf_counter()
    communes = pyogrio.read_dataframe(COMMUNES, columns=["code", "areaKm2", "provinceCode"])
    communes = communes.sort_values("code", kind="stable").reset_index(drop=True)
    _write_parts(_households(communes, n, rng[0]), folder / "households.parquet")
    print(f"households written in {time.perf_counter() - t0:.0f} s", flush=True)
    coverage = []
    for i, carrier in enumerate(("Viettel", "VNPT", "MobiFone")):
        tif = folder / f"{carrier.lower()}_4g.tif"
        _write_signal(tif, rng[1 + i])
        coverage.append(
            {"path": tif.name, "carrier": carrier, "technology": "4G", "threshold": -105}
        )
    centres = shapely.get_coordinates(communes.to_crs(UTM48N).geometry.representative_point())
    for i, carrier in enumerate(("Viettel", "VNPT", "MobiFone")):
        gpkg = folder / f"{carrier.lower()}_3g.gpkg"
        _write_circles(gpkg, rng[4 + i], centres)
        coverage.append({"path": gpkg.name, "carrier": carrier, "technology": "3G"})
    print(f"layers written in {time.perf_counter() - t0:.0f} s", flush=True)
    spec = {
        "name": f"Việt Nam, {n:,} households (synthetic benchmark)",
        "synthetic": True,
        "communes": {"path": str(COMMUNES), "layer": "wards", "id": "code", "name": "fullName",
                     "province": "provinceCode"},
        "villages": {"path": "households.parquet", "id": "household_id", "name": "household_id",
                     "population": "people"},
        "coverage": coverage,
        "fibre": {"path": str(ROADS), "max_distance_m": 1000},
        "priority": {"targets": ["gap_mobile"]},
        "output": "results",
    }  # fmt: skip
    project.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return project


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a process that ended meanwhile
            total += p.memory_info().rss
    return total


def run(project: Path, engine: str, partitions: int | None, output: Path) -> dict[str, object]:
    """Run the CLI in a child process; wall time and peak memory of its process tree."""
    if partitions is not None:
        spec = yaml.safe_load(project.read_text(encoding="utf-8"))
        spec["engine"] = {"kind": "dask", "partitions": partitions}
        project = project.with_name(f"project-{partitions}.yml")
        project.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    cmd = [str(Path(sys.executable).with_name("coverage-gaps")), "-v", "run", str(project),
           "--engine", engine, "--output", str(output), "--no-progress"]  # fmt: skip
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss(proc))
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    err = child.stderr.read() if child.stderr else ""
    if child.returncode:
        print(err[-5000:], file=sys.stderr)
        raise SystemExit(child.returncode)
    record = json.loads((output / "run.json").read_text(encoding="utf-8"))
    return {"engine": engine, "households": record["counts"]["villages"], "seconds": round(wall, 1),
            "peak_mb": round(peak / 2**20), "stages_s": record["stages_s"],
            "partitions": partitions}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--engine", choices=["dask", "local"], default="dask")
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=1, help="runs, one after the other")
    ap.add_argument("--record", action="store_true", help=f"append the runs to {RESULTS.name}")
    args = ap.parse_args()
    project = build(args.households, args.seed)
    output = project.parent / f"results-{args.engine}"
    for _ in range(args.repeat):
        before = [round(x, 1) for x in psutil.getloadavg()]
        out = run(project, args.engine, args.partitions, output)
        out["per_household_us"] = round(float(out["seconds"]) / int(out["households"]) * 1e6, 1)
        if args.engine == "dask":
            out["partitions"] = args.partitions or -(-int(out["households"]) // ROWS_PER_PARTITION)
            out["workers"] = os.cpu_count()
        out["load_average_before"] = before
        out["load_average"] = [round(x, 1) for x in psutil.getloadavg()]
        out["date_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        print(json.dumps(out, indent=1), flush=True)
        if args.record:
            runs = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else []
            RESULTS.write_text(json.dumps([*runs, out], indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

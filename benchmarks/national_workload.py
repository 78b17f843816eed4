"""The national benchmark workload, built deterministically from the shared real data.

- communes: the real 3,321 communes of 2025 (``../shared/geodata/vn_2025/wards_2025_10m.gpkg``,
  referred to, never copied);
- villages: N points placed at random inside the pre-2025 communes of the 2009 census
  (``census_2009/communes_2009.gpkg``) in proportion to their population, kept only where they
  fall inside a 2025 commune; each village's population is its census commune's population
  shared among its villages, with a seeded log-normal spread;
- three 4G signal rasters (Viettel, VNPT, MobiFone) in dBm, 100 m pixels over the communes'
  whole extent in WGS 84 / UTM 48N (EPSG:32648), float32, tiled 512 x 512, deflate, nodata
  -9999 over the open sea (a raster that "covers the country", sea included, as carriers
  export them);
- three 3G coverage polygon layers (same carriers) in EPSG:4326: unions of discs around
  each carrier's sites;
- fibre: the national and provincial roads and railways (``roads/vn_roads_rail.geojson``),
  referred to as they are.

The rasters and polygons do not depend on the number of villages: they are built once under
``outputs/bench/national/common`` and shared by every size; the villages and the project file
of each size go under ``outputs/bench/national/v<N>``.

Usage: python benchmarks/national_workload.py --villages 100000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import shapely
import yaml
from rasterio.features import rasterize
from rasterio.transform import Affine
from rasterio.windows import Window
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata"
WARDS = SHARED / "vn_2025" / "wards_2025_10m.gpkg"
CENSUS = SHARED / "census_2009" / "communes_2009.gpkg"
ROADS = SHARED / "roads" / "vn_roads_rail.geojson"
BENCH = ROOT / "outputs" / "bench" / "national"
CRS = "EPSG:32648"
PIXEL = 100.0
BLOCK = 512
NODATA = -9999.0
CARRIERS = ("Viettel", "VNPT", "MobiFone")
#: Sites per carrier behind each 4G raster and each 3G polygon layer.
SITES_4G = 9_000
SITES_3G = 6_000
SEED = 2025


def read_wards() -> gpd.GeoDataFrame:
    """The 2025 communes in the raster CRS."""
    return pyogrio.read_dataframe(WARDS, layer="wards", columns=["code"]).to_crs(CRS)


def population_points(n: int, rng: np.random.Generator, wards: gpd.GeoDataFrame) -> np.ndarray:
    """``n`` points (x, y in EPSG:32648) inside 2025 communes, drawn in proportion to the 2009
    census population; returned with the census commune index of each point (column 2)."""
    census = pyogrio.read_dataframe(CENSUS, columns=["population"]).to_crs(CRS)
    geoms = census.geometry.to_numpy()
    shapely.prepare(geoms)
    pop = census["population"].to_numpy(float)
    counts = rng.multinomial(n, pop / pop.sum())
    wards_tree = shapely.STRtree(wards.geometry.to_numpy())
    shapely.prepare(wards.geometry.to_numpy())
    out_x, out_y, out_c = [], [], []
    need = counts.copy()
    got = np.zeros(len(geoms), np.int64)
    bounds = shapely.bounds(geoms)
    for round_ in range(1000):
        if need.sum() == 0:
            break
        if round_ % 8 == 7:  # communes with no land in 2025 communes: move their villages
            dead = (need > 0) & (got == 0)
            weights = np.where(dead | (got == 0), 0.0, pop)
            moved = int(need[dead].sum())
            need[dead] = 0
            need += rng.multinomial(moved, weights / weights.sum())
        idx = np.repeat(np.arange(len(geoms)), need * 3 + (need > 0))
        x = rng.uniform(bounds[idx, 0], bounds[idx, 2])
        y = rng.uniform(bounds[idx, 1], bounds[idx, 3])
        ok = shapely.contains_xy(geoms[idx], x, y)
        pts = shapely.points(x[ok], y[ok])
        inside = np.zeros(len(pts), bool)
        inside[np.unique(wards_tree.query(pts, predicate="within")[0])] = True
        x, y, idx = x[ok][inside], y[ok][inside], idx[ok][inside]
        # keep at most need[c] new points of each census commune, in drawing order
        order = np.argsort(idx, kind="stable")
        x, y, idx = x[order], y[order], idx[order]
        first = np.searchsorted(idx, idx, side="left")
        rank = np.arange(len(idx)) - first
        keep = rank < need[idx]
        out_x.append(x[keep])
        out_y.append(y[keep])
        out_c.append(idx[keep])
        taken = np.bincount(idx[keep], minlength=len(geoms))
        need -= taken
        got += taken
    xs, ys, cs = np.concatenate(out_x), np.concatenate(out_y), np.concatenate(out_c)
    order = rng.permutation(len(xs))
    return np.column_stack([xs[order], ys[order], cs[order]])


def build_villages(folder: Path, n: int, seed: int = SEED) -> Path:
    """``villages.gpkg`` (EPSG:4326 points: village_id, name, population)."""
    path = folder / "villages.gpkg"
    if path.exists():
        return path
    rng = np.random.default_rng(seed + n)
    wards = read_wards()
    pts = population_points(n, rng, wards)
    census = pyogrio.read_dataframe(CENSUS, columns=["population"], read_geometry=False)
    cid = pts[:, 2].astype(int)
    per_commune = np.bincount(cid, minlength=len(census))
    share = census["population"].to_numpy(float)[cid] / np.maximum(per_commune[cid], 1)
    population = np.maximum(1, np.round(share * rng.lognormal(0.0, 0.5, len(cid)))).astype(int)
    prefixes = np.array(["Thôn", "Bản", "Xóm", "Ấp", "Làng"])
    names = [f"{prefixes[i % 5]} {i // 5 % 97 + 1}" for i in rng.integers(0, 10_000, len(cid))]
    frame = gpd.GeoDataFrame(
        {
            "village_id": [f"V{i:07d}" for i in range(len(cid))],
            "name": names,
            "population": population,
        },
        geometry=shapely.points(pts[:, 0], pts[:, 1]),
        crs=CRS,
    ).to_crs(4326)
    folder.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(frame, path, layer="villages", driver="GPKG")
    return path


def raster_grid(wards: gpd.GeoDataFrame) -> tuple[Affine, int, int]:
    """The rasters' grid: the communes' extent in EPSG:32648 plus 2 km, on round 100 m."""
    minx, miny, maxx, maxy = wards.total_bounds
    x0 = np.floor((minx - 2000) / PIXEL) * PIXEL
    y1 = np.ceil((maxy + 2000) / PIXEL) * PIXEL
    width = int(np.ceil((maxx + 2000 - x0) / PIXEL))
    height = int(np.ceil((y1 - (miny - 2000)) / PIXEL))
    return Affine(PIXEL, 0, x0, 0, -PIXEL, y1), width, height


def _coarse_signal(sites: np.ndarray, transform: Affine, shape: tuple[int, int],
                   rng: np.random.Generator, factor: int) -> np.ndarray:  # fmt: skip
    """Signal in dBm on a grid ``factor`` times coarser: path loss from the nearest site plus
    smooth shadowing."""
    ch, cw = -(-shape[0] // factor), -(-shape[1] // factor)
    res = PIXEL * factor
    inv = ~transform
    cols, rows = inv * (sites[:, 0], sites[:, 1])
    burn = np.ones((ch, cw), bool)
    r = np.clip((rows // factor).astype(int), 0, ch - 1)
    c = np.clip((cols // factor).astype(int), 0, cw - 1)
    burn[r, c] = False
    dist_km = ndimage.distance_transform_edt(burn).astype(np.float32) * (res / 1000.0)
    dbm = -87.0 - 33.0 * np.log10(np.maximum(dist_km, 0.1))
    shadow = rng.normal(0.0, 6.0, (ch // 25 + 2, cw // 25 + 2)).astype(np.float32)
    shadow = ndimage.zoom(shadow, 25, order=1)[:ch, :cw]
    return (dbm + shadow).astype(np.float32)


def _land(
    wards: gpd.GeoDataFrame, transform: Affine, shape: tuple[int, int], factor: int
) -> np.ndarray:
    """Cells of the coarse grid within about 3 km of a commune (elsewhere: open sea, nodata)."""
    ch, cw = -(-shape[0] // factor), -(-shape[1] // factor)
    coarse = transform * Affine.scale(factor)
    land = rasterize(wards.geometry, out_shape=(ch, cw), transform=coarse, all_touched=True,
                     fill=0, default_value=1, dtype="uint8")  # fmt: skip
    reach = int(np.ceil(3000 / (PIXEL * factor)))
    return ndimage.binary_dilation(land.astype(bool), iterations=reach)


def write_signal_raster(path: Path, sites: np.ndarray, wards: gpd.GeoDataFrame, seed: int) -> None:
    """One carrier's 4G raster (see the module docstring)."""
    transform, width, height = raster_grid(wards)
    rng = np.random.default_rng(seed)
    factor = 2
    coarse = _coarse_signal(sites, transform, (height, width), rng, factor)
    land = _land(wards, transform, (height, width), factor)
    coarse[~land] = NODATA
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32",
        "crs": CRS, "transform": transform, "nodata": NODATA, "tiled": True,
        "blockxsize": BLOCK, "blockysize": BLOCK, "compress": "deflate",
    }  # fmt: skip
    tmp = path.with_suffix(".tmp.tif")
    with rasterio.open(tmp, "w", **profile) as dst:
        for r0 in range(0, height, BLOCK):
            h = min(BLOCK, height - r0)
            rows = (np.arange(r0, r0 + h) // factor)[:, None]
            cols = (np.arange(width) // factor)[None, :]
            band = coarse[rows, cols]
            noise = np.random.default_rng([seed, r0]).normal(0.0, 2.0, band.shape)
            band = np.where(band == NODATA, NODATA, np.round(band + noise, 1)).astype("float32")
            dst.write(band, 1, window=Window(0, r0, width, h))
    tmp.rename(path)


def write_coverage_polygons(path: Path, sites: np.ndarray, carrier: str, seed: int) -> None:
    """One carrier's 3G coverage: discs of 2.5-6 km around its sites, dissolved, in EPSG:4326."""
    rng = np.random.default_rng(seed)
    radius = rng.uniform(2500, 6000, len(sites))
    discs = shapely.buffer(shapely.points(sites[:, 0], sites[:, 1]), radius, quad_segs=8)
    union = shapely.simplify(shapely.union_all(discs), 20.0)
    parts = shapely.get_parts(union)
    frame = gpd.GeoDataFrame({"carrier": [carrier] * len(parts)}, geometry=parts, crs=CRS)
    tmp = path.with_suffix(".tmp.gpkg")
    pyogrio.write_dataframe(frame.to_crs(4326), tmp, layer="coverage", driver="GPKG")
    tmp.rename(path)


def build_common(folder: Path = BENCH / "common") -> Path:
    """The rasters and polygon layers shared by every size (built once)."""
    folder.mkdir(parents=True, exist_ok=True)
    wards = read_wards()
    for k, carrier in enumerate(CARRIERS):
        slug = carrier.lower()
        tif = folder / f"{slug}_4g.tif"
        if not tif.exists():
            t0 = time.perf_counter()
            rng = np.random.default_rng(SEED + 10 + k)
            sites = population_points(SITES_4G, rng, wards)[:, :2]
            write_signal_raster(tif, sites, wards, SEED + 20 + k)
            print(f"  {tif.name}: {time.perf_counter() - t0:.0f} s", flush=True)
        gpkg = folder / f"{slug}_3g.gpkg"
        if not gpkg.exists():
            rng = np.random.default_rng(SEED + 30 + k)
            sites = population_points(SITES_3G, rng, wards)[:, :2]
            write_coverage_polygons(gpkg, sites, carrier, SEED + 40 + k)
    return folder


def build_project(villages: int, seed: int = SEED) -> Path:
    """The project of ``villages`` villages (built once per size); its ``project.yml``."""
    common = build_common()
    folder = BENCH / f"v{villages}"
    build_villages(folder, villages, seed)
    project = folder / "project.yml"
    coverage = [
        {"path": str(common / f"{c.lower()}_4g.tif"), "carrier": c, "technology": "4G"}
        for c in CARRIERS
    ] + [
        {"path": str(common / f"{c.lower()}_3g.gpkg"), "carrier": c, "technology": "3G"}
        for c in CARRIERS
    ]
    config = {
        "name": "Việt Nam (national benchmark)",
        "synthetic": True,
        "communes": {"path": str(WARDS), "layer": "wards", "id": "code", "name": "fullName",
                     "province": "provinceCode"},
        "villages": {"path": "villages.gpkg", "id": "village_id", "name": "name",
                     "population": "population"},
        "coverage": coverage,
        "fibre": {"path": str(ROADS), "max_distance_m": 1000},
        "output": "results",
    }  # fmt: skip
    project.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return project


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--villages", type=int, default=100_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    print(build_project(args.villages), f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

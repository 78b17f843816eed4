"""Synthetic but realistic demo data: villages, cell sites, coverage and fibre.

No public data exists for Vietnamese villages (thôn, bản), cell sites, mobile coverage or fibre
routes, so coverage-gaps generates them. **Every layer written here is synthetic** except the
commune boundaries when a real commune file is given. The layers are seeded and deterministic:
the same arguments give byte-identical files.

The model, stage by stage (each stage draws from its own random generator, so changing one
stage does not shift the others):

1. **Communes.** Either a real polygon file, or Voronoi cells around the real centroids of one
   province's communes (from ``vietnamadminunits``), clipped to an outline made of discs of each
   commune's real area.
2. **Roads.** A minimum spanning tree of the communes' representative points (Prim's
   algorithm) plus a few short extra links, drawn as jittered polylines. Links that would
   mostly run over the sea are dropped.
3. **Terrain.** Elevation on a metric grid (UTM 48N or 49N, at most ~4 million cells): Gaussian
   ridges running north-west to south-east plus peaks and smooth noise, scaled by a
   "ruggedness" that grows with commune size (large communes are mountainous, small ones
   are lowland or urban), with valleys carved along the roads.
4. **Villages.** Candidate points drawn uniformly inside the communes and weighted towards low
   ground, roads and settlement clusters; villages are sampled from them, at least a couple
   per commune. Names follow local habits (Thôn, Bản, Xóm, Tổ dân phố); populations are
   lognormal (median ~500) and smaller in high terrain.
5. **Cell sites.** Per carrier, sites are sampled from the same settlement-weighted candidates,
   biased to dense places, with a minimum spacing. Viettel has the most sites, Vietnamobile
   the fewest (dense places only); 5G is only on the sites in the densest places.
6. **Coverage.** Received level (dBm) = a Hata-like path loss ``C - B log10(d_km)`` per
   technology (2G reaches farthest, 5G least), minus a knife-edge diffraction loss for the
   worst terrain obstacle sampled along the path, maximised over a carrier's sites, plus
   smooth shadow-fading noise. Layers are written as a mix of formats (dBm GeoTIFFs,
   0/1 masks, polygons) like the ones carriers and regulators actually exchange.
7. **Fibre.** Routes along most roads plus access spurs to most villages.

Then ``project.yml`` describes everything for the pipeline and ``README.txt`` says, in
Vietnamese and English, that the data is synthetic.
"""

from __future__ import annotations

import contextlib
import csv
import math
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
import importlib.util
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import shapely
import yaml
from pyproj import CRS, Transformer
from rasterio.features import rasterize, shapes
from rasterio.transform import Affine

from ._errors import InputDataError

__all__ = ["generate_province"]

FloatArray = np.ndarray[Any, np.dtype[np.floating[Any]]]

#: "Covered" levels (dBm) used to build the masks and polygons and written into project.yml.
_THRESHOLDS = {"2G": -100.0, "3G": -100.0, "4G": -105.0, "5G": -110.0}
#: Per technology: level at 1 km (dBm, 30 m mast), slope (dB per decade), wavelength (m).
_RADIO = {"2G": (-68.0, 35.0, 0.33), "3G": (-73.0, 38.0, 0.143),
          "4G": (-76.0, 38.0, 0.167), "5G": (-97.0, 38.0, 0.086)}
_FLOOR_DBM = -125.0
_MAX_RADIUS_M = 20_000.0
_PATH_SAMPLES = np.array([0.04, 0.1, 0.18, 0.28, 0.4, 0.52, 0.64, 0.76, 0.87, 0.95])
_EARTH_2R = 2 * 8.5e6  # twice the effective earth radius (k = 4/3)
_GPKG_DATE = "2025-07-01T00:00:00Z"
_MAX_CELLS = 4_000_000


@dataclass(frozen=True)
class _Carrier:
    name: str
    prefix: str
    km2_per_site: float
    spacing_m: float
    tech_share: dict[str, float]  # 5G: share of the densest sites
    dense_only: bool = False


_CARRIERS = (
    _Carrier("Viettel", "VTL", 15.0, 1700.0, {"2G": 0.9, "3G": 0.55, "4G": 0.97, "5G": 0.07}),
    _Carrier("VNPT", "VNP", 21.0, 2100.0, {"2G": 0.9, "3G": 0.7, "4G": 0.9, "5G": 0.05}),
    _Carrier("MobiFone", "MBF", 27.0, 2400.0, {"2G": 0.88, "3G": 0.7, "4G": 0.88, "5G": 0.04}),
    _Carrier("Vietnamobile", "VNM", 110.0, 2800.0, {"2G": 0.95, "4G": 0.85}, dense_only=True),
)

#: How each layer is written: dBm float32, dBm int16, 0/1 mask or polygons.
_FORMATS = {
    ("Viettel", "2G"): "mask", ("Viettel", "3G"): "f32", ("Viettel", "4G"): "f32",
    ("Viettel", "5G"): "gpkg", ("VNPT", "2G"): "mask", ("VNPT", "3G"): "gpkg",
    ("VNPT", "4G"): "f32", ("VNPT", "5G"): "gpkg", ("MobiFone", "2G"): "gpkg",
    ("MobiFone", "3G"): "gpkg", ("MobiFone", "4G"): "f32", ("MobiFone", "5G"): "gpkg",
    ("Vietnamobile", "2G"): "gpkg", ("Vietnamobile", "4G"): "i16",
}

_TAY_1 = ("Nà", "Khuổi", "Pác", "Lũng", "Phiêng", "Nặm", "Cốc", "Khau", "Pò", "Bó", "Vằng",
          "Thôm", "Slam", "Nà", "Khuổi", "Pác")
_TAY_2 = ("Pài", "Mạ", "Cuồng", "Phầy", "Lạn", "Ngòa", "Slác", "Hin", "Mò", "Dài", "Luông",
          "Chang", "Nưa", "Tẩu", "Vài", "Pục", "Cáy", "Nghè", "Quân", "Lừa", "Mèo", "Đin",
          "Thoong", "Khiếu", "Mới", "Làng", "Phiêng", "Nặm")
_KINH_1 = ("Tân", "Đồng", "Hòa", "Trung", "Thượng", "Hạ", "Làng", "Xuân", "Phú", "An", "Bình",
           "Tiến", "Quyết", "Hợp", "Thống", "Vĩnh", "Đông", "Tây", "Nam", "Mỹ", "Kim", "Hồng",
           "Minh", "Cầu", "Gốc", "Soi", "Bãi", "Đồng")
_KINH_2 = ("Tiến", "Lợi", "Bình", "Thành", "Hòa", "Mới", "Tâm", "Phong", "Sơn", "Lập", "Nhất",
           "Thịnh", "Trung", "Thắng", "Hưng", "Lạc", "Yên", "Phúc", "Cường", "Kết", "Long",
           "Xuân", "Tân", "Quang", "Chùa", "Đình", "Gạo", "Ngòi", "Trên", "Dưới")


@dataclass(frozen=True)
class _Grid:
    """A north-up raster grid: left/top edges, cell size and shape."""

    x0: float
    y1: float
    res: float
    nx: int
    ny: int

    @property
    def transform(self) -> Affine:
        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y1)

    @property
    def xs(self) -> FloatArray:
        return self.x0 + (np.arange(self.nx) + 0.5) * self.res

    @property
    def ys(self) -> FloatArray:
        return self.y1 - (np.arange(self.ny) + 0.5) * self.res

    def rc(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding points ``(x, y)`` (clipped to the grid)."""
        col = np.clip(np.floor((np.asarray(x) - self.x0) / self.res), 0, self.nx - 1)
        row = np.clip(np.floor((self.y1 - np.asarray(y)) / self.res), 0, self.ny - 1)
        return row.astype(np.intp), col.astype(np.intp)

    def window(self, x: float, y: float, radius: float) -> tuple[int, int, int, int]:
        r = int(radius / self.res) + 1
        row, col = (int(v) for v in self.rc(x, y))
        return max(row - r, 0), min(row + r + 1, self.ny), max(col - r, 0), min(col + r + 1, self.nx)


def generate_province(
    directory: str | Path,
    *,
    communes: str | Path | None = None,
    communes_layer: str | None = None,
    communes_where: str | None = None,
    id_column: str = "code",
    name_column: str = "fullName",
    province_column: str | None = "provinceCode",
    villages: int = 2000,
    seed: int = 20250701,
    name: str | None = None,
    province_code: str = "19",
) -> Path:
    """Write a complete synthetic project (villages, sites, coverage, fibre) to `directory`.

    Parameters
    ----------
    directory
        Folder to write into; created if missing. Files it owns are overwritten.
    communes
        Real commune polygons (any vector file). ``None`` builds synthetic communes around the
        real centroids of province `province_code`. A real file is referred to by absolute
        path in ``project.yml``, never copied.
    communes_layer, communes_where
        Layer name and OGR SQL ``WHERE`` filter for `communes`, e.g. ``"provinceCode = '19'"``.
    id_column, name_column, province_column
        Columns of `communes` holding the commune code, its name and its province code.
    villages
        Number of villages to place (at least a couple per commune when there are enough).
    seed
        Seed of every random draw; the same arguments give byte-identical files.
    name
        Project name; defaults to the province name followed by "(synthetic demo)".
    province_code
        Two-digit code of the province whose communes are synthesised (default Thái Nguyên).

    Returns
    -------
    Path
        The ``project.yml`` written in `directory`.

    Examples
    --------
    >>> from coverage_gaps.synthetic import generate_province
    >>> generate_province("demo", villages=500).name  # doctest: +SKIP
    'project.yml'
    """
    if villages < 1:
        raise ValueError(f"villages must be at least 1, got {villages}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / "coverage").mkdir(exist_ok=True)
    rng_communes, rng_roads, rng_terrain, rng_villages, rng_names, rng_sites, rng_cov, rng_fibre = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)
    )

    with _fixed_gdal_date():
        if communes is None:
            codes, names, provs, geoms, title = _synthetic_communes(str(province_code), rng_communes)
            crs = _utm_crs(geoms)
            _write_gpkg(out / "communes.gpkg", "communes",
                        {"code": codes, "fullName": names, "provinceCode": provs}, geoms,
                        "MultiPolygon")
            communes_entry: dict[str, Any] = {"path": "communes.gpkg", "layer": "communes",
                                              "id": "code", "name": "fullName",
                                              "province": "provinceCode"}
        else:
            codes, names, provs, geoms, title, layer = _read_communes(
                Path(communes), communes_layer, communes_where, id_column, name_column,
                province_column)
            crs = _utm_crs(geoms)
            communes_entry = {"path": str(Path(communes).resolve()), "layer": layer}
            if communes_where:
                communes_entry["where"] = communes_where
            communes_entry |= {"id": id_column, "name": name_column}
            if province_column:
                communes_entry["province"] = province_column

        to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        geoms_m = shapely.transform(geoms, to_m.transform, interleaved=False)
        areas = shapely.area(geoms_m) / 1e6
        grid = _make_grid(geoms_m)
        land = rasterize(((g, 1) for g in geoms_m), out_shape=(grid.ny, grid.nx),
                         transform=grid.transform, fill=0, dtype="uint8")

        reps = shapely.get_coordinates(shapely.point_on_surface(geoms_m))
        roads, road_kind = _roads(reps, grid, land, rng_roads)
        road_dist = _road_distance(grid, roads, cap=8000.0)
        elev = _terrain(grid, geoms_m, areas, land, road_dist, rng_terrain)
        _write_lines(out / "roads.gpkg", "roads",
                     {"road_id": [f"R{i + 1:04d}" for i in range(len(roads))], "kind": road_kind},
                     roads, to_ll)
        _write_raster(out / "elevation.tif", np.rint(elev).astype(np.int16), grid, crs, -32768)

        vil, cand = _villages(villages, codes, names, geoms, geoms_m, areas, grid, elev, road_dist,
                              to_ll, rng_villages)
        vil["name"] = _village_names(vil, names, rng_names)
        _write_villages(out / "villages.csv", vil)

        sites = _sites(cand, vil, grid, elev, areas, rng_sites)
        _write_points(out / "sites.gpkg", "sites", sites, to_ll)
        valid = rasterize(
            ((g, 1) for g in shapely.buffer(shapely.simplify(geoms_m, grid.res / 4), 2000.0,
                                            quad_segs=4)),
            out_shape=(grid.ny, grid.nx), transform=grid.transform, fill=0, dtype="uint8",
        ).astype(bool)
        coverage = _coverage(out, sites, grid, elev, valid, crs, to_ll, rng_cov)
        _fibre(out / "fibre.gpkg", roads, road_kind, vil, to_ll, rng_fibre)

    project = {
        "name": name or f"{title} (synthetic demo)",
        "synthetic": True,
        "communes": communes_entry,
        "villages": {"path": "villages.csv", "id": "village_id", "name": "name",
                     "population": "population", "x": "lon", "y": "lat", "crs": "EPSG:4326",
                     "commune": "commune_code"},
        "coverage": coverage,
        "fibre": {"path": "fibre.gpkg", "layer": "fibre", "max_distance_m": 1000},
        "output": "../results",
    }
    path = out / "project.yml"
    path.write_text(yaml.safe_dump(project, allow_unicode=True, sort_keys=False, width=100),
                    encoding="utf-8")
    (out / "README.txt").write_text(_readme(seed, communes is None, villages), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- communes


def _synthetic_communes(
    province_code: str, rng: np.random.Generator
) -> tuple[list[str], list[str], list[str], np.ndarray, str]:
    """Voronoi communes around the real commune centroids of one province (EPSG:4326)."""
    with contextlib.closing(_admin_db()) as con:
        rows = con.execute(
            "SELECT wardCode, ward, provinceCode, provinceShort, wardLon, wardLat, wardAreaKm2 "
            "FROM admin_units WHERE provinceCode = ? ORDER BY wardCode",
            (province_code.zfill(2),),
        ).fetchall()
    if len(rows) < 2:
        raise InputDataError(f"province code {province_code!r} has fewer than two communes in "
                             "vietnamadminunits; use a two-digit code such as '19'.",
                             source="province_code")
    lon = np.array([r[4] for r in rows], dtype=float)
    lat = np.array([r[5] for r in rows], dtype=float)
    area = np.array([r[6] or 50.0 for r in rows], dtype=float)
    crs = _utm_crs_from_lon(float(np.average(lon, weights=area)))
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    x, y = np.round(x, 1), np.round(y, 1)
    for i in range(1, len(x)):  # separate duplicate centroids, which Voronoi would merge
        while np.any((x[:i] == x[i]) & (y[:i] == y[i])):
            x[i] += rng.uniform(50, 150)
    pts = shapely.points(x, y)
    radius = 1200.0 * np.sqrt(area / np.pi)
    outline = shapely.union_all(shapely.buffer(pts, radius, quad_segs=16))
    outline = shapely.buffer(shapely.buffer(outline, 3000.0, quad_segs=8), -3000.0, quad_segs=8)
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(pts), extend_to=shapely.buffer(outline, 10_000.0).envelope,
        ordered=True))
    cells = shapely.make_valid(shapely.intersection(cells, outline))
    geoms = shapely.transform(_multipolygons(cells), Transformer.from_crs(
        crs, "EPSG:4326", always_xy=True).transform, interleaved=False)
    geoms = _multipolygons(shapely.set_precision(geoms, 1e-6))
    if shapely.is_empty(geoms).any() or not shapely.is_valid(geoms).all():
        raise AssertionError("synthetic commune geometry is empty or invalid")
    return ([r[0] for r in rows], [_nfc(r[1]) for r in rows], [r[2] for r in rows], geoms,
            _nfc(rows[0][3]))


def _read_communes(
    path: Path, layer: str | None, where: str | None, id_column: str, name_column: str,
    province_column: str | None,
) -> tuple[list[str], list[str], list[str], np.ndarray, str, str]:
    """Read real commune polygons; return them in EPSG:4326, sorted by code."""
    if not path.exists():
        raise InputDataError(f"commune file {path} does not exist.", source=str(path))
    layer = layer or str(pyogrio.list_layers(path)[0][0])
    cols = [c for c in (id_column, name_column, province_column) if c]
    gdf = pyogrio.read_dataframe(path, layer=layer, where=where, columns=cols)
    missing = [c for c in cols if c not in gdf.columns]
    if missing or gdf.empty:
        what = f"columns {missing} are missing" if missing else "no commune matches"
        raise InputDataError(f"{what} (layer {layer!r}, where {where!r}).", source=str(path))
    gdf = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf.set_crs("EPSG:4326")
    gdf["_code"] = gdf[id_column].astype(str)
    gdf = gdf.sort_values("_code", kind="stable")
    geoms = _multipolygons(shapely.make_valid(np.asarray(gdf.geometry.values, dtype=object)))
    keep = ~shapely.is_empty(geoms)
    provs = gdf[province_column].astype(str) if province_column else gdf["_code"].str[:0]
    title = path.stem
    if province_column and provs.nunique() == 1:
        title = _province_name(str(provs.iloc[0])) or title
    return (list(gdf["_code"][keep]), [_nfc(str(v)) for v in gdf[name_column][keep]],
            list(provs[keep]), geoms[keep], title, layer)


def _admin_db() -> sqlite3.Connection:
    """Read-only connection to vietnamadminunits' table of the 3,321 communes (2025)."""
    spec = importlib.util.find_spec("vietnamadminunits")  # located, not imported (slow import)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits is needed for the synthetic communes")
    db = Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    return sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)


def _province_name(code: str) -> str | None:
    with contextlib.closing(_admin_db()) as con:
        row = con.execute("SELECT provinceShort FROM admin_units WHERE provinceCode = ? LIMIT 1",
                          (code.zfill(2),)).fetchone()
    return _nfc(row[0]) if row else None


def _multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry, as MultiPolygons."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        parts = [p for p in shapely.get_parts(g) if isinstance(p, shapely.Polygon | shapely.MultiPolygon)]
        polys = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
        out[i] = shapely.MultiPolygon(polys)
    return out


def _utm_crs_from_lon(lon: float) -> CRS:
    return CRS.from_epsg(32648 if lon < 108 else 32649)


def _utm_crs(geoms: np.ndarray) -> CRS:
    c = shapely.get_coordinates(shapely.centroid(geoms))
    w = np.maximum(shapely.area(geoms), 1e-12)
    return _utm_crs_from_lon(float(np.average(c[:, 0], weights=w)))


def _make_grid(geoms_m: np.ndarray) -> _Grid:
    minx, miny, maxx, maxy = shapely.total_bounds(geoms_m)
    margin = 5000.0
    w, h = maxx - minx + 2 * margin, maxy - miny + 2 * margin
    res = max(250.0, math.ceil(math.sqrt(w * h / _MAX_CELLS) / 50.0) * 50.0)
    x0 = math.floor((minx - margin) / res) * res
    y1 = math.ceil((maxy + margin) / res) * res
    return _Grid(x0, y1, res, math.ceil((maxx + margin - x0) / res),
                 math.ceil((y1 - miny + margin) / res))


# ----------------------------------------------------------------------------- roads, terrain


def _prim_mst(x: FloatArray, y: FloatArray) -> list[tuple[int, int]]:
    """Edges of the Euclidean minimum spanning tree (Prim's algorithm, O(n^2) numpy)."""
    n = len(x)
    done = np.zeros(n, dtype=bool)
    done[0] = True
    best = np.hypot(x - x[0], y - y[0])
    best[0] = np.inf
    parent = np.zeros(n, dtype=np.intp)
    edges = []
    for _ in range(n - 1):
        j = int(np.argmin(best))
        edges.append((int(parent[j]), j))
        done[j] = True
        best[j] = np.inf
        d = np.hypot(x - x[j], y - y[j])
        closer = ~done & (d < best)
        best[closer] = d[closer]
        parent[closer] = j
    return edges


def _roads(reps: FloatArray, grid: _Grid, land: np.ndarray, rng: np.random.Generator
           ) -> tuple[list[FloatArray], list[str]]:
    """MST roads plus a few short extra links, as jittered polylines (metres, rounded)."""
    x, y = reps[:, 0], reps[:, 1]
    edges = [(a, b, "main") for a, b in _prim_mst(x, y)]
    if len(x) > 3:
        median = float(np.median([math.hypot(x[a] - x[b], y[a] - y[b]) for a, b, _ in edges]))
        linked = {(min(a, b), max(a, b)) for a, b, _ in edges}
        for a in np.sort(rng.choice(len(x), size=max(1, len(x) // 6), replace=False)):
            d = np.hypot(x - x[a], y - y[a])
            for b in np.argsort(d, kind="stable")[1:4]:
                key = (min(a, b), max(a, b))
                if key not in linked and d[b] < 1.6 * median:
                    linked.add(key)
                    edges.append((int(a), int(b), "link"))
                    break
    roads, kinds = [], []
    for a, b, kind in edges:
        length = math.hypot(x[b] - x[a], y[b] - y[a])
        t = np.linspace(0.0, 1.0, 24)
        rows, cols = grid.rc(x[a] + t * (x[b] - x[a]), y[a] + t * (y[b] - y[a]))
        if length > 3000 and land[rows, cols].mean() < 0.65:
            continue  # mostly over the sea
        n = int(np.clip(math.ceil(length / 2500.0), 1, 60))
        t = np.linspace(0.0, 1.0, n + 1)
        walk = np.concatenate([[0.0], np.cumsum(rng.standard_normal(n))])
        off = (walk - t * walk[-1]) * 0.07 * length / math.sqrt(n)
        nx_, ny_ = -(y[b] - y[a]) / max(length, 1.0), (x[b] - x[a]) / max(length, 1.0)
        line = np.column_stack([x[a] + t * (x[b] - x[a]) + off * nx_,
                                y[a] + t * (y[b] - y[a]) + off * ny_])
        roads.append(np.round(line, 0))
        kinds.append(kind)
    return roads, kinds


def _road_distance(grid: _Grid, roads: list[FloatArray], cap: float) -> np.ndarray:
    """Distance (m, float32, capped) from every cell centre to the nearest road segment."""
    dist = np.full((grid.ny, grid.nx), cap, dtype=np.float32)
    xs, ys = grid.xs, grid.ys
    for line in roads:
        for (ax, ay), (bx, by) in zip(line[:-1], line[1:], strict=True):
            i0, i1, j0, j1 = grid.window((ax + bx) / 2, (ay + by) / 2,
                                         cap + math.hypot(bx - ax, by - ay) / 2)
            px, py = xs[None, j0:j1] - ax, ys[i0:i1, None] - ay
            vx, vy = bx - ax, by - ay
            t = np.clip((px * vx + py * vy) / max(vx * vx + vy * vy, 1e-9), 0.0, 1.0)
            d = np.hypot(px - t * vx, py - t * vy).astype(np.float32)
            np.minimum(dist[i0:i1, j0:j1], d, out=dist[i0:i1, j0:j1])
    return dist


def _box_blur(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)^2 square, edges clamped (cumulative sums, any size)."""
    if r < 1:
        return a
    out = a.astype(np.float64)
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r + 1, r)
        c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis)
        n = out.shape[axis]
        out = (np.take(c, np.arange(2 * r + 1, 2 * r + 1 + n), axis=axis)
               - np.take(c, np.arange(n), axis=axis)) / (2 * r + 1)
    return out.astype(np.float32)


def _smooth_noise(rng: np.random.Generator, grid: _Grid, scale_m: float) -> np.ndarray:
    """Smooth random field with unit standard deviation and correlation length ~`scale_m`."""
    step = max(1.0, scale_m / grid.res)
    coarse = rng.standard_normal((int(grid.ny / step) + 3, int(grid.nx / step) + 3))
    fy, fx = np.arange(grid.ny) / step, np.arange(grid.nx) / step
    iy, ix = fy.astype(np.intp), fx.astype(np.intp)
    wy, wx = fy - iy, fx - ix
    wy, wx = (wy * wy * (3 - 2 * wy))[:, None], (wx * wx * (3 - 2 * wx))[None, :]
    top = coarse[np.ix_(iy, ix)] * (1 - wx) + coarse[np.ix_(iy, ix + 1)] * wx
    bottom = coarse[np.ix_(iy + 1, ix)] * (1 - wx) + coarse[np.ix_(iy + 1, ix + 1)] * wx
    field = (top * (1 - wy) + bottom * wy).astype(np.float32)
    return field / max(float(field.std()), 1e-6)


def _terrain(grid: _Grid, geoms_m: np.ndarray, areas: FloatArray, land: np.ndarray,
             road_dist: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Elevation (m, float32): ridges, peaks and noise scaled by ruggedness, valleys on roads."""
    rugged = np.clip((np.sqrt(areas) - 4.0) / 10.0, 0.04, 1.0)
    raw = rasterize(zip(geoms_m, rugged.tolist(), strict=True), out_shape=land.shape,
                    transform=grid.transform, fill=0.0, dtype="float32")
    r = max(1, int(5000 / grid.res))
    weight = _box_blur(_box_blur(land.astype(np.float32), r), r)
    factor = _box_blur(_box_blur(raw, r), r) / np.maximum(weight, 1e-3)
    factor = np.where(weight > 1e-3, factor, 0.0).astype(np.float32)

    relief = np.zeros(land.shape, dtype=np.float32)
    xs, ys = grid.xs, grid.ys
    bounds = shapely.bounds(geoms_m)
    n = int(np.clip(areas.sum() / 110.0, 24, 6000))
    which = rng.choice(len(areas), size=2 * n, p=areas / areas.sum())
    cx = rng.uniform(bounds[which, 0], bounds[which, 2])
    cy = rng.uniform(bounds[which, 1], bounds[which, 3])
    for k in range(2 * n):
        if k < n:  # ridge, NW-SE on average
            along, across = rng.uniform(6000, 20000), rng.uniform(1500, 4000)
            angle, height = -0.7 + 0.35 * rng.standard_normal(), rng.uniform(250, 900)
        else:  # peak
            along = across = rng.uniform(1200, 4000)
            angle, height = 0.0, rng.uniform(150, 600)
        i0, i1, j0, j1 = grid.window(cx[k], cy[k], 3 * along)
        dx, dy = xs[None, j0:j1] - cx[k], ys[i0:i1, None] - cy[k]
        u = (dx * math.cos(angle) + dy * math.sin(angle)) / along
        v = (-dx * math.sin(angle) + dy * math.cos(angle)) / across
        relief[i0:i1, j0:j1] += (height * np.exp(-0.5 * (u * u + v * v))).astype(np.float32)
    relief += (110 * _smooth_noise(rng, grid, max(3000, 5 * grid.res))
               + 45 * _smooth_noise(rng, grid, max(1000, 2.5 * grid.res)))
    relief = np.maximum(relief, 0.0)
    relief *= 0.15 + 0.85 * (1 - np.exp(-((road_dist / 2500.0) ** 2)))
    base = 15 + 25 * (1 + np.tanh(_smooth_noise(rng, grid, 20000))) + 220 * factor
    elev = base + factor * relief
    return (1850.0 * np.tanh(elev / 1850.0)).astype(np.float32)


# ----------------------------------------------------------------------------- villages


def _villages(n: int, codes: list[str], names: list[str], geoms: np.ndarray, geoms_m: np.ndarray,
              areas: FloatArray, grid: _Grid, elev: np.ndarray, road_dist: np.ndarray,
              to_ll: Transformer, rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sample villages from settlement-weighted candidate points; also return the candidates."""
    density = 14.0 * n / areas.sum()
    bounds = shapely.bounds(geoms_m)
    bbox = np.maximum((bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1]) / 1e6, 1e-6)
    want = np.maximum(40, np.ceil(density * areas))
    count = np.minimum(np.ceil(want * 1.15 * bbox / np.maximum(areas, 1e-6)), 40 * want)
    owner = np.repeat(np.arange(len(codes)), count.astype(np.intp))
    x = rng.uniform(bounds[owner, 0], bounds[owner, 2])
    y = rng.uniform(bounds[owner, 1], bounds[owner, 3])
    lon, lat = (np.round(v, 6) for v in to_ll.transform(x, y))
    shapely.prepare(geoms)
    inside = shapely.contains_xy(geoms[owner], lon, lat)
    owner, x, y, lon, lat = owner[inside], x[inside], y[inside], lon[inside], lat[inside]
    rows, cols = grid.rc(x, y)
    cluster = _smooth_noise(rng, grid, 2500)[rows, cols]
    zc, near_road = elev[rows, cols], np.exp(-((road_dist[rows, cols] / 1800.0) ** 2))
    weight = np.exp(-zc / 650.0) * (0.3 + near_road) * np.exp(0.7 * cluster)
    k_min = min(2, n // len(codes))
    chosen = []
    starts = np.searchsorted(owner, np.arange(len(codes) + 1))
    for i in range(len(codes)):
        idx = np.arange(starts[i], starts[i + 1])
        if k_min and len(idx):
            w = weight[idx]
            chosen.append(rng.choice(idx, size=min(k_min, len(idx)), replace=False, p=w / w.sum()))
    picked = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.intp)
    rest = np.setdiff1d(np.arange(len(x)), picked)
    need = n - len(picked)
    if need > len(rest):
        raise InputDataError(f"could not place {n} villages inside the communes.", source="villages")
    if need > 0:
        w = weight[rest]
        picked = np.concatenate([picked, rng.choice(rest, size=need, replace=False, p=w / w.sum())])
    order = np.lexsort((lon[picked], -lat[picked], owner[picked]))  # codes are sorted already
    sel = picked[order]
    z = elev[rows[sel], cols[sel]]
    urban = np.array([names[o].startswith("Phường") for o in owner[sel]])
    median = 520.0 * np.clip(np.exp(-(z - 100.0) / 1100.0), 0.35, 1.25) * np.where(urban, 1.4, 1.0)
    pop = np.clip(np.rint(median * np.exp(0.5 * rng.standard_normal(len(sel)))), 60, 5000)
    households = np.maximum(1, np.rint(pop / (4.2 * np.exp(0.06 * rng.standard_normal(len(sel))))))
    width = max(6, len(str(n)))
    vil = {
        "village_id": [f"V{i + 1:0{width}d}" for i in range(len(sel))],
        "commune_code": [codes[o] for o in owner[sel]], "commune": owner[sel],
        "population": pop.astype(np.int64), "households": households.astype(np.int64),
        "lon": lon[sel], "lat": lat[sel], "x": x[sel], "y": y[sel], "elev": z, "urban": urban,
    }
    dens_grid = np.zeros(grid.ny * grid.nx)
    np.add.at(dens_grid, rows[sel] * grid.nx + cols[sel], pop)
    dens = _box_blur(dens_grid.reshape(grid.ny, grid.nx), max(1, int(2500 / grid.res)))
    site_weight = np.exp(-zc / 200.0) * (0.15 + near_road) * np.exp(0.7 * cluster)
    cand = {"x": x, "y": y, "weight": site_weight, "density": dens[rows, cols], "commune": owner}
    return vil, cand


def _village_names(vil: dict[str, Any], commune_names: list[str], rng: np.random.Generator
                   ) -> list[str]:
    """Plausible Vietnamese village names, unique within each commune."""
    out: list[str] = []
    communes = np.asarray(vil["commune"])
    starts = np.flatnonzero(np.r_[True, communes[1:] != communes[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(communes)], strict=True):
        urban = bool(vil["urban"][s])
        mountain = float(np.clip((np.mean(vil["elev"][s:e]) - 150.0) / 450.0, 0.0, 1.0))
        numbered = rng.random() < (0.55 if urban else 0.3 * (1 - mountain))
        main = "Xóm" if rng.random() < 0.35 else "Thôn"
        used: set[str] = set()
        for k in range(e - s):
            if urban:
                prefix = "Tổ dân phố"
            elif numbered:
                prefix = main
            elif rng.random() < 0.65 * mountain:
                prefix = "Bản"
            else:
                prefix = main
            if numbered:
                label = str(k + 1)
            else:
                tay = rng.random() < 0.1 + 0.85 * mountain and not urban
                first, second = (_TAY_1, _TAY_2) if tay else (_KINH_1, _KINH_2)
                label = ""
                for _ in range(12):
                    a, b = first[rng.integers(len(first))], second[rng.integers(len(second))]
                    if a != b and f"{a} {b}" not in used:
                        label = f"{a} {b}"
                        break
                label = label or f"{a} {b} {k + 1}"
                used.add(label)
            out.append(_nfc(f"{prefix} {label}"))
    return out


# ----------------------------------------------------------------------------- sites, coverage


def _sites(cand: dict[str, Any], vil: dict[str, Any], grid: _Grid, elev: np.ndarray,
           areas: FloatArray, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Cell sites per carrier, with a minimum spacing, biased to settlements and density.

    Each commune's expected share of a carrier's sites is half its share of the area and half
    its share of the population (national operators must serve every commune); within a
    commune, sites go to low, settled ground near roads.
    """
    sites: list[dict[str, Any]] = []
    dens = np.maximum(cand["density"], 0.0)
    owner = cand["commune"]
    pop = np.bincount(vil["commune"], weights=vil["population"], minlength=len(areas))
    share = 0.5 * areas / areas.sum() + 0.5 * pop / pop.sum()
    for carrier in _CARRIERS:
        w = cand["weight"] * (dens + 0.05 * dens.mean() + 1e-9) ** 0.6
        if carrier.dense_only:
            w = np.where(dens >= np.quantile(dens, 0.8), w * dens, 0.0)
        else:
            total = np.bincount(owner, weights=w, minlength=len(areas))
            w = w * (share / np.maximum(total, 1e-300))[owner]
        target = max(3, round(areas.sum() / carrier.km2_per_site))
        nz = int(np.count_nonzero(w))
        order = rng.choice(len(w), size=min(nz, 8 * target), replace=False, p=w / w.sum())
        cell = carrier.spacing_m
        taken: dict[tuple[int, int], list[tuple[float, float]]] = {}
        kept: list[int] = []
        for i in order:
            px, py = float(cand["x"][i]), float(cand["y"][i])
            gx, gy = int(px // cell), int(py // cell)
            near = (q for a in (-1, 0, 1) for b in (-1, 0, 1) for q in taken.get((gx + a, gy + b), ()))
            if any((px - qx) ** 2 + (py - qy) ** 2 < cell * cell for qx, qy in near):
                continue
            taken.setdefault((gx, gy), []).append((px, py))
            kept.append(int(i))
            if len(kept) == target:
                break
        idx = np.array(kept, dtype=np.intp)
        idx = idx[np.lexsort((cand["x"][idx], -cand["y"][idx]))]
        top5g = np.quantile(dens[idx], 1 - carrier.tech_share.get("5G", 0.0)) if len(idx) else 0
        heights = np.clip(np.rint(rng.normal(32, 7, len(idx))), 15, 60)
        offsets = rng.normal(0, 1.5, len(idx))
        draws = rng.random((len(idx), 3))
        for k, i in enumerate(idx):
            techs = [t for t, u in zip(("2G", "3G", "4G"), draws[k], strict=True)
                     if u < carrier.tech_share.get(t, 0.0)]
            if "5G" in carrier.tech_share and dens[i] >= top5g:
                techs.append("5G")
            sites.append({
                "site_id": f"{carrier.prefix}-{k + 1:05d}", "carrier": carrier.name,
                "technologies": ",".join(techs or ["4G"]), "height_m": int(heights[k]),
                "x": float(cand["x"][i]), "y": float(cand["y"][i]),
                "ground_m": float(elev[grid.rc(cand["x"][i], cand["y"][i])]),
                "offset_db": float(offsets[k]),
            })
    return sites


def _site_levels(site: dict[str, Any], grid: _Grid, elev: np.ndarray,
                 levels: dict[str, np.ndarray]) -> None:
    """Raise each technology's level grid to this site's received level (in place).

    Path loss is ``C - B log10(d_km)``; the diffraction loss is the ITU-R P.526 single knife
    edge ``J(v)`` of the worst obstacle among a few terrain samples along each path (earth
    bulge included). Everything is vectorised over the cells of a window around the site.
    """
    techs = [t for t in site["technologies"].split(",") if t in levels]
    radius = {t: min(_MAX_RADIUS_M, 1000 * 10 ** ((_RADIO[t][0] - _FLOOR_DBM) / _RADIO[t][1]))
              for t in techs}
    sx, sy, h = site["x"], site["y"], site["height_m"]
    i0, i1, j0, j1 = grid.window(sx, sy, max(radius.values()))
    ic, jc = (int(v) for v in grid.rc(sx, sy))
    dx = (grid.xs[j0:j1] - sx).astype(np.float32)[None, :]
    dy = (grid.ys[i0:i1] - sy).astype(np.float32)[:, None]
    d = np.maximum(np.sqrt(dx * dx + dy * dy), np.float32(50.0))
    z_tx = site["ground_m"] + h
    win = elev[i0:i1, j0:j1]
    rise = win + np.float32(1.5 - z_tx)  # receiver height above the antenna top
    rows, cols = np.arange(i0, i1) - ic, np.arange(j0, j1) - jc
    nu = np.full(d.shape, -np.inf, dtype=np.float32)
    inv_sqrt_d = 1.0 / np.sqrt(d)
    bulge = d * d * np.float32(1 / _EARTH_2R)
    for t in _PATH_SAMPLES.tolist():
        rr = np.rint(ic - i0 + t * rows).astype(np.intp)
        cc = np.rint(jc - j0 + t * cols).astype(np.intp)
        clear = win.take(rr, axis=0).take(cc, axis=1) - np.float32(z_tx)
        clear += bulge * np.float32(t * (1 - t))
        clear -= rise * np.float32(t)
        clear *= inv_sqrt_d
        clear *= np.float32(math.sqrt(2 / (t * (1 - t))))
        # a sample in or next to the end cells is the end itself, not an obstacle
        np.putmask(clear, d < np.float32(1.5 * grid.res / min(t, 1 - t)), np.float32(-np.inf))
        np.maximum(nu, clear, out=nu)
    logd = np.log(d * np.float32(1e-3)) * np.float32(1 / math.log(10))
    gain = 12.0 * math.log10(h / 30.0) + site["offset_db"]
    db_per_neper = np.float32(20 / math.log(10))
    for t in techs:
        c, b, lam = _RADIO[t]
        r = int(radius[t] / grid.res) + 1
        a0, a1 = max(ic - r, i0) - i0, min(ic + r + 1, i1) - i0
        b0, b1 = max(jc - r, j0) - j0, min(jc + r + 1, j1) - j0
        v = np.maximum(nu[a0:a1, b0:b1] * np.float32(1 / math.sqrt(lam)) - np.float32(0.1),
                       np.float32(-1.0))
        loss = np.log(np.sqrt(v * v + np.float32(1)) + v) * db_per_neper + np.float32(6.9)
        np.clip(loss, np.float32(0), np.float32(45), out=loss)  # J(v) < 0 means no obstacle
        level = np.float32(c + gain) - np.float32(b) * logd[a0:a1, b0:b1] - loss
        target = levels[t][i0 + a0:i0 + a1, j0 + b0:j0 + b1]
        np.maximum(target, level, out=target)


def _coverage(out: Path, sites: list[dict[str, Any]], grid: _Grid, elev: np.ndarray,
              valid: np.ndarray, crs: CRS, to_ll: Transformer, rng: np.random.Generator
              ) -> list[dict[str, Any]]:
    """Compute every carrier's coverage, write it in mixed formats, return project entries."""
    entries: list[dict[str, Any]] = []
    for carrier in _CARRIERS:
        techs = [t for t in ("2G", "3G", "4G", "5G") if (carrier.name, t) in _FORMATS]
        levels = {t: np.full((grid.ny, grid.nx), _FLOOR_DBM - 20, dtype=np.float32) for t in techs}
        for site in sites:
            if site["carrier"] == carrier.name:
                _site_levels(site, grid, elev, levels)
        fading = 5.0 * _smooth_noise(rng, grid, 1500)
        for t in techs:
            level = levels.pop(t) + fading + 2.0 * _smooth_noise(rng, grid, 600)
            level = np.clip(level, _FLOOR_DBM, -30.0)
            kind, thr = _FORMATS[(carrier.name, t)], _THRESHOLDS[t]
            stem = f"{carrier.name.lower()}_{t.lower()}"
            entry: dict[str, Any] = {"carrier": carrier.name, "technology": t}
            if kind == "gpkg":
                covered = ((level >= thr) & valid).astype(np.uint8)
                entry = {"path": f"coverage/{stem}.gpkg", **entry, "layer": stem}
                _write_polygons(out / entry["path"], stem, covered, grid, to_ll,
                                {"carrier": carrier.name, "technology": t, "threshold_dbm": thr})
            elif kind == "mask":
                data = np.where(valid, level >= thr, 255).astype(np.uint8)
                entry = {"path": f"coverage/{stem}.tif", **entry, "values": "mask"}
                _write_raster(out / entry["path"], data, grid, crs, 255)
            elif kind == "i16":
                data = np.where(valid, np.rint(level), -32768).astype(np.int16)
                entry = {"path": f"coverage/{stem}.tif", **entry, "values": "dbm", "threshold": thr}
                _write_raster(out / entry["path"], data, grid, crs, -32768)
            else:
                data = np.where(valid, np.round(level, 1), -9999).astype(np.float32)
                entry = {"path": f"coverage/{stem}.tif", **entry, "values": "dbm", "threshold": thr}
                _write_raster(out / entry["path"], data, grid, crs, -9999)
            entries.append(entry)
    return entries


# ----------------------------------------------------------------------------- fibre


def _fibre(path: Path, roads: list[FloatArray], kinds: list[str], vil: dict[str, Any],
           to_ll: Transformer, rng: np.random.Generator) -> None:
    """Fibre along most roads, plus access spurs to most villages off the backbone."""
    owners = ("VNPT", "Viettel", "MobiFone")
    keep = rng.random(len(roads)) < np.where(np.array(kinds) == "main", 0.93, 0.6)
    lines = [r for r, k in zip(roads, keep, strict=True) if k] or roads[:1]
    owner = list(rng.choice(owners, size=len(lines), p=[0.45, 0.45, 0.1]))
    tree = shapely.STRtree(_linestrings(lines))
    pts = shapely.points(vil["x"], vil["y"])
    (_, nearest), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    pop, z = vil["population"], vil["elev"]
    centre = np.zeros(len(pop), dtype=bool)
    communes = np.asarray(vil["commune"])
    for c in np.unique(communes):
        idx = np.flatnonzero(communes == c)
        centre[idx[np.argmax(pop[idx])]] = True
    p = (0.99 * np.exp(-((dist / 9000.0) ** 2)) * (0.75 + 0.25 * np.minimum(1, pop / 600))
         * np.exp(-np.maximum(z - 300, 0) / 1400))
    spur = (dist > 300) & ((rng.random(len(p)) < p) | centre)
    ids = [f"F{i + 1:04d}" for i in range(len(lines))]
    backbone = tree.geometries
    for n_spur, k in enumerate(np.flatnonzero(spur), start=1):
        link = shapely.shortest_line(backbone[nearest[k]], pts[k])
        (ax, ay), (bx, by) = shapely.get_coordinates(link)
        bend = rng.normal(0.0, 0.08)
        mx, my = (ax + bx) / 2 - bend * (by - ay), (ay + by) / 2 + bend * (bx - ax)
        lines.append(np.round(np.array([[ax, ay], [mx, my], [bx, by]]), 0))
        owner.append(owner[nearest[k]])
        ids.append(f"S{n_spur:06d}")
    _write_lines(path, "fibre", {"route_id": ids, "owner": [str(o) for o in owner]}, lines, to_ll)


# ----------------------------------------------------------------------------- writers


@contextlib.contextmanager
def _fixed_gdal_date() -> Iterator[None]:
    """Pin the timestamp GeoPackages record, so that files are byte-identical across runs."""
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _write_gpkg(path: Path, layer: str, columns: dict[str, Any], geoms: Any,
                geometry_type: str) -> None:
    path.unlink(missing_ok=True)
    gdf = gpd.GeoDataFrame(columns, geometry=list(geoms), crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG", geometry_type=geometry_type)


def _write_lines(path: Path, layer: str, columns: dict[str, Any], lines: list[FloatArray],
                 to_ll: Transformer) -> None:
    geoms = shapely.transform(_linestrings(lines), to_ll.transform, interleaved=False)
    _write_gpkg(path, layer, columns, shapely.set_precision(geoms, 1e-6), "LineString")


def _linestrings(lines: list[FloatArray]) -> np.ndarray:
    index = np.repeat(np.arange(len(lines)), [len(line) for line in lines])
    return shapely.linestrings(np.concatenate(lines), indices=index)


def _write_points(path: Path, layer: str, sites: list[dict[str, Any]], to_ll: Transformer) -> None:
    lon, lat = to_ll.transform([s["x"] for s in sites], [s["y"] for s in sites])
    cols = {k: [s[k] for s in sites] for k in ("site_id", "carrier", "technologies", "height_m")}
    _write_gpkg(path, layer, cols, shapely.points(np.round(lon, 6), np.round(lat, 6)), "Point")


def _write_polygons(path: Path, layer: str, covered: np.ndarray, grid: _Grid,
                    to_ll: Transformer, attrs: dict[str, Any]) -> None:
    polys = [shapely.geometry.shape(g) for g, _ in
             shapes(covered, mask=covered.astype(bool), transform=grid.transform)]
    geom = shapely.simplify(shapely.MultiPolygon(polys), grid.res * 0.6)
    geom = shapely.transform(_multipolygons(np.array([shapely.make_valid(geom)]))[0],
                             to_ll.transform, interleaved=False)
    geom = _multipolygons(np.array([shapely.set_precision(geom, 1e-6)]))[0]
    _write_gpkg(path, layer, {k: [v] for k, v in attrs.items()}, [geom], "MultiPolygon")


def _write_raster(path: Path, data: np.ndarray, grid: _Grid, crs: CRS, nodata: float) -> None:
    path.unlink(missing_ok=True)
    profile = {
        "driver": "GTiff", "width": grid.nx, "height": grid.ny, "count": 1,
        "dtype": data.dtype.name, "crs": crs.to_wkt(), "transform": grid.transform,
        "nodata": nodata, "compress": "lzw", "tiled": True, "blockxsize": 256,
        "blockysize": 256, "predictor": 3 if data.dtype.kind == "f" else 2,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def _write_villages(path: Path, vil: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["village_id", "name", "commune_code", "population", "households", "lon", "lat"])
        for row in zip(vil["village_id"], vil["name"], vil["commune_code"], vil["population"],
                       vil["households"], vil["lon"], vil["lat"], strict=True):
            w.writerow([*row[:3], int(row[3]), int(row[4]), f"{row[5]:.6f}", f"{row[6]:.6f}"])


def _readme(seed: int, synthetic_communes: bool, villages: int) -> str:
    communes_vi = ("ranh giới xã cũng là tổng hợp (ô Voronoi quanh tâm xã thật)"
                   if synthetic_communes else "ranh giới xã là dữ liệu thật")
    communes_en = ("the commune boundaries are synthetic too (Voronoi cells around real commune "
                   "centroids)" if synthetic_communes else "the commune boundaries are real")
    return (
        "DỮ LIỆU TỔNG HỢP — KHÔNG PHẢI DỮ LIỆU THẬT\n"
        f"Mọi lớp dữ liệu trong thư mục này ({villages} thôn/bản, trạm phát sóng, vùng phủ sóng "
        f"2G-5G, tuyến cáp quang, đường, địa hình) là dữ liệu tổng hợp do coverage-gaps tạo ra "
        f"với hạt giống (seed) {seed}; {communes_vi}. Chỉ dùng để minh họa và kiểm thử.\n\n"
        "SYNTHETIC DATA — NOT REAL\n"
        f"Every layer in this folder ({villages} villages, cell sites, 2G-5G coverage, fibre "
        f"routes, roads, terrain) is synthetic, generated by coverage-gaps with seed {seed}; "
        f"{communes_en}. For demonstration and testing only.\n"
    )


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)

"""Synthetic but realistic demo data: villages, cell sites, coverage and fibre.

No public data exists for Vietnamese villages (thôn, bản), cell sites, mobile coverage or fibre
routes, so coverage-gaps generates them. **Every layer written here is synthetic** except the
commune boundaries when a real commune file is given. The layers are seeded and deterministic:
the same arguments give byte-identical files.

The model, stage by stage (each stage draws from its own random generator, so changing one
stage does not shift the others):

1. **Communes.** Either a real polygon file, or Voronoi cells around the real centroids of one
   province's communes (from ``vietnamadminunits``), clipped to an outline made of discs of
   each commune's real area.
2. **Roads.** A minimum spanning tree of the communes' representative points (Prim's
   algorithm) plus a few short extra links, drawn as jittered polylines. Links that would
   mostly run over the sea are dropped.
3. **Terrain.** Elevation on a metric grid (UTM 48N or 49N, at most ~4 million cells):
   Gaussian ridges running north-west to south-east, peaks and smooth noise, scaled by a
   ruggedness that grows with commune size (large communes are mountainous, small ones
   lowland or urban), with valleys carved along the roads.
4. **Villages.** Candidate points drawn uniformly inside the communes and weighted towards low
   ground, roads and settlement clusters; villages are sampled from them, at least a couple
   per commune. Names follow local habits (Thôn, Bản, Xóm, Tổ dân phố); populations are
   lognormal (median ~500) and smaller in high terrain.
5. **Cell sites.** Per carrier, sites are sampled from settlement-weighted candidates with a
   minimum spacing; each commune gets a share of them by area and population. Viettel has
   the most sites, Vietnamobile the fewest (dense places only); 5G only in the densest places.
6. **Coverage.** Received level (dBm) = ``C - B log10(d_km)`` (Hata-like; 2G reaches
   farthest, 5G least) minus the ITU-R P.526 knife-edge loss of the worst terrain obstacle
   sampled along each path, maximised over a carrier's sites, plus smooth shadow fading.
   Layers are written in the mix of formats carriers and regulators exchange: dBm GeoTIFFs
   (float32, int16), 0/1 mask GeoTIFFs and coverage polygons. MobiFone's 4G and 5G are
   given as a *site list* instead (``coverage/mobifone_sites.csv``: one row per sector and
   technology, with the bands used in Vietnam, LTE 900/1800/2100/2600 and NR 3500 MHz,
   antenna heights, azimuths, beamwidths and EIRP per resource element), which the pipeline
   turns into predicted coverage (``kind: sites``, ``model: hata+terrain`` over
   ``elevation.tif``, the terrain of stage 3).
7. **Fibre.** Routes along most roads plus access spurs to most villages off the backbone.
8. **Drive tests.** Every road driven twice, on two days of a week, a test every 250 m for
   each carrier's 4G: the signal is the generator's own truth (the level grid of stage 6)
   plus 4 dB of measurement noise, with a download speed on a third of the tests. One
   carrier (Viettel, 4G) **declares more than it serves in one district** (a tenth of the
   communes, around one drawn at random): there its truth is 20 dB below the layer it
   writes (sites planned but not on air), so the drive tests challenge it
   (``measurements:`` and ``challenges:`` in ``project.yml``; docs/EVIDENCE.md).

``project.yml`` then describes everything for the pipeline (with a ``planning:`` section:
where to build 10 new 4G sites, on the DEM written in stage 3), and ``README.txt`` says, in
Vietnamese and English, that the data is synthetic.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import math
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
import yaml
from pyproj import CRS, Transformer
from rasterio.features import rasterize, shapes
from rasterio.transform import Affine

from ._errors import InputDataError
from .analysis.crs import utm_crs_for_geometries
from .io.writers import fixed_gdal_date

__all__ = ["generate_province"]

FloatArray = np.ndarray[Any, np.dtype[np.floating[Any]]]
Rng = np.random.Generator

#: "Covered" levels (dBm) used for the masks and polygons, and written into project.yml.
_THRESHOLDS = {"2G": -100.0, "3G": -100.0, "4G": -105.0, "5G": -110.0}
#: Per technology: level at 1 km from a 30 m mast (dBm), slope (dB/decade), wavelength (m).
_RADIO = {
    "2G": (-68.0, 35.0, 0.33),
    "3G": (-73.0, 38.0, 0.143),
    "4G": (-76.0, 38.0, 0.167),
    "5G": (-97.0, 38.0, 0.086),
}
_FLOOR_DBM = -125.0
_MAX_RADIUS_M = 20_000.0
_PATH_SAMPLES = (0.04, 0.1, 0.18, 0.28, 0.4, 0.52, 0.64, 0.76, 0.87, 0.95)
_EARTH_2R = 2 * 8.5e6  # twice the effective earth radius (k = 4/3), metres
_MAX_CELLS = 4_000_000
#: The carrier and technology that declares more than it serves, in one district, and by how
#: much (dB its truth is below its written layer there: sites planned but not on air).
_OVERSTATED = ("Viettel", "4G", 20.0)
#: Drive tests: spacing along the roads (m), speed (km/h), measurement noise (dB), the file.
_DRIVE_STEP_M, _DRIVE_KMH, _DRIVE_NOISE_DB = 250.0, 40.0, 4.0
_DRIVE_FILE = "drive_test_2025-10.csv"
_DRIVE_START = np.datetime64("2025-10-01T00:00:00")


@dataclass(frozen=True)
class _Carrier:
    name: str
    prefix: str
    km2_per_site: float
    spacing_m: float
    tech_share: dict[str, float]  # share of sites with 2G/3G/4G; 5G: share of densest sites
    formats: dict[str, str]  # how each layer is written: f32, i16 (dBm), mask or gpkg
    dense_only: bool = False


_CARRIERS = (
    _Carrier("Viettel", "VTL", 15.0, 1700.0, {"2G": 0.9, "3G": 0.55, "4G": 0.97, "5G": 0.07},
             {"2G": "mask", "3G": "f32", "4G": "f32", "5G": "gpkg"}),
    _Carrier("VNPT", "VNP", 21.0, 2100.0, {"2G": 0.9, "3G": 0.7, "4G": 0.9, "5G": 0.05},
             {"2G": "mask", "3G": "gpkg", "4G": "f32", "5G": "gpkg"}),
    _Carrier("MobiFone", "MBF", 27.0, 2400.0, {"2G": 0.88, "3G": 0.7, "4G": 0.88, "5G": 0.04},
             {"2G": "gpkg", "3G": "gpkg", "4G": "sites", "5G": "sites"}),
    _Carrier("Vietnamobile", "VNM", 110.0, 2800.0, {"2G": 0.95, "4G": 0.85},
             {"2G": "gpkg", "4G": "i16"}, dense_only=True),
)  # fmt: skip

# Syllables of village names: Tày-Nùng (uplands) and Kinh (lowlands).
# fmt: off
_TAY_1 = (
    "Nà", "Khuổi", "Pác", "Lũng", "Phiêng", "Nặm", "Cốc", "Khau", "Pò", "Bó", "Vằng", "Thôm",
    "Slam", "Nà", "Khuổi", "Pác",
)
_TAY_2 = (
    "Pài", "Mạ", "Cuồng", "Phầy", "Lạn", "Ngòa", "Slác", "Hin", "Mò", "Dài", "Luông", "Chang",
    "Nưa", "Tẩu", "Vài", "Pục", "Cáy", "Nghè", "Quân", "Lừa", "Mèo", "Đin", "Thoong", "Khiếu",
    "Mới", "Làng", "Phiêng", "Nặm",
)
_KINH_1 = (
    "Tân", "Đồng", "Hòa", "Trung", "Thượng", "Hạ", "Làng", "Xuân", "Phú", "An", "Bình", "Tiến",
    "Quyết", "Hợp", "Thống", "Vĩnh", "Đông", "Tây", "Nam", "Mỹ", "Kim", "Hồng", "Minh", "Cầu",
    "Gốc", "Soi", "Bãi", "Đồng",
)
_KINH_2 = (
    "Tiến", "Lợi", "Bình", "Thành", "Hòa", "Mới", "Tâm", "Phong", "Sơn", "Lập", "Nhất", "Thịnh",
    "Trung", "Thắng", "Hưng", "Lạc", "Yên", "Phúc", "Cường", "Kết", "Long", "Xuân", "Tân",
    "Quang", "Chùa", "Đình", "Gạo", "Ngòi", "Trên", "Dưới",
)
# fmt: on


@dataclass(frozen=True)
class _Grid:
    """A north-up raster grid: left and top edges, cell size and shape."""

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
        """Rows and columns of the cells holding points ``(x, y)``, clipped to the grid."""
        col = np.clip(np.floor((np.asarray(x) - self.x0) / self.res), 0, self.nx - 1)
        row = np.clip(np.floor((self.y1 - np.asarray(y)) / self.res), 0, self.ny - 1)
        return row.astype(np.intp), col.astype(np.intp)

    def cell(self, x: float, y: float) -> tuple[int, int]:
        """Row and column of the cell holding one point, clipped to the grid."""
        row = min(max(math.floor((self.y1 - y) / self.res), 0), self.ny - 1)
        return row, min(max(math.floor((x - self.x0) / self.res), 0), self.nx - 1)

    def window(self, x: float, y: float, radius: float) -> tuple[int, int, int, int]:
        """Row and column ranges of the square of cells within `radius` of a point."""
        r, (row, col) = int(radius / self.res) + 1, self.cell(x, y)
        return (
            max(row - r, 0),
            min(row + r + 1, self.ny),
            max(col - r, 0),
            min(col + r + 1, self.nx),
        )

    def burn(self, geoms: Any, values: Any = 1, dtype: str = "uint8") -> np.ndarray:
        """Rasterise geometries (with one value each, or the same value) on this grid."""
        pairs = zip(geoms, np.broadcast_to(values, len(geoms)).tolist(), strict=True)
        return rasterize(pairs, out_shape=(self.ny, self.nx), transform=self.transform, dtype=dtype)


@dataclass(frozen=True)
class _Area:
    """The communes: codes and names, geometry in EPSG:4326 and in the metric working CRS."""

    codes: list[str]
    names: list[str]
    geoms: np.ndarray  # EPSG:4326, exactly as written or read
    geoms_m: np.ndarray
    coarse: np.ndarray  # simplified, for rasterising
    areas: FloatArray  # km²
    crs: CRS
    to_ll: Transformer
    grid: _Grid
    land: np.ndarray


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
        Folder to write into; created if missing. The files it writes are overwritten.
    communes
        Real commune polygons (any vector file). ``None`` builds synthetic communes around the
        real centroids of province `province_code`. A real file is referred to by absolute
        path in ``project.yml``, never copied.
    communes_layer, communes_where
        Layer name and OGR SQL ``WHERE`` filter for `communes`, e.g. ``"provinceCode = '19'"``.
    id_column, name_column, province_column
        Columns of `communes` holding the commune code, its name and its province code.
    villages
        Number of villages to place (at least two per commune when there are enough).
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
    (out / "coverage").mkdir(parents=True, exist_ok=True)
    # one generator per stage; child i of a SeedSequence does not depend on how many are
    # spawned, so a stage added last (drive tests, then the site lists) leaves the others as
    # they were
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(11)]

    with fixed_gdal_date():
        if communes is None:
            codes, names, geoms, title, entry = _write_synthetic_communes(
                out, str(province_code), rngs[0]
            )
        else:
            codes, names, geoms, title, entry = _real_communes(
                Path(communes).resolve(),
                layer=communes_layer,
                where=communes_where,
                columns=(id_column, name_column, province_column),
            )
        coverage = _write_layers(out, _prepare(codes, names, geoms), villages, rngs)

    project = _project(name or f"{title} (synthetic demo)", entry, coverage)
    text = yaml.safe_dump(project, allow_unicode=True, sort_keys=False, width=100)
    (out / "project.yml").write_text(text, encoding="utf-8")
    (out / "README.txt").write_text(_readme(seed, communes is None, villages), encoding="utf-8")
    return out / "project.yml"


def _write_synthetic_communes(
    out: Path, province_code: str, rng: Rng
) -> tuple[list[str], list[str], np.ndarray, str, dict[str, Any]]:
    """Write ``communes.gpkg`` (Voronoi communes of one province); return the communes'
    codes, names and geometries, the province name and the ``communes:`` entry."""
    codes, names, provs, geoms, title = _synthetic_communes(province_code, rng)
    columns = {"code": codes, "fullName": names, "provinceCode": provs}
    _write_gpkg(out / "communes.gpkg", "communes", columns, geoms, "MultiPolygon")
    entry: dict[str, Any] = {"path": "communes.gpkg", "layer": "communes", "id": "code"}
    entry |= {"name": "fullName", "province": "provinceCode"}
    return codes, names, geoms, title, entry


def _real_communes(
    src: Path, *, layer: str | None, where: str | None, columns: tuple[str, str, str | None]
) -> tuple[list[str], list[str], np.ndarray, str, dict[str, Any]]:
    """Read a real commune file (referred to, never copied); return the communes' codes,
    names and geometries, a title and the ``communes:`` entry."""
    id_column, name_column, province_column = columns
    codes, names, _, geoms, title, layer = _read_communes(src, layer, where, *columns)
    entry: dict[str, Any] = {"path": str(src), "layer": layer}
    entry |= {"where": where} if where else {}
    entry |= {"id": id_column, "name": name_column}
    entry |= {"province": province_column} if province_column else {}
    return codes, names, geoms, title, entry


def _write_layers(out: Path, area: _Area, villages: int, rngs: list[Rng]) -> list[dict[str, Any]]:
    """Write roads, elevation, villages, facilities, sites, coverage and fibre (stages 2-7,
    each from its own generator); return the ``coverage:`` entries of ``project.yml``."""
    reps = shapely.get_coordinates(shapely.point_on_surface(area.geoms_m))
    roads, kinds = _roads(reps, area, rngs[1])
    road_dist = _road_distance(area.grid, roads, cap=8000.0)
    elev = _terrain(area, road_dist, rngs[2])
    ids = [f"R{i + 1:04d}" for i in range(len(roads))]
    _write_lines(out / "roads.gpkg", "roads", {"road_id": ids, "kind": kinds}, roads, area)
    _write_raster(out / "elevation.tif", np.rint(elev).astype(np.int16), area, -32768)

    vil, cand = _villages(villages, area, elev, road_dist, rngs[3])
    vil["name"] = _village_names(vil, rngs[4])
    vil["electricity"] = _electricity(vil, rngs[8])
    _write_villages(out / "villages.csv", vil)
    _facilities(out / "facilities.gpkg", vil, area)
    sites = _sites(cand, vil, area, elev, rngs[5])
    _write_points(out / "sites.gpkg", sites, area)
    drive = _drive_routes(roads, area, rngs[9])
    district = _district(area, reps, rngs[9])
    coverage, truth = _coverage(out, sites, area, elev, rngs[6], district=district, probe=drive)
    _fibre(out / "fibre.gpkg", roads, kinds, vil, area, rngs[7])
    _write_drive_tests(out / _DRIVE_FILE, drive, truth, area, rngs[9])
    for entry in coverage:
        if entry.get("kind") == "sites":
            _write_site_list(out / entry["path"], sites, entry["carrier"], area, rngs[10])
    return coverage


def _project(name: str, communes: dict[str, Any], coverage: list[dict[str, Any]]) -> dict[str, Any]:
    """The content of ``project.yml`` for the files written."""
    return {
        "name": name,
        "synthetic": True,
        "communes": communes,
        "villages": {"path": "villages.csv", "id": "village_id", "name": "name",
                     "population": "population", "x": "lon", "y": "lat", "crs": "EPSG:4326",
                     "commune": "commune_code", "households": "households",
                     "electricity": "electricity"},
        "coverage": coverage,
        "fibre": {"path": "fibre.gpkg", "layer": "fibre", "max_distance_m": 1000, "owner": "owner"},
        "sites": {"path": "sites.gpkg", "layer": "sites", "carrier": "carrier",
                  "technologies": "technologies"},
        "facilities": {"path": "facilities.gpkg", "layer": "facilities", "kind": "kind"},
        "priority": {"dem": "elevation.tif"},
        "planning": _planning(),
        "measurements": [{"path": _DRIVE_FILE, "carrier": "carrier", "technology": "technology",
                          "signal": "rsrp_dbm", "download_mbps": "dl_mbps", "time": "timestamp",
                          "x": "lon", "y": "lat", "crs": "EPSG:4326"}],
        "challenges": {"hex_resolution": 8, "village_radius_m": 500, "min_tests": 5,
                       "min_failing_share": 0.5, "min_hours_apart": 4,
                       "speed_mbps": {"4G": 5, "5G": 7}},
        "output": "../results",
    }  # fmt: skip


def _planning() -> dict[str, Any]:
    """The ``planning:`` entry of ``project.yml``: where to build 10 new 4G sites for the
    mobile gap, candidates generated on the DEM's high points, terrain-aware coverage."""
    return {
        "technology": "4G",
        "generate": {"spacing_m": 1000, "near_gap_m": 15000},
        "model": "hata+terrain",
        "dem": "elevation.tif",
        "budget": {"sites": 10},
        "method": "auto",
        "min_people": 0,
    }


# ----------------------------------------------------------------------------- communes


def _synthetic_communes(
    province_code: str, rng: Rng
) -> tuple[list[str], list[str], list[str], np.ndarray, str]:
    """Voronoi communes around the real commune centroids of one province (EPSG:4326)."""
    with contextlib.closing(_admin_db()) as con:
        rows = con.execute(
            "SELECT wardCode, ward, provinceCode, provinceShort, wardLon, wardLat, wardAreaKm2 "
            "FROM admin_units WHERE provinceCode = ? ORDER BY wardCode",
            (province_code.zfill(2),),
        ).fetchall()
    if len(rows) < 2:
        msg = f"province code {province_code!r} has fewer than two communes in vietnamadminunits."
        raise InputDataError(msg, source="province_code")
    lon, lat, km2 = (np.array([r[k] or 50.0 for r in rows], dtype=float) for k in (4, 5, 6))
    crs = utm_crs_for_geometries(gpd.GeoSeries(shapely.points(lon, lat), crs=4326))
    x, y = (
        np.round(v, 1) for v in Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    )
    for i in range(1, len(x)):  # separate duplicate centroids, which Voronoi would merge
        while np.any((x[:i] == x[i]) & (y[:i] == y[i])):
            x[i] += rng.uniform(50, 150)
    pts = shapely.points(x, y)
    outline = shapely.union_all(shapely.buffer(pts, 1200.0 * np.sqrt(km2 / np.pi), quad_segs=16))
    outline = shapely.buffer(shapely.buffer(outline, 3000.0, quad_segs=8), -3000.0, quad_segs=8)
    frame = shapely.buffer(outline, 10_000.0).envelope
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame, ordered=True)
    cells = _multipolygons(
        shapely.make_valid(shapely.intersection(shapely.get_parts(cells), outline))
    )
    to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
    geoms = shapely.transform(cells, to_ll.transform, interleaved=False)
    geoms = _multipolygons(shapely.set_precision(geoms, 1e-6))
    if shapely.is_empty(geoms).any() or not shapely.is_valid(geoms).all():
        raise AssertionError("a synthetic commune is empty or invalid")
    codes, names, provs = ([str(r[k]) for r in rows] for k in (0, 1, 2))
    return codes, [_nfc(n) for n in names], provs, geoms, _nfc(rows[0][3])


def _read_communes(
    path: Path,
    layer: str | None,
    where: str | None,
    id_col: str,
    name_col: str,
    prov_col: str | None,
) -> tuple[list[str], list[str], list[str], np.ndarray, str, str]:
    """Read real commune polygons; return them in EPSG:4326, sorted by code."""
    if not path.exists():
        raise InputDataError(f"the commune file {path} does not exist.", source=str(path))
    layer = layer or str(pyogrio.list_layers(path)[0][0])
    cols = [c for c in (id_col, name_col, prov_col) if c]
    gdf = pyogrio.read_dataframe(path, layer=layer, where=where, columns=cols)
    missing = [c for c in cols if c not in gdf.columns]
    if missing or gdf.empty:
        what = f"columns {missing} are missing" if missing else "no commune matches"
        raise InputDataError(f"{what} (layer {layer!r}, where {where!r}).", source=str(path))
    gdf = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)
    gdf["_code"] = gdf[id_col].astype(str)
    gdf = gdf.sort_values("_code", kind="stable")
    geoms = _multipolygons(shapely.make_valid(np.asarray(gdf.geometry.values, dtype=object)))
    keep = ~shapely.is_empty(geoms)
    provs = gdf[prov_col].astype(str) if prov_col else gdf["_code"].str[:0]
    title = path.stem
    if prov_col and provs.nunique() == 1:
        title = _province_name(str(provs.iloc[0])) or title
    names = [_nfc(str(v)) for v in gdf[name_col][keep]]
    return list(gdf["_code"][keep]), names, list(provs[keep]), geoms[keep], title, layer


def _admin_db() -> sqlite3.Connection:
    """Read-only connection to vietnamadminunits' table of the 3,321 communes of 2025."""
    spec = importlib.util.find_spec("vietnamadminunits")  # found, not imported (slow import)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits is needed for the synthetic communes")
    db = Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    return sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)


def _province_name(code: str) -> str | None:
    with contextlib.closing(_admin_db()) as con:
        query = "SELECT provinceShort FROM admin_units WHERE provinceCode = ? LIMIT 1"
        row = con.execute(query, (code.zfill(2),)).fetchone()
    return _nfc(row[0]) if row else None


def _multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Keep the non-empty polygonal parts of each geometry, as MultiPolygons."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        parts = shapely.get_parts(shapely.get_parts(g))  # collections may hold multipolygons
        out[i] = shapely.MultiPolygon(
            [p for p in parts if isinstance(p, shapely.Polygon) and not p.is_empty]
        )
    return out


def _prepare(codes: list[str], names: list[str], geoms: np.ndarray) -> _Area:
    """Project the communes to the working CRS and lay a grid of at most ~4 M cells on them."""
    crs = utm_crs_for_geometries(gpd.GeoSeries(geoms, crs=4326))
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    geoms_m = shapely.transform(geoms, to_m.transform, interleaved=False)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms_m) + np.array([-1, -1, 1, 1]) * 5000.0
    res = max(250.0, math.ceil(math.sqrt((maxx - minx) * (maxy - miny) / _MAX_CELLS) / 50) * 50)
    x0, y1 = math.floor(minx / res) * res, math.ceil(maxy / res) * res
    grid = _Grid(x0, y1, res, math.ceil((maxx - x0) / res), math.ceil((y1 - miny) / res))
    coarse = shapely.simplify(geoms_m, res / 4)
    to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
    areas = shapely.area(geoms_m) / 1e6
    return _Area(codes, names, geoms, geoms_m, coarse, areas, crs, to_ll, grid, grid.burn(coarse))


# ----------------------------------------------------------------------------- roads, terrain


def _prim_mst(x: FloatArray, y: FloatArray) -> list[tuple[int, int]]:
    """Edges of the Euclidean minimum spanning tree (Prim's algorithm, O(n²) numpy)."""
    done = np.zeros(len(x), dtype=bool)
    best, parent = np.full(len(x), np.inf), np.zeros(len(x), dtype=np.intp)
    j, edges = 0, []
    for _ in range(len(x) - 1):
        done[j] = True
        d = np.hypot(x - x[j], y - y[j])
        closer = ~done & (d < best)
        best[closer], parent[closer] = d[closer], j
        best[j] = np.inf
        j = int(np.argmin(np.where(done, np.inf, best)))
        edges.append((int(parent[j]), j))
    return edges


def _roads(reps: FloatArray, area: _Area, rng: Rng) -> tuple[list[FloatArray], list[str]]:
    """MST roads plus a few short extra links, as jittered polylines (metres, rounded)."""
    x, y = reps[:, 0], reps[:, 1]
    edges = [(a, b, "main") for a, b in _prim_mst(x, y)]
    if len(x) > 3:
        median = float(np.median([math.hypot(x[a] - x[b], y[a] - y[b]) for a, b, _ in edges]))
        linked = {(min(a, b), max(a, b)) for a, b, _ in edges}
        for a in np.sort(rng.choice(len(x), size=max(1, len(x) // 6), replace=False)):
            d = np.hypot(x - x[a], y - y[a])
            for b in np.argsort(d, kind="stable")[1:4]:
                if (min(a, b), max(a, b)) not in linked and d[b] < 1.6 * median:
                    linked.add((min(a, b), max(a, b)))
                    edges.append((int(a), int(b), "link"))
                    break
    roads, kinds = [], []
    for a, b, kind in edges:
        dx, dy = x[b] - x[a], y[b] - y[a]
        length = max(math.hypot(dx, dy), 1.0)
        t = np.linspace(0.0, 1.0, 24)
        if length > 3000 and area.land[area.grid.rc(x[a] + t * dx, y[a] + t * dy)].mean() < 0.65:
            continue  # mostly over the sea
        n = int(np.clip(math.ceil(length / 2500.0), 1, 60))
        t = np.linspace(0.0, 1.0, n + 1)
        walk = np.concatenate([[0.0], np.cumsum(rng.standard_normal(n))])
        off = (walk - t * walk[-1]) * 0.07 * length / math.sqrt(n)  # a Brownian bridge
        line = np.column_stack(
            [x[a] + t * dx - off * dy / length, y[a] + t * dy + off * dx / length]
        )
        roads.append(np.round(line, 0))
        kinds.append(kind)
    return roads, kinds


def _road_distance(grid: _Grid, roads: list[FloatArray], cap: float) -> np.ndarray:
    """Distance (m, float32, at most `cap`) from every cell centre to the nearest road."""
    dist = np.full((grid.ny, grid.nx), cap, dtype=np.float32)
    xs, ys = grid.xs, grid.ys
    for line in roads:
        for (ax, ay), (bx, by) in zip(line[:-1], line[1:], strict=True):
            vx, vy = bx - ax, by - ay
            i0, i1, j0, j1 = grid.window((ax + bx) / 2, (ay + by) / 2, cap + math.hypot(vx, vy) / 2)
            px, py = xs[None, j0:j1] - ax, ys[i0:i1, None] - ay
            t = np.clip((px * vx + py * vy) / max(vx * vx + vy * vy, 1e-9), 0.0, 1.0)
            d = np.hypot(px - t * vx, py - t * vy).astype(np.float32)
            np.minimum(dist[i0:i1, j0:j1], d, out=dist[i0:i1, j0:j1])
    return dist


def _box_blur(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² square with clamped edges, by cumulative sums (float32)."""
    out = a.astype(np.float64)
    for axis in (0, 1) if r >= 1 else ():
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r + 1, r)
        c, n = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis), out.shape[axis]
        out = np.take(c, np.arange(2 * r + 1, 2 * r + 1 + n), axis=axis) - np.take(
            c, np.arange(n), axis=axis
        )
        out /= 2 * r + 1
    return out.astype(np.float32)


def _smooth_noise(rng: Rng, grid: _Grid, scale_m: float) -> np.ndarray:
    """Smooth random field (float32, unit standard deviation, correlation length `scale_m`)."""
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


def _terrain(area: _Area, road_dist: np.ndarray, rng: Rng) -> np.ndarray:
    """Elevation (m, float32): ridges, peaks and noise scaled by ruggedness, valleys on roads."""
    grid, areas = area.grid, area.areas
    rugged = np.clip((np.sqrt(areas) - 4.0) / 10.0, 0.04, 1.0)
    r = max(1, int(5000 / grid.res))
    weight = _box_blur(_box_blur(area.land, r), r)
    factor = _box_blur(_box_blur(grid.burn(area.coarse, rugged, "float32"), r), r)
    factor = np.where(weight > 1e-3, factor / np.maximum(weight, 1e-3), 0.0).astype(np.float32)

    relief = np.zeros((grid.ny, grid.nx), dtype=np.float32)
    xs, ys, bounds = grid.xs, grid.ys, shapely.bounds(area.geoms_m)
    n = int(np.clip(areas.sum() / 110.0, 24, 6000))
    which = rng.choice(len(areas), size=2 * n, p=areas / areas.sum())
    cx = rng.uniform(bounds[which, 0], bounds[which, 2])
    cy = rng.uniform(bounds[which, 1], bounds[which, 3])
    for k in range(2 * n):
        if k < n:  # a ridge, north-west to south-east on average
            along, across = rng.uniform(6000, 20000), rng.uniform(1500, 4000)
            angle, height = -0.7 + 0.35 * rng.standard_normal(), rng.uniform(250, 900)
        else:  # a peak
            along = across = rng.uniform(1200, 4000)
            angle, height = 0.0, rng.uniform(150, 600)
        i0, i1, j0, j1 = grid.window(cx[k], cy[k], 3 * along)
        dx, dy = xs[None, j0:j1] - cx[k], ys[i0:i1, None] - cy[k]
        u = (dx * math.cos(angle) + dy * math.sin(angle)) / along
        v = (dy * math.cos(angle) - dx * math.sin(angle)) / across
        relief[i0:i1, j0:j1] += (height * np.exp(-0.5 * (u * u + v * v))).astype(np.float32)
    relief += 110 * _smooth_noise(rng, grid, max(3000, 5 * grid.res))
    relief += 45 * _smooth_noise(rng, grid, max(1000, 2.5 * grid.res))
    valleys = 0.15 + 0.85 * (1 - np.exp(-((road_dist / 2500.0) ** 2)))
    base = 15 + 25 * (1 + np.tanh(_smooth_noise(rng, grid, 20000))) + 220 * factor
    elev = base + factor * np.maximum(relief, 0.0) * valleys
    return (1850.0 * np.tanh(elev / 1850.0)).astype(np.float32)


# ----------------------------------------------------------------------------- villages


def _villages(
    n: int, area: _Area, elev: np.ndarray, road_dist: np.ndarray, rng: Rng
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sample villages from settlement-weighted candidate points; also return the candidates."""
    grid = area.grid
    owner, x, y, lon, lat = _candidate_points(n, area, rng)
    rows, cols = grid.rc(x, y)
    cluster = np.exp(0.7 * _smooth_noise(rng, grid, 2500)[rows, cols])
    zc, near_road = elev[rows, cols], np.exp(-((road_dist[rows, cols] / 1800.0) ** 2))
    weight = np.exp(-zc / 650.0) * (0.3 + near_road) * cluster
    picked = _pick_villages(n, owner, weight, len(area.areas), rng)
    sel = picked[np.lexsort((lon[picked], -lat[picked], owner[picked]))]  # codes are sorted

    z = elev[rows[sel], cols[sel]]
    urban = np.array([area.names[o].startswith("Phường") for o in owner[sel]], dtype=bool)
    median = 520.0 * np.clip(np.exp(-(z - 100.0) / 1100.0), 0.35, 1.25) * np.where(urban, 1.4, 1)
    pop = np.clip(np.rint(median * np.exp(0.5 * rng.standard_normal(len(sel)))), 60, 5000)
    size = 4.2 * np.exp(0.06 * rng.standard_normal(len(sel)))
    vil = {
        "village_id": [f"V{i + 1:0{max(6, len(str(n)))}d}" for i in range(len(sel))],
        "commune_code": [area.codes[o] for o in owner[sel]],
        "commune": owner[sel],
        "population": pop.astype(np.int64),
        "households": np.maximum(1, np.rint(pop / size)).astype(np.int64),
        "lon": lon[sel], "lat": lat[sel], "x": x[sel], "y": y[sel], "elev": z, "urban": urban,
    }  # fmt: skip
    people = np.bincount(rows[sel] * grid.nx + cols[sel], weights=pop, minlength=grid.nx * grid.ny)
    dens = _box_blur(people.reshape(grid.ny, grid.nx), max(1, int(2500 / grid.res)))
    site_weight = np.exp(-zc / 200.0) * (0.15 + near_road) * cluster
    return vil, {
        "x": x,
        "y": y,
        "weight": site_weight,
        "density": dens[rows, cols],
        "commune": owner,
    }


def _candidate_points(
    n: int, area: _Area, rng: Rng
) -> tuple[np.ndarray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Uniform points inside the communes, about 14 n in all and at least 40 per commune:
    their commune, metric ``x, y`` and rounded ``lon, lat`` (sorted by commune)."""
    areas, bounds = area.areas, shapely.bounds(area.geoms_m)
    bbox = np.maximum((bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1]) / 1e6, 1e-6)
    want = np.maximum(40, np.ceil(14.0 * n / areas.sum() * areas))
    count = np.minimum(np.ceil(want * 1.15 * bbox / np.maximum(areas, 1e-6)), 40 * want)
    owner = np.repeat(np.arange(len(areas)), count.astype(np.intp))
    x = rng.uniform(bounds[owner, 0], bounds[owner, 2])
    y = rng.uniform(bounds[owner, 1], bounds[owner, 3])
    lon, lat = (np.round(v, 6) for v in area.to_ll.transform(x, y))
    shapely.prepare(area.geoms)
    inside = shapely.contains_xy(area.geoms[owner], lon, lat)  # as written: EPSG:4326, rounded
    return owner[inside], x[inside], y[inside], lon[inside], lat[inside]


def _pick_villages(
    n: int, owner: np.ndarray, weight: FloatArray, communes: int, rng: Rng
) -> np.ndarray:
    """Indices of `n` candidates drawn by `weight`, first up to two in every commune."""
    k_min, chosen = min(2, n // communes), [np.zeros(0, dtype=np.intp)]
    starts = np.searchsorted(owner, np.arange(communes + 1))
    for i in range(communes if k_min else 0):
        idx = np.arange(starts[i], starts[i + 1])
        if len(idx):
            p = weight[idx] / weight[idx].sum()
            chosen.append(rng.choice(idx, size=min(k_min, len(idx)), replace=False, p=p))
    picked = np.concatenate(chosen)
    rest = np.setdiff1d(np.arange(len(owner)), picked)
    if n - len(picked) > len(rest):
        raise InputDataError(f"could not place {n} villages in the communes.", source="villages")
    if n > len(picked):
        p = weight[rest] / weight[rest].sum()
        picked = np.concatenate(
            [picked, rng.choice(rest, size=n - len(picked), replace=False, p=p)]
        )
    return picked


def _village_names(vil: dict[str, Any], rng: Rng) -> list[str]:
    """Plausible Vietnamese village names, unique within each commune (NFC)."""
    out: list[str] = []
    communes = np.asarray(vil["commune"])
    starts = np.flatnonzero(np.r_[True, communes[1:] != communes[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(communes)], strict=True):
        urban = bool(vil["urban"][s])
        mountain = float(np.clip((np.mean(vil["elev"][s:e]) - 150.0) / 450.0, 0.0, 1.0))
        numbered = rng.random() < (0.55 if urban else 0.3 * (1 - mountain))
        main = "Tổ dân phố" if urban else "Xóm" if rng.random() < 0.35 else "Thôn"
        used: set[str] = set()
        for k in range(e - s):
            prefix = "Bản" if not (urban or numbered) and rng.random() < 0.65 * mountain else main
            label = str(k + 1)
            if not numbered:
                tay = rng.random() < 0.1 + 0.85 * mountain and not urban
                first, second = (_TAY_1, _TAY_2) if tay else (_KINH_1, _KINH_2)
                for _ in range(12):
                    a, b = first[rng.integers(len(first))], second[rng.integers(len(second))]
                    if a != b and f"{a} {b}" not in used:
                        label = f"{a} {b}"
                        break
                else:
                    label = f"{a} {b} {k + 1}"
                used.add(label)
            out.append(_nfc(f"{prefix} {label}"))
    return out


# ----------------------------------------------------------------------------- sites, coverage


def _sites(
    cand: dict[str, Any], vil: dict[str, Any], area: _Area, elev: np.ndarray, rng: Rng
) -> list[dict[str, Any]]:
    """Cell sites per carrier, with a minimum spacing, biased to settlements and density.

    Each commune's expected share of a carrier's sites is half its share of the area and half
    its share of the population (national operators serve every commune); within a commune,
    sites go to low, settled ground near roads.
    """
    sites: list[dict[str, Any]] = []
    dens, owner, areas = np.maximum(cand["density"], 0.0), cand["commune"], area.areas
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
        size = min(int(np.count_nonzero(w)), 8 * target)
        cell, kept = carrier.spacing_m, []
        taken: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for i in rng.choice(len(w), size=size, replace=False, p=w / w.sum()):
            px, py = float(cand["x"][i]), float(cand["y"][i])
            gx, gy = int(px // cell), int(py // cell)
            near = [
                q for a in (-1, 0, 1) for b in (-1, 0, 1) for q in taken.get((gx + a, gy + b), ())
            ]
            if all((px - qx) ** 2 + (py - qy) ** 2 >= cell * cell for qx, qy in near):
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
            shares = [carrier.tech_share.get(t, 0.0) for t in ("2G", "3G", "4G")]
            techs = [
                t for t, u, s in zip(("2G", "3G", "4G"), draws[k], shares, strict=True) if u < s
            ]
            techs += ["5G"] if "5G" in carrier.tech_share and dens[i] >= top5g else []
            x, y = float(cand["x"][i]), float(cand["y"][i])
            sites.append({
                "site_id": f"{carrier.prefix}-{k + 1:05d}", "carrier": carrier.name,
                "technologies": ",".join(techs or ["4G"]), "height_m": int(heights[k]),
                "x": x, "y": y, "ground_m": float(elev[area.grid.cell(x, y)]),
                "offset_db": float(offsets[k]),
            })  # fmt: skip
    return sites


def _site_levels(
    site: dict[str, Any], grid: _Grid, elev: np.ndarray, levels: dict[str, Any]
) -> None:
    """Raise each technology's level grid to this site's received level, in place.

    Path loss is ``C - B log10(d_km)``; the diffraction loss is the ITU-R P.526 single knife
    edge ``J(v)`` of the worst obstacle among a few terrain samples along each path (earth
    bulge included). Everything is vectorised over the cells of a window around the site.
    """
    techs = [t for t in site["technologies"].split(",") if t in levels]
    radius = {
        t: min(_MAX_RADIUS_M, 1000 * 10 ** ((_RADIO[t][0] - _FLOOR_DBM) / _RADIO[t][1]))
        for t in techs
    }
    sx, sy, h = site["x"], site["y"], site["height_m"]
    i0, i1, j0, j1 = grid.window(sx, sy, max(radius.values()))
    ic, jc = grid.cell(sx, sy)
    dx = (grid.xs[j0:j1] - sx).astype(np.float32)[None, :]
    dy = (grid.ys[i0:i1] - sy).astype(np.float32)[:, None]
    d = np.maximum(np.sqrt(dx * dx + dy * dy), np.float32(50.0))
    z_tx = site["ground_m"] + h
    win = elev[i0:i1, j0:j1]
    rise = win + np.float32(1.5 - z_tx)  # receiver (1.5 m) above the antenna top
    rows, cols = np.arange(i0, i1) - ic, np.arange(j0, j1) - jc
    nu = np.full(d.shape, -np.inf, dtype=np.float32)
    inv_sqrt_d, bulge = 1.0 / np.sqrt(d), d * d * np.float32(1 / _EARTH_2R)
    for t in _PATH_SAMPLES:
        rr = np.rint(ic - i0 + t * rows).astype(np.intp)
        cc = np.rint(jc - j0 + t * cols).astype(np.intp)
        clear = win.take(rr, axis=0).take(cc, axis=1) - np.float32(z_tx)
        clear += bulge * np.float32(t * (1 - t))
        clear -= rise * np.float32(t)
        clear *= inv_sqrt_d
        clear *= np.float32(math.sqrt(2 / (t * (1 - t))))
        # a sample in or next to an end cell is that end, not an obstacle
        np.putmask(clear, d < np.float32(1.5 * grid.res / min(t, 1 - t)), np.float32(-np.inf))
        np.maximum(nu, clear, out=nu)
    logd = np.log(d * np.float32(1e-3)) * np.float32(1 / math.log(10))
    gain = 12.0 * math.log10(h / 30.0) + site["offset_db"]
    for t in techs:
        c, b, lam = _RADIO[t]
        r = int(radius[t] / grid.res) + 1
        a0, a1 = max(ic - r, i0) - i0, min(ic + r + 1, i1) - i0
        b0, b1 = max(jc - r, j0) - j0, min(jc + r + 1, j1) - j0
        v = nu[a0:a1, b0:b1] * np.float32(1 / math.sqrt(lam)) - np.float32(0.1)
        np.maximum(v, np.float32(-1.0), out=v)
        loss = np.log(np.sqrt(v * v + np.float32(1)) + v) * np.float32(20 / math.log(10)) + 6.9
        np.clip(loss, np.float32(0), np.float32(45), out=loss)  # J(v) < 0: no obstacle
        level = np.float32(c + gain) - np.float32(b) * logd[a0:a1, b0:b1] - loss
        target = levels[t][i0 + a0 : i0 + a1, j0 + b0 : j0 + b1]
        np.maximum(target, level, out=target)


def _coverage(
    out: Path,
    sites: list[dict[str, Any]],
    area: _Area,
    elev: np.ndarray,
    rng: Rng,
    *,
    district: np.ndarray,
    probe: dict[str, np.ndarray],
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], np.ndarray]]:
    """Compute each carrier's coverage, write it in mixed formats; return the project
    entries and the true level of each 4G layer at the ``probe`` points (``x``, ``y``).
    The :data:`_OVERSTATED` layer's truth is below what is written in the ``district``."""
    grid, entries, truth = area.grid, [], {}
    rows, cols = grid.rc(probe["x"], probe["y"])
    valid = grid.burn(shapely.buffer(area.coarse, 2000.0, quad_segs=4)).astype(bool)
    for carrier in _CARRIERS:
        shape = (grid.ny, grid.nx)
        levels = {t: np.full(shape, _FLOOR_DBM - 20, dtype=np.float32) for t in carrier.formats}
        for site in sites:
            if site["carrier"] == carrier.name:
                _site_levels(site, grid, elev, levels)
        fading = 5.0 * _smooth_noise(rng, grid, 1500)
        for t, kind in carrier.formats.items():
            level = levels.pop(t) + fading + 2.0 * _smooth_noise(rng, grid, 600)
            level = np.clip(level, _FLOOR_DBM, -30.0)
            if t == "4G":
                truth[(carrier.name, t)] = level[rows, cols]
                if (carrier.name, t) == _OVERSTATED[:2]:  # serves less than it declares there
                    served = np.where(district, level - _OVERSTATED[2], level)
                    truth[(carrier.name, t)] = np.clip(served, _FLOOR_DBM, -30.0)[rows, cols]
            if kind == "sites":  # predicted by the pipeline from the site list
                if _site_list_entry(carrier) not in entries:
                    entries.append(_site_list_entry(carrier))
                continue
            thr, stem = _THRESHOLDS[t], f"{carrier.name.lower()}_{t.lower()}"
            entry: dict[str, Any] = {"path": f"coverage/{stem}.tif", "carrier": carrier.name}
            entry["technology"] = t
            if kind == "gpkg":
                entry |= {"path": f"coverage/{stem}.gpkg", "layer": stem}
                attrs = {"carrier": carrier.name, "technology": t, "threshold_dbm": thr}
                covered = ((level >= thr) & valid).astype(np.uint8)
                _write_polygons(out / entry["path"], stem, covered, area, attrs)
            elif kind == "mask":
                entry["values"] = "mask"
                data = np.where(valid, level >= thr, 255).astype(np.uint8)
                _write_raster(out / entry["path"], data, area, 255)
            else:
                entry |= {"values": "dbm", "threshold": thr}
                if kind == "i16":
                    data = np.where(valid, np.rint(level), -32768).astype(np.int16)
                    _write_raster(out / entry["path"], data, area, -32768)
                else:
                    data = np.where(valid, np.round(level, 1), -9999).astype(np.float32)
                    _write_raster(out / entry["path"], data, area, -9999)
            entries.append(entry)
    return entries, truth


# ----------------------------------------------------------------------------- drive tests


def _district(area: _Area, reps: FloatArray, rng: Rng) -> np.ndarray:
    """Grid cells of one "district": a commune drawn at random and its nearest neighbours
    (a tenth of the communes, at least three)."""
    k = min(len(reps), max(3, round(len(reps) / 10)))
    centre = reps[rng.integers(len(reps))]
    near = np.argsort(np.hypot(*(reps - centre).T), kind="stable")[:k]
    return area.grid.burn(area.coarse[near]).astype(bool)


def _drive_routes(roads: list[FloatArray], area: _Area, rng: Rng) -> dict[str, np.ndarray]:
    """Test points every :data:`_DRIVE_STEP_M` along every road, each road driven twice on
    two different days of the first week of October 2025 (setting off between 07:00 and
    15:00): metric ``x, y`` and local ``time`` (datetime64[s]), in driving order."""
    lines = _linestrings(roads)
    lengths = shapely.length(lines)
    counts = np.maximum(1, (lengths // _DRIVE_STEP_M).astype(np.intp))
    road = np.repeat(np.arange(len(roads)), counts)
    along = np.arange(len(road)) - np.repeat(np.cumsum(counts) - counts, counts) + 0.5
    along = along * _DRIVE_STEP_M
    pts = shapely.line_interpolate_point(lines[road], along)
    xy = shapely.get_coordinates(pts)
    days = np.argsort(rng.random((len(roads), 7)), axis=1)[:, :2]  # two different days
    start_s = rng.integers(7 * 3600, 15 * 3600, size=(len(roads), 2))
    seconds = np.rint(along / (_DRIVE_KMH / 3.6)).astype(np.int64)
    out: dict[str, list[np.ndarray]] = {"x": [], "y": [], "time": []}
    for k in range(2):
        base = days[road, k] * 86400 + start_s[road, k]
        out["x"].append(xy[:, 0])
        out["y"].append(xy[:, 1])
        out["time"].append(_DRIVE_START + (base + seconds).astype("timedelta64[s]"))
    return {key: np.concatenate(parts) for key, parts in out.items()}


def _write_drive_tests(
    path: Path,
    drive: dict[str, np.ndarray],
    truth: dict[tuple[str, str], np.ndarray],
    area: _Area,
    rng: Rng,
) -> None:
    """The drive-test CSV: per point and 4G layer, the true level plus noise, a download
    speed on a third of the tests, local time, lon/lat."""
    lon, lat = area.to_ll.transform(drive["x"], drive["y"])
    stamps = np.char.replace(np.datetime_as_string(drive["time"], unit="s"), "T", " ")
    where = {"lon": np.char.mod("%.6f", lon), "lat": np.char.mod("%.6f", lat)}
    parts = []
    for (carrier, tech), level in truth.items():
        signal = np.round(level + rng.normal(0.0, _DRIVE_NOISE_DB, level.size), 1)
        speed = np.clip((signal + 125.0) * 1.2, 0.0, None)
        speed = np.round(speed * np.exp(rng.normal(0.0, 0.3, level.size)), 2)
        measured = rng.random(level.size) < 1 / 3
        parts.append(
            pd.DataFrame(
                {
                    "timestamp": stamps, "carrier": carrier, "technology": tech,
                    "rsrp_dbm": np.char.mod("%.1f", signal),
                    "dl_mbps": np.where(measured, np.char.mod("%.2f", speed), ""),
                    **where,
                }
            )
        )  # fmt: skip
    table = pd.concat(parts, ignore_index=True)
    table = table.sort_values(["timestamp", "carrier", "technology"], kind="stable")
    table.to_csv(path, index=False, lineterminator="\n")


# ----------------------------------------------------------------------------- site lists

#: Per technology given in a site list: the name on the list, the bands used in Vietnam (MHz)
#: with their shares, and the EIRP per resource element (what RSCP and RSRP, the default
#: thresholds, measure) in dBm: the UMTS pilot (CPICH) at 33 dBm, 10 % of 20 W; the LTE
#: reference signal at 15.2 dBm (40 W over 100 resource blocks of 12 subcarriers); the NR SSB
#: at 17.9 dBm (200 W over 273 resource blocks); plus 17 dBi of antenna gain (18 dBi for the
#: NR broadcast beams) less 3 dB of feeder loss (none for the NR active antenna).
_SITE_RADIO = {
    "3G": ("UMTS", ((2100, 1.0),), 47.0),
    "4G": ("LTE", ((900, 0.2), (1800, 0.5), (2100, 0.15), (2600, 0.15)), 29.2),
    # per resource element; 28.5 dBm keeps a 3.5 GHz site's reach on open ground under 10 km,
    # inside 3GPP TR 38.901 RMa (real mid-band cells reach a few km)
    "5G": ("NR", ((3500, 1.0),), 28.5),
}
_SITE_LIST_COLUMNS = (
    "site_id", "sector", "carrier", "technology", "lon", "lat", "height_m", "frequency_mhz",
    "eirp_dbm", "azimuth_deg", "beamwidth_deg",
)  # fmt: skip


def _site_list_entry(carrier: _Carrier) -> dict[str, Any]:
    """The ``coverage:`` entry of a carrier's site list: one file, a layer per technology."""
    return {
        "kind": "sites",
        "path": f"coverage/{carrier.name.lower()}_sites.csv",
        "carrier": carrier.name,
        "model": "hata+terrain",
        "environment": "rural",
        "dem": "elevation.tif",
        "resolution_m": 100,
    }


def _write_site_list(
    path: Path, sites: list[dict[str, Any]], carrier: str, area: _Area, rng: Rng
) -> None:
    """A carrier's site list: three sectors per site and technology given as ``sites``, the
    antennas at 30 m or more (the lower bound of Okumura-Hata and COST-231, so the demo's
    own data raises no model-validity warning)."""
    techs = next(c for c in _CARRIERS if c.name == carrier).formats
    rows = []
    for site in (s for s in sites if s["carrier"] == carrier):
        lon, lat = area.to_ll.transform(site["x"], site["y"])
        turn = float(rng.integers(0, 24)) * 5.0  # the first sector's azimuth
        for tech in site["technologies"].split(","):
            if techs.get(tech) != "sites":
                continue
            name, bands, eirp = _SITE_RADIO[tech]
            mhz = rng.choice([b for b, _ in bands], p=[p for _, p in bands])
            for sector in range(3):
                rows.append([
                    site["site_id"], sector + 1, carrier, name, f"{lon:.6f}", f"{lat:.6f}",
                    max(site["height_m"], 30), int(mhz), round(eirp + rng.normal(0.0, 1.0), 1),
                    (turn + 120.0 * sector) % 360.0, 65,
                ])  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(_SITE_LIST_COLUMNS)
        writer.writerows(rows)


# ----------------------------------------------------------------------------- fibre


def _fibre(
    path: Path,
    roads: list[FloatArray],
    kinds: list[str],
    vil: dict[str, Any],
    area: _Area,
    rng: Rng,
) -> None:
    """Fibre along most roads, plus access spurs to most villages off that backbone."""
    keep = rng.random(len(roads)) < np.where(np.array(kinds) == "main", 0.93, 0.6)
    lines = [r for r, k in zip(roads, keep, strict=True) if k] or roads[:1]
    owner = [
        str(o) for o in rng.choice(["VNPT", "Viettel", "MobiFone"], len(lines), p=[0.45, 0.45, 0.1])
    ]
    ids = [f"F{i + 1:04d}" for i in range(len(lines))]
    tree = shapely.STRtree(_linestrings(lines))
    pts = shapely.points(vil["x"], vil["y"])
    (_, nearest), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    pop, z, communes = vil["population"], vil["elev"], np.asarray(vil["commune"])
    centre = np.zeros(len(pop), dtype=bool)  # the largest village of each commune
    for c in np.unique(communes):
        idx = np.flatnonzero(communes == c)
        centre[idx[np.argmax(pop[idx])]] = True
    p = np.exp(-((dist / 11000.0) ** 2)) * (0.8 + 0.2 * np.minimum(1, pop / 600))
    p *= 0.99 * np.exp(-np.maximum(z - 400, 0) / 1500)
    spur = (dist > 300) & ((rng.random(len(p)) < p) | centre)
    for n_spur, k in enumerate(np.flatnonzero(spur), start=1):
        link = shapely.shortest_line(tree.geometries[nearest[k]], pts[k])
        (ax, ay), (bx, by) = shapely.get_coordinates(link)
        bend = rng.normal(0.0, 0.08)
        mx, my = (ax + bx) / 2 - bend * (by - ay), (ay + by) / 2 + bend * (bx - ax)
        lines.append(np.round(np.array([[ax, ay], [mx, my], [bx, by]]), 0))
        owner.append(owner[nearest[k]])
        ids.append(f"S{n_spur:06d}")
    _write_lines(path, "fibre", {"route_id": ids, "owner": owner}, lines, area)


# ----------------------------------------------------------------------------- writers


def _write_gpkg(path: Path, layer: str, columns: dict[str, Any], geoms: Any, kind: str) -> None:
    path.unlink(missing_ok=True)
    gdf = gpd.GeoDataFrame(columns, geometry=list(geoms), crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG", geometry_type=kind)


def _linestrings(lines: list[FloatArray]) -> np.ndarray:
    index = np.repeat(np.arange(len(lines)), [len(line) for line in lines])
    return shapely.linestrings(np.concatenate(lines), indices=index)


def _write_lines(
    path: Path, layer: str, columns: dict[str, Any], lines: list[FloatArray], area: _Area
) -> None:
    geoms = shapely.transform(_linestrings(lines), area.to_ll.transform, interleaved=False)
    _write_gpkg(path, layer, columns, shapely.set_precision(geoms, 1e-6), "LineString")


def _write_points(path: Path, sites: list[dict[str, Any]], area: _Area) -> None:
    lon, lat = area.to_ll.transform([s["x"] for s in sites], [s["y"] for s in sites])
    cols = {k: [s[k] for s in sites] for k in ("site_id", "carrier", "technologies", "height_m")}
    _write_gpkg(path, "sites", cols, shapely.points(np.round(lon, 6), np.round(lat, 6)), "Point")


def _write_polygons(
    path: Path, layer: str, covered: np.ndarray, area: _Area, attrs: dict[str, Any]
) -> None:
    """Polygonise a 0/1 grid, dissolve it into one simplified MultiPolygon in EPSG:4326."""
    found = shapes(covered, mask=covered.astype(bool), transform=area.grid.transform)
    geom = shapely.MultiPolygon([shapely.geometry.shape(g) for g, _ in found])
    geom = shapely.make_valid(shapely.simplify(geom, area.grid.res * 0.6))
    geom = shapely.transform(geom, area.to_ll.transform, interleaved=False)
    geom = _multipolygons(np.array([shapely.set_precision(geom, 1e-6)]))[0]
    _write_gpkg(path, layer, {k: [v] for k, v in attrs.items()}, [geom], "MultiPolygon")


def _write_raster(path: Path, data: np.ndarray, area: _Area, nodata: float) -> None:
    """Write a tiled, LZW-compressed single-band GeoTIFF (no timestamp, so reproducible)."""
    path.unlink(missing_ok=True)
    g = area.grid
    profile = {
        "driver": "GTiff", "width": g.nx, "height": g.ny, "count": 1, "dtype": data.dtype.name,
        "crs": area.crs.to_wkt(), "transform": g.transform, "nodata": nodata,
        "compress": "lzw", "predictor": 3 if data.dtype.kind == "f" else 2,
        "tiled": True, "blockxsize": 256, "blockysize": 256,
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def _write_villages(path: Path, vil: dict[str, Any]) -> None:
    cols = (
        "village_id",
        "name",
        "commune_code",
        "population",
        "households",
        "electricity",
        "lon",
        "lat",
    )
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for vid, name, code, pop, hh, power, lon, lat in zip(*(vil[c] for c in cols), strict=True):
            w.writerow([vid, name, code, int(pop), int(hh), int(power), f"{lon:.6f}", f"{lat:.6f}"])


def _electricity(vil: dict[str, Any], rng: Rng) -> np.ndarray:
    """Grid power: almost everywhere, but high villages sometimes still lack it."""
    z = np.asarray(vil["elev"], dtype=float)
    p_without = np.clip((z - 700.0) / 1500.0, 0.0, 0.5)
    return (rng.random(len(z)) >= p_without).astype(np.int64)


def _facilities(path: Path, vil: dict[str, Any], area: _Area) -> None:
    """Public facilities: a commune centre and a health station at each commune's largest
    village, a school at every village of 900 people or more (points ~80 m away)."""
    pop = np.asarray(vil["population"])
    commune = np.asarray(vil["commune"])
    order = np.lexsort((np.arange(len(pop)), -pop, commune))
    first = order[np.r_[True, commune[order][1:] != commune[order][:-1]]]
    school = np.flatnonzero(pop >= 900)
    idx = np.concatenate([first, first, school])
    kinds = (
        ["Trụ sở UBND xã"] * len(first) + ["Trạm y tế"] * len(first) + ["Trường học"] * len(school)
    )
    x = (
        np.asarray(vil["x"])[idx]
        + np.r_[np.full(len(first), 60.0), np.full(len(first), -60.0), np.full(len(school), 80.0)]
    )
    y = np.asarray(vil["y"])[idx] + 40.0
    lon, lat = area.to_ll.transform(x, y)
    _write_gpkg(
        path,
        "facilities",
        {"kind": kinds},
        shapely.points(np.round(lon, 6), np.round(lat, 6)),
        "Point",
    )


def _readme(seed: int, synthetic_communes: bool, villages: int) -> str:
    vi = (
        "cũng là tổng hợp (ô Voronoi quanh tâm xã thật)"
        if synthetic_communes
        else "là dữ liệu thật"
    )
    en = (
        "are synthetic too (Voronoi cells around real commune centroids)"
        if synthetic_communes
        else "are real"
    )
    return (
        "DỮ LIỆU TỔNG HỢP — KHÔNG PHẢI DỮ LIỆU THẬT\n"
        f"Mọi lớp dữ liệu trong thư mục này ({villages} thôn/bản, trạm phát sóng, vùng phủ sóng "
        f"2G-5G, tuyến cáp quang, đường, địa hình, kết quả đo kiểm) là dữ liệu tổng hợp do coverage-gaps tạo ra "
        f"với hạt giống (seed) {seed}; ranh giới xã {vi}. Chỉ dùng để minh họa và kiểm thử.\n\n"
        "SYNTHETIC DATA — NOT REAL\n"
        f"Every layer in this folder ({villages} villages, cell sites, 2G-5G coverage, fibre "
        f"routes, roads, terrain, drive tests) is synthetic, generated by coverage-gaps with seed {seed}; "
        f"the commune boundaries {en}. For demonstration and testing only.\n"
    )


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)

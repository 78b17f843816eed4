"""Shared fixtures: a tiny hand-built project whose every answer is known, and the real data folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import yaml
from rasterio.transform import from_origin

X0, Y0 = 580_000.0, 2_380_000.0
CRS = "EPSG:32648"

#: village id -> (x, y, population); see tests/test_pipeline.py for the expected answers.
VILLAGES = {
    "V1": (X0 + 50, Y0 + 950, 100),
    "V2": (X0 + 150, Y0 + 950, 200),
    "V3": (X0 + 250, Y0 + 950, 300),
    "V4": (X0 + 350, Y0 + 950, 400),
    "V5": (X0 + 1500, Y0 + 500, 500),
    "V6": (X0 + 1250, Y0 + 250, 600),
    "V7": (X0 + 1000, Y0 + 700, 700),
    "V8": (X0 + 650, Y0 + 50, 0),
}

SHARED = Path(__file__).resolve().parents[2] / "shared" / "geodata"


@pytest.fixture(scope="session")
def shared_geodata() -> Path:
    """The real data folder beside the repository; CI must have it."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real data folder {SHARED} is missing in CI")
        pytest.skip(f"real data folder {SHARED} not present")
    return SHARED


def write_raster(
    path: Path,
    data: np.ndarray,
    *,
    nodata: float | None,
    crs: str | None = CRS,
    transform: Any = None,
) -> Path:
    transform = transform if transform is not None else from_origin(X0, Y0 + 1000, 100, 100)
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "transform": transform,
    }
    if crs:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def build_tiny_project(root: Path, **overrides: Any) -> Path:
    """Write the tiny project into ``root`` and return its project file.

    Two 1 km square communes side by side; eight villages; a Viettel 4G dBm raster
    (100 m cells), a Viettel 2G 0/1 mask, VNPT 3G polygons and one fibre line.
    """
    root.mkdir(parents=True, exist_ok=True)
    communes = gpd.GeoDataFrame(
        {"code": ["A001", "B002"], "fullName": ["Xã An", "Xã Bình"], "provinceCode": ["99", "99"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
            shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
        ],
        crs=CRS,
    )
    communes.to_file(root / "communes.gpkg", layer="communes")
    pd.DataFrame(
        {
            "village_id": list(VILLAGES),
            "name": [f"Thôn {k}" for k in VILLAGES],
            "population": [v[2] for v in VILLAGES.values()],
            "x": [v[0] for v in VILLAGES.values()],
            "y": [v[1] for v in VILLAGES.values()],
        }
    ).to_csv(root / "villages.csv", index=False)
    dbm = np.full((10, 20), -120.0, dtype="float32")
    dbm[0, 0] = -90.0  # V1 covered
    dbm[0, 1] = -105.0  # V2 exactly at the threshold: covered
    dbm[0, 2] = -9999.0  # V3 on nodata: not covered
    dbm[0, 3] = -105.5  # V4 just below: not covered
    dbm[3, 10] = -80.0  # V7 (on the commune border) covered
    write_raster(root / "viettel_4g.tif", dbm, nodata=-9999.0)
    mask = np.ones((10, 20), dtype="uint8")
    mask[9, 6] = 0  # V8: no 2G
    write_raster(root / "viettel_2g.tif", mask, nodata=255)
    gpd.GeoDataFrame(
        {"carrier": ["VNPT"]}, geometry=[shapely.box(X0 + 1500, Y0, X0 + 2000, Y0 + 1000)], crs=CRS
    ).to_file(root / "vnpt_3g.gpkg")
    gpd.GeoDataFrame(
        {"route": ["F1"]},
        geometry=[shapely.LineString([(X0, Y0 + 520), (X0 + 2000, Y0 + 520)])],
        crs=CRS,
    ).to_file(root / "fibre.gpkg")
    config: dict[str, Any] = {
        "name": "Tỉnh Thử",
        "communes": {
            "path": "communes.gpkg",
            "layer": "communes",
            "id": "code",
            "name": "fullName",
            "province": "provinceCode",
        },
        "villages": {
            "path": "villages.csv",
            "id": "village_id",
            "name": "name",
            "population": "population",
            "x": "x",
            "y": "y",
            "crs": CRS,
        },
        "coverage": [
            {"path": "viettel_4g.tif", "carrier": "viettel", "technology": "4G"},
            {"path": "viettel_2g.tif", "carrier": "452-04", "technology": "2G", "values": "mask"},
            {"path": "vnpt_3g.gpkg", "carrier": "Vinaphone", "technology": "3G"},
        ],
        "fibre": {"path": "fibre.gpkg", "max_distance_m": 270},
        "output": "out",
    }
    for key, value in overrides.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path = root / "project.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    return build_tiny_project(tmp_path / "project")


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    def make(**overrides: Any) -> Path:
        return build_tiny_project(tmp_path / "project", **overrides)

    return make


def max_error_m(loaded: gpd.GeoDataFrame, original: gpd.GeoDataFrame) -> float:
    """Largest vertex displacement, in metres, between loaded and original geometries.

    Rings are put in one canonical order and compared vertex by vertex; if a
    format's rounding makes the canonical start of a ring differ, each vertex is
    compared with the nearest vertex of the other side instead (both ways).
    """
    a = loaded.to_crs(32648).geometry.to_numpy()
    b = original.to_crs(32648).geometry.to_numpy()
    ca, cb = _canonical_coordinates(a), _canonical_coordinates(b)
    if ca.shape == cb.shape and np.hypot(*(ca - cb).T).max() < 1.0:
        return float(np.hypot(*(ca - cb).T).max())
    pa, pb = shapely.points(ca), shapely.points(cb)
    ab = shapely.STRtree(pb).query_nearest(pa, return_distance=True, all_matches=False)[1]
    ba = shapely.STRtree(pa).query_nearest(pb, return_distance=True, all_matches=False)[1]
    return float(max(ab.max(), ba.max()))


def _canonical_coordinates(geoms: np.ndarray) -> np.ndarray:
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    rings = shapely.normalize(rings)
    start = shapely.get_coordinates(shapely.get_point(rings, 0))
    order = np.lexsort((start[:, 1], start[:, 0], part_of[ring_of]))
    return shapely.get_coordinates(rings[order])

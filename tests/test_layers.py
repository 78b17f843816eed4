"""Coverage layers: raster sampling by windows, area grid, and the same-CRS fast path."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from conftest import CRS, X0, Y0, write_raster
from pyproj import CRS as PCRS
from rasterio.transform import from_origin

import coverage_gaps.layers as layers
from coverage_gaps.config import CoverageSpec


def _layer(path: Path, **kw) -> layers.CoverageLayer:
    spec = CoverageSpec(path=path, carrier="Viettel", technology="4G", **kw)
    return layers.load_coverage_layer(spec, working_crs=PCRS(CRS))


def test_fast_path_equals_gdal_warp(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    data = rng.uniform(-130, -70, size=(37, 53)).astype("float32")
    data[rng.random(data.shape) < 0.1] = -9999.0
    # 250 m cells, origin off the 100 m grid
    path = write_raster(
        tmp_path / "r.tif",
        data,
        nodata=-9999.0,
        transform=from_origin(X0 - 130, Y0 + 5070, 250, 250),
    )
    layer = _layer(path)
    rio_crs = rasterio.crs.CRS.from_user_input(CRS)
    for origin in [(X0, Y0 + 5000), (X0 - 1000, Y0 + 9000), (X0 + 12000, Y0 + 1000)]:
        t = from_origin(origin[0], origin[1], 100, 100)
        box = shapely.box(origin[0], origin[1] - 60 * 100, origin[0] + 80 * 100, origin[1])
        fast = layers._layer_on_grid(layer, t, 60, 80, rio_crs, box, fast=True)
        slow = layers._layer_on_grid(layer, t, 60, 80, rio_crs, box, fast=False)
        assert fast.sum() > 0 or origin[0] > X0 + 10000
        np.testing.assert_array_equal(fast, slow)


def test_sampling_reads_by_tiles_across_tile_edges(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(layers, "TILE", 16)  # many small windows
    data = np.arange(40 * 50, dtype="float32").reshape(40, 50)
    path = write_raster(
        tmp_path / "r.tif", data, nodata=None, transform=from_origin(X0, Y0 + 4000, 100, 100)
    )
    layer = _layer(path, values="dbm", threshold=1000)
    rng = np.random.default_rng(0)
    xs = X0 + rng.uniform(-500, 5500, 500)
    ys = Y0 + rng.uniform(-500, 4500, 500)
    pts = gpd.GeoSeries(shapely.points(xs, ys), crs=CRS)
    sample = layers.sample_raster(layer, pts)
    cols = np.floor((xs - X0) / 100).astype(int)
    rows = np.floor((Y0 + 4000 - ys) / 100).astype(int)
    inside = (cols >= 0) & (cols < 50) & (rows >= 0) & (rows < 40)
    np.testing.assert_array_equal(sample.inside, inside)
    np.testing.assert_array_equal(sample.valid, inside)
    np.testing.assert_array_equal(sample.values[inside], data[rows[inside], cols[inside]])
    covered = layers.sample_coverage(layer, pts)
    np.testing.assert_array_equal(
        covered, inside & (np.where(inside, data[rows.clip(0, 39), cols.clip(0, 49)], 0) >= 1000)
    )


def test_measure_covered_area_by_tiles_matches_single_tile(tmp_path: Path, monkeypatch) -> None:
    communes = gpd.GeoDataFrame(
        {"commune_id": ["A", "B"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 3000, Y0 + 2000),
            shapely.Point(X0 + 4500, Y0 + 1000).buffer(900),
        ],
        crs=CRS,
    )
    rng = np.random.default_rng(5)
    data = rng.uniform(-120, -90, size=(30, 60)).astype("float32")
    path = write_raster(
        tmp_path / "r.tif", data, nodata=None, transform=from_origin(X0, Y0 + 3000, 100, 100)
    )
    layer = _layer(path)
    one = layers.measure_covered_area(communes, [layer], resolution=50)
    monkeypatch.setattr(layers, "TILE", 7)
    many = layers.measure_covered_area(communes, [layer], resolution=50)
    np.testing.assert_allclose(one.to_numpy(), many.to_numpy())
    assert 0 < one.loc["A", "pct_area_4g"] < 100

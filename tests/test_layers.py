"""Coverage layers: raster sampling by windows, area grid, and the same-CRS fast path."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.windows
import shapely
from conftest import CRS, X0, Y0, write_raster
from pyproj import CRS as PCRS
from rasterio.transform import from_origin

import coverage_gaps.analysis.areas as areas
import coverage_gaps.analysis.coverage as coverage
import coverage_gaps.inputs.coverage as loaders
import coverage_gaps.io.rasters as rasters
from coverage_gaps.config import CoverageSpec


def _layer(path: Path, **kw) -> coverage.CoverageLayer:
    spec = CoverageSpec(path=path, carrier="Viettel", technology="4G", **kw)
    return loaders.load_coverage_layer(spec, working_crs=PCRS(CRS))


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
        fast = areas._layer_on_grid(layer, t, 60, 80, rio_crs, box, fast=True)
        slow = areas._layer_on_grid(layer, t, 60, 80, rio_crs, box, fast=False)
        assert fast.sum() > 0 or origin[0] > X0 + 10000
        np.testing.assert_array_equal(fast, slow)


def test_sampling_reads_by_tiles_across_tile_edges(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rasters, "TILE", 16)  # many small windows
    data = np.arange(40 * 50, dtype="float32").reshape(40, 50)
    path = write_raster(
        tmp_path / "r.tif", data, nodata=None, transform=from_origin(X0, Y0 + 4000, 100, 100)
    )
    layer = _layer(path, values="dbm", threshold=1000)
    rng = np.random.default_rng(0)
    xs = X0 + rng.uniform(-500, 5500, 500)
    ys = Y0 + rng.uniform(-500, 4500, 500)
    pts = gpd.GeoSeries(shapely.points(xs, ys), crs=CRS)
    sample = coverage.sample_raster(layer, pts)
    cols = np.floor((xs - X0) / 100).astype(int)
    rows = np.floor((Y0 + 4000 - ys) / 100).astype(int)
    inside = (cols >= 0) & (cols < 50) & (rows >= 0) & (rows < 40)
    np.testing.assert_array_equal(sample.inside, inside)
    np.testing.assert_array_equal(sample.valid, inside)
    np.testing.assert_array_equal(sample.values[inside], data[rows[inside], cols[inside]])
    covered = coverage.sample_coverage(layer, pts)
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
    one = areas.measure_covered_area(communes, [layer], resolution=50)
    monkeypatch.setattr(areas, "TILE", 7)
    many = areas.measure_covered_area(communes, [layer], resolution=50)
    np.testing.assert_allclose(one.to_numpy(), many.to_numpy())
    assert 0 < one.loc["A", "pct_area_4g"] < 100


def test_raster_larger_than_memory_is_read_by_windows(tmp_path: Path) -> None:
    """A 100,000 x 100,000 float32 raster (40 GB if read whole) stored sparse: sampling and the
    area grid read only windows; the child process stays far below the raster's size."""
    import json
    import subprocess
    import sys

    path = tmp_path / "huge.tif"
    res = 0.02  # 2 cm pixels over the 2 km x 1 km tiny project
    profile = {"driver": "GTiff", "width": 100_000, "height": 50_000, "count": 1, "dtype": "float32",
               "crs": CRS, "transform": from_origin(X0, Y0 + 1000, res, res), "nodata": -9999.0,
               "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate", "sparse_ok": True}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        # one written block, around (X0 + 5 m, Y0 + 995 m): -80 dBm; everything else -9999 (unwritten)
        dst.write(
            np.full((512, 512), -80.0, dtype="float32"),
            1,
            window=rasterio.windows.Window(0, 0, 512, 512),
        )
    assert path.stat().st_size < 5_000_000
    script = f"""
import json, resource, numpy as np, geopandas as gpd, shapely
from pyproj import CRS
import coverage_gaps as L
from coverage_gaps.config import CoverageSpec
from pathlib import Path
layer = L.load_coverage_layer(CoverageSpec(path=Path({str(path)!r}), carrier="Viettel", technology="4G"),
                              working_crs=CRS({CRS!r}))
pts = gpd.GeoSeries(shapely.points([{X0} + 5, {X0} + 500, {X0} + 1500], [{Y0} + 995, {Y0} + 500, {Y0} + 10]),
                    crs={CRS!r})
covered = L.sample_coverage(layer, pts).tolist()
communes = gpd.GeoDataFrame({{"commune_id": ["A"]}}, geometry=[shapely.box({X0}, {Y0}, {X0} + 2000, {Y0} + 1000)],
                            crs={CRS!r})
share = float(L.measure_covered_area(communes, [layer], resolution=5).iloc[0, 0])
print(json.dumps({{"covered": covered, "share": share,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["covered"] == [True, False, False]
    # the written block is 10.24 m x 10.24 m: about 4 of the 80,000 5-m cells -> 0.005 %
    assert 0 < result["share"] < 0.05
    assert result["peak_mb"] < 1500  # the raster is 20 GB at full resolution

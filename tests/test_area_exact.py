"""Area shares per commune against exact references: ``exactextract`` on a raster mask, and
polygon coverage whose covered fraction is known from the geometry (within 0.1 point).

On a grid of the raster's pixels, and on the default 100 m grid, coarser than the 50 m
mask and than the polygons' edges: there the cells holding both a commune's edge and a
coverage edge get the exact overlap (:mod:`coverage_gaps.analysis.overlap`), where the
product of the two shares was about 0.5 and 0.25 point off here."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from conftest import CRS, X0, Y0, write_raster
from pyproj import CRS as PCRS
from rasterio.transform import from_origin

import coverage_gaps.analysis.areas as areas
import coverage_gaps.analysis.grid as grid_module
import coverage_gaps.inputs.coverage as loaders
from coverage_gaps.analysis.fractions import polygon_fractions
from coverage_gaps.analysis.overlap import overlap_with_pixels, overlap_with_polygons
from coverage_gaps.config import CoverageSpec
from coverage_gaps.results import GridSpec

TOLERANCE_POINTS = 0.1


def _communes() -> gpd.GeoDataFrame:
    """Communes with edges across cells: a rotated rectangle, a disc, a triangle and an L."""
    rect = shapely.affinity.rotate(shapely.box(X0 + 130, Y0 + 170, X0 + 2230, Y0 + 1390), 23)
    disc = shapely.Point(X0 + 3310, Y0 + 1240).buffer(737, quad_segs=32)
    tri = shapely.Polygon([(X0 + 2610, Y0 + 2030), (X0 + 4170, Y0 + 2260), (X0 + 3050, Y0 + 3330)])
    ell = shapely.Polygon([(X0 + 220, Y0 + 1830), (X0 + 1970, Y0 + 1830), (X0 + 1970, Y0 + 2310),
                           (X0 + 760, Y0 + 2310), (X0 + 760, Y0 + 3370), (X0 + 220, Y0 + 3370)])  # fmt: skip
    geoms = [shapely.affinity.translate(g, yoff=300) for g in (rect, disc, tri, ell)]
    return gpd.GeoDataFrame({"commune_id": ["rect", "disc", "tri", "ell"]}, geometry=geoms, crs=CRS)


def _layer(path: Path) -> loaders.CoverageLayer:
    spec = CoverageSpec(path=path, carrier="Viettel", technology="4G")
    return loaders.load_coverage_layer(spec, working_crs=PCRS(CRS))


@pytest.mark.parametrize("resolution", [50.0, 100.0])
def test_raster_mask_shares_match_exactextract(tmp_path: Path, resolution: float) -> None:
    exactextract = pytest.importorskip("exactextract")
    rng = np.random.default_rng(11)
    # a 50 m mask with patches (smooth noise thresholded), as a coverage export looks
    coarse = rng.normal(size=(12, 12))
    noise = np.kron(coarse, np.ones((8, 8)))[:80, :90] + rng.normal(0, 0.7, (80, 90))
    mask = (noise > 0.1).astype("uint8")
    path = write_raster(
        tmp_path / "mask.tif", mask, nodata=None, transform=from_origin(X0, Y0 + 4000, 50, 50)
    )
    communes = _communes()
    ours = areas.measure_covered_area(communes, [_layer(path)], resolution=resolution)
    ref = exactextract.exact_extract(
        str(path), communes, "mean", include_cols=["commune_id"], output="pandas"
    ).set_index("commune_id")
    got = ours.loc[ref.index, "pct_area_4g"].to_numpy()
    want = 100.0 * ref["mean"].to_numpy()
    assert np.all((want > 5) & (want < 95))  # edges of both kinds cross the communes
    np.testing.assert_array_less(np.abs(got - want), TOLERANCE_POINTS)


@pytest.mark.parametrize("resolution", [50.0, 100.0])
def test_polygon_shares_match_the_geometry(tmp_path: Path, resolution: float) -> None:
    communes = _communes()
    cover = shapely.union_all(
        [
            shapely.Point(X0 + 900, Y0 + 900).buffer(830, quad_segs=32),
            shapely.affinity.rotate(shapely.box(X0 + 2900, Y0 + 600, X0 + 4200, Y0 + 2500), 31),
            shapely.Polygon([(X0 + 100, Y0 + 2600), (X0 + 1500, Y0 + 3600), (X0 + 100, Y0 + 3600)]),
        ]
    )
    path = tmp_path / "cover.gpkg"
    gpd.GeoDataFrame({"carrier": ["Viettel"]}, geometry=[cover], crs=CRS).to_file(path)
    ours = areas.measure_covered_area(communes, [_layer(path)], resolution=resolution)
    geoms = communes.geometry.to_numpy()
    known = 100.0 * shapely.area(shapely.intersection(geoms, cover)) / shapely.area(geoms)
    assert np.all((known > 5) & (known < 95))
    got = ours.loc[communes["commune_id"], "pct_area_4g"].to_numpy()
    np.testing.assert_array_less(np.abs(got - known), TOLERANCE_POINTS)


def test_fine_mask_cut_by_read_windows_matches_exactextract(tmp_path: Path) -> None:
    """A 10 m mask on a 30 m grid, read in 512-pixel windows (not a multiple of 3): the
    cells cut by a window's edge get their pixels from both windows."""
    exactextract = pytest.importorskip("exactextract")
    rng = np.random.default_rng(5)
    coarse = rng.normal(size=(40, 40))
    noise = np.kron(coarse, np.ones((16, 16)))[:600, :600] + rng.normal(0, 0.8, (600, 600))
    mask = (noise > 0).astype("uint8")
    path = tmp_path / "fine.tif"
    profile = {"driver": "GTiff", "width": 600, "height": 600, "count": 1, "dtype": "uint8",
               "crs": CRS, "transform": from_origin(X0, Y0 + 5500, 10, 10), "tiled": True,
               "blockxsize": 16, "blockysize": 16}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(mask, 1)
    communes = _communes()
    communes["geometry"] = communes.geometry.scale(1.3, 1.3, origin=(X0, Y0))
    # one in the last window too (blocks holding no commune are not read)
    corner = shapely.Polygon([(X0 + 5050, Y0 - 400), (X0 + 5950, Y0 - 150), (X0 + 5300, Y0 + 700)])
    communes.loc[len(communes)] = ["corner", corner]
    layer = _layer(path)
    grids, _ = grid_module.read_layer_grids(communes, [layer], resolution=30.0, tile=64)
    fine = grids.layers[layer.column].fine
    assert fine is not None and len(fine.cells)
    # the pixels kept are the mask's own, and exactly the cells covered in part
    g = grids.grid
    top = round((Y0 + 5500 - g.y0) / 10)
    left = round((g.x0 - X0) / 10)
    rows, cols = np.divmod(fine.cells, g.width)
    r = top + 3 * rows[:, None, None] + np.arange(3)[None, :, None]
    c = left + 3 * cols[:, None, None] + np.arange(3)[None, None, :]
    inside = (r >= 0) & (r < 600) & (c >= 0) & (c < 600)
    want = np.where(inside, mask[np.clip(r, 0, 599), np.clip(c, 0, 599)], 0).astype(bool)
    np.testing.assert_array_equal(fine.pixels(np.arange(len(fine.cells))), want)
    counts = want.sum(axis=(1, 2))
    assert np.all((counts > 0) & (counts < 9))
    ours = areas.measure_covered_area(communes, [layer], resolution=30.0, grids=grids)
    ref = exactextract.exact_extract(
        str(path), communes, "mean", include_cols=["commune_id"], output="pandas"
    ).set_index("commune_id")
    got = ours.loc[ref.index, "pct_area_4g"].to_numpy()
    np.testing.assert_array_less(np.abs(got - 100.0 * ref["mean"].to_numpy()), TOLERANCE_POINTS)


def _blob(rng: np.random.Generator, cx: float, cy: float, r: float) -> shapely.Geometry:
    angles = np.sort(rng.uniform(0, 2 * np.pi, 50))
    radii = r * rng.uniform(0.5, 1.2, 50)
    ring = np.c_[cx + radii * np.cos(angles), cy + radii * np.sin(angles)]
    return shapely.make_valid(shapely.Polygon(ring))


def _snapped(geom: shapely.Geometry, size: float) -> shapely.Geometry:
    """Vertices on a ``size`` grid (many on the cell lines), without a precision model."""
    return shapely.from_wkt(shapely.to_wkt(shapely.set_precision(geom, size)))


def _cells(grid: GridSpec, cell: np.ndarray) -> np.ndarray:
    r, c = np.divmod(cell, grid.width)
    x = grid.x0 + c * grid.res
    y = grid.y0 - r * grid.res
    return shapely.box(x, y - grid.res, x + grid.res, y)


@pytest.mark.parametrize("snap", [None, 25.0, 50.0])
def test_mixed_cell_overlaps_match_shapely(snap: float | None) -> None:
    """Overlaps inside single cells, exact: irregular rings, vertices and edges on the cell
    lines, a hole, coverage sharing edges with a commune, pixels finer than the cell."""
    rng = np.random.default_rng(int(snap or 0))
    grid = GridSpec(0.0, 1000.0, 100.0, 10, 10)
    fix = (lambda g: _snapped(g, snap)) if snap else (lambda g: g)
    first = fix(_blob(rng, 480, 520, 320))
    communes = np.array([first, shapely.difference(shapely.box(0, 0, 1000, 1000), first)])
    cover = shapely.union_all(
        [
            shapely.intersection(first, fix(_blob(rng, 400, 400, 250))),
            fix(_blob(rng, 650, 600, 200)),
            shapely.box(450, 100, 700, 400),
        ]  # fmt: skip
    )
    cover = shapely.difference(cover, shapely.Point(520, 480).buffer(70))
    a = polygon_fractions(communes, np.arange(2), grid, pieces_in=True).pieces
    b = polygon_fractions(np.array([cover]), np.array([0]), grid, pieces_in=True).pieces
    assert a is not None and b is not None
    cell = a.key % grid.cells
    at = np.minimum(np.searchsorted(b.key, cell), len(b.key) - 1)
    both = np.flatnonzero(b.key[at] == cell)
    assert len(both) > 20
    got = overlap_with_polygons(a, both, b, at[both])
    boxes = _cells(grid, cell[both])
    part = shapely.intersection(communes[a.key[both] // grid.cells], boxes)
    want = shapely.area(shapely.intersection(part, cover)) / grid.res**2
    np.testing.assert_allclose(got, want, atol=1e-9)
    # pixels: 4 x 4 a cell, covered at random
    covered = rng.random((len(a.key), 4, 4)) < 0.5
    got = overlap_with_pixels(a, np.arange(len(a.key)), covered)
    part = shapely.intersection(communes[a.key // grid.cells], _cells(grid, cell))
    pixel = grid.res / 4
    want = np.zeros(len(a.key))
    for i, j in np.ndindex(4, 4):  # the 16 pixels of every cell at once
        x = grid.x0 + (cell % grid.width) * grid.res + j * pixel
        y = grid.y0 - (cell // grid.width) * grid.res - i * pixel
        inside = shapely.area(shapely.intersection(part, shapely.box(x, y - pixel, x + pixel, y)))
        want += covered[:, i, j] * inside / grid.res**2
    np.testing.assert_allclose(got, want, atol=1e-9)


@pytest.mark.parametrize(
    "module", ["coverage_gaps.analysis.fractions", "coverage_gaps.analysis.overlap"]
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_tiles_on_threads_give_the_numbers_of_one_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiles are measured by a pool of threads and their sums added in tile order: the shares
    and the map's inside mask are the same, bit for bit, as with one thread (many small
    tiles here, a raster and a polygon layer of one technology)."""
    rng = np.random.default_rng(3)
    mask = (np.kron(rng.normal(size=(10, 11)), np.ones((8, 8))) > 0).astype("uint8")
    raster = write_raster(
        tmp_path / "mask.tif", mask, nodata=None, transform=from_origin(X0, Y0 + 4000, 50, 50)
    )
    poly = tmp_path / "cover.gpkg"
    cover = shapely.Point(X0 + 3000, Y0 + 2000).buffer(1400, quad_segs=24)
    gpd.GeoDataFrame({"carrier": ["VNPT"]}, geometry=[cover], crs=CRS).to_file(poly)
    layers = [
        _layer(raster),
        loaders.load_coverage_layer(
            CoverageSpec(path=poly, carrier="VNPT", technology="4G"), working_crs=PCRS(CRS)
        ),
    ]
    communes = _communes()
    monkeypatch.setattr(areas, "TILE", 4)  # 100 m grid, 400 m tiles: dozens of them
    results = []
    for threads in (1, 3):
        monkeypatch.setattr(areas, "TILE_THREADS", threads)
        shares, grids = areas.area_shares(communes, layers, resolution=100.0)
        assert grids.inside is not None and len(grids.inside.tiles) > 20
        results.append((shares, grids.inside.tiles))
    (one, inside_one), (three, inside_three) = results
    assert one.equals(three) and (one["pct_area_4g"] > 0).all()
    assert list(inside_one) == list(inside_three)
    assert all(np.array_equal(inside_one[k], inside_three[k]) for k in inside_one)

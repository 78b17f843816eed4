"""Area shares per commune against exact references: ``exactextract`` on a raster mask, and
polygon coverage whose covered fraction is known from the geometry (within 0.1 point).

Exact when the area grid's cells are the raster's pixels. Where a grid cell holds both a
commune's edge and a coverage edge finer than the cell (a 50 m mask or polygons on the
default 100 m grid), the product of the two shares stands for their overlap: those cases
are marked ``xfail(strict=True)`` (about 0.5 and 0.25 point off here) until that overlap is
computed exactly."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import CRS, X0, Y0, write_raster
from pyproj import CRS as PCRS
from rasterio.transform import from_origin

import coverage_gaps.analysis.areas as areas
import coverage_gaps.inputs.coverage as loaders
from coverage_gaps.config import CoverageSpec

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


_COARSER_GRID = pytest.mark.xfail(
    strict=True, reason="grid cells coarser than the coverage edges: share products, not overlap"
)


@pytest.mark.parametrize("resolution", [50.0, pytest.param(100.0, marks=_COARSER_GRID)])
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


@pytest.mark.parametrize("resolution", [50.0, pytest.param(100.0, marks=_COARSER_GRID)])
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

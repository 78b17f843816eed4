"""Coverage and fibre reach at each village.

A raster layer is sampled at the village points (window by window); a polygon
layer covers a village inside it or on its edge; fibre reach is the distance to
the nearest route or access point.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from ..io.rasters import sample_points
from ..results import CoverageLayer, RasterSample

__all__ = ["distance_to_fibre", "sample_coverage", "sample_raster"]


def sample_raster(layer: CoverageLayer, villages: gpd.GeoSeries) -> RasterSample:
    """Raster values of one coverage layer at village points (any CRS).

    Reads only the windows that contain points, so memory stays bounded whatever
    the raster's size (see :func:`coverage_gaps.io.rasters.sample_points`). A predicted
    layer is read from its in-memory GeoTIFF, the bytes its ``predicted/`` file gets.
    """
    with layer.raster_path() as path:
        return sample_points(path, villages, band=layer.spec.band, crs=layer.crs)


def sample_coverage(layer: CoverageLayer, villages: gpd.GeoSeries) -> np.ndarray:
    """Whether each village is covered by one layer.

    Parameters
    ----------
    layer
        From :func:`load_coverage_layer`.
    villages
        Village points in the working CRS.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> covered = sample_coverage(layer, villages.geometry)  # doctest: +SKIP
    """
    points = villages.to_numpy()
    if layer.kind == "vector":
        covered = np.zeros(len(points), dtype=bool)
        if len(layer.polygons):
            vi, pi = layer.tree().query(points)
            hit = shapely.intersects(layer.polygons[pi], points[vi])
            covered[vi[hit]] = True
        return covered
    sample = sample_raster(layer, villages)
    return layer.covered_values(sample.values, sample.valid)


def distance_to_fibre(villages: gpd.GeoSeries, fibre: gpd.GeoSeries) -> np.ndarray:
    """Distance in metres from each village to the nearest fibre route or point.

    Both inputs must be in the same metric CRS. ``inf`` when there is no fibre.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> v = gpd.GeoSeries([shapely.Point(0, 30)], crs=32648)
    >>> f = gpd.GeoSeries([shapely.LineString([(-10, 0), (10, 0)])], crs=32648)
    >>> distance_to_fibre(v, f).tolist()
    [30.0]
    """
    if (
        fibre.crs is not None
        and villages.crs is not None
        and not CRS(fibre.crs).equals(CRS(villages.crs))
    ):
        raise ValueError(
            f"fibre is in {fibre.crs} but villages in {villages.crs}; reproject both to the "
            "working CRS first."
        )
    out = np.full(len(villages), np.inf)
    geoms = fibre.to_numpy()
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0 or len(villages) == 0:
        return out
    tree = shapely.STRtree(geoms)
    (vi, _), dist = tree.query_nearest(villages.to_numpy(), return_distance=True, all_matches=False)
    out[vi] = dist
    return out

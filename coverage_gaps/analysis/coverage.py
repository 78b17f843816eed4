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

__all__ = [
    "PIECE_SEGMENTS",
    "distance_to_fibre",
    "nearest_fibre_feature",
    "nearest_line",
    "sample_coverage",
    "sample_raster",
]

#: Segments in one piece when lines are cut for a nearest search: national routes are long
#: lines whose boxes cover half the country, so a search tree over whole lines tests most of
#: them for every village (tens of seconds for 100,000 villages); over short pieces it
#: tests a few. Distances are the same (each is the smallest over the same segments).
PIECE_SEGMENTS = 32


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


def _pieces(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``geoms`` with every line cut into pieces of at most :data:`PIECE_SEGMENTS` segments,
    and the index of the geometry each piece comes from."""
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    is_line = shapely.get_type_id(parts) == 1  # LineString
    lines, line_of = parts[is_line], part_of[is_line]
    coords, vertex_of = shapely.get_coordinates(lines, return_index=True)
    n = np.bincount(vertex_of, minlength=len(lines))
    first = np.cumsum(n) - n
    segments = np.maximum(n - 1, 0)
    count = -(-segments // PIECE_SEGMENTS)  # pieces per line
    line = np.repeat(np.arange(len(lines)), count)
    q = np.arange(len(line)) - np.repeat(np.cumsum(count) - count, count)
    start = q * PIECE_SEGMENTS
    size = np.minimum(start + PIECE_SEGMENTS, segments[line]) - start + 1  # vertices
    piece = np.repeat(np.arange(len(line)), size)
    offset = np.arange(len(piece)) - np.repeat(np.cumsum(size) - size, size)
    vertex = first[line][piece] + start[piece] + offset
    pieces = shapely.linestrings(coords[vertex], indices=piece) if len(piece) else lines[:0]
    others = ~is_line
    return (
        np.concatenate([pieces, parts[others]]),
        np.concatenate([line_of[line], part_of[others]]),
    )


def nearest_line(points: np.ndarray, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to, and index of, the nearest of ``geoms`` (lines or points) from each point;
    ``inf`` / -1 when there is none. Lines are searched as short pieces (see
    :data:`PIECE_SEGMENTS`).

    Examples
    --------
    >>> d, i = nearest_line(shapely.points([0, 50], [30, 0]),
    ...                     np.array([shapely.LineString([(-10, 0), (10, 0)]), shapely.Point(50, 2)]))
    >>> d.tolist(), i.tolist()
    ([30.0, 2.0], [0, 1])
    """
    dist = np.full(len(points), np.inf)
    idx = np.full(len(points), -1, dtype=np.int64)
    keep = (
        ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, bool)
    )
    pieces, origin = _pieces(geoms[keep])
    if len(pieces) and len(points):
        (pi, ti), d = shapely.STRtree(pieces).query_nearest(
            points, return_distance=True, all_matches=False
        )
        dist[pi] = d
        idx[pi] = np.flatnonzero(keep)[origin[ti]]
    return dist, idx


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
    return nearest_fibre_feature(villages, fibre)[0]


def nearest_fibre_feature(
    villages: gpd.GeoSeries, fibre: gpd.GeoSeries
) -> tuple[np.ndarray, np.ndarray]:
    """Distance in metres to, and position in ``fibre`` of, each village's nearest fibre
    route or point (``inf`` / -1 without fibre): the distances of the village table and
    the owners the priority assigns fibre-only villages to, from one search.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> v = gpd.GeoSeries([shapely.Point(0, 30), shapely.Point(50, 0)], crs=32648)
    >>> f = gpd.GeoSeries([shapely.LineString([(-10, 0), (10, 0)]), shapely.Point(50, 2)],
    ...                   crs=32648)
    >>> [a.tolist() for a in nearest_fibre_feature(v, f)]
    [[30.0, 2.0], [0, 1]]
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
    return nearest_line(villages.to_numpy(), fibre.to_numpy())

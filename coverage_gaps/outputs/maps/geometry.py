"""Geometries and numbers made small for the page: clipped to the map, simplified in
metres, coordinates rounded, NaN as ``null``."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
from pyproj import CRS

from ...io.checks import is_valid_quietly

__all__ = [
    "OVERVIEW_SIMPLIFY_M",
    "SIMPLIFY_M",
    "clip_to_bounds",
    "drop_empty",
    "round_numbers",
    "simplify_to_wgs84",
    "to_geojson",
]

#: (west, south, east, north) in degrees.
Bounds = tuple[float, float, float, float]
#: Tolerance, in metres, to which a map simplifies its outlines (about a pixel at zoom 13).
SIMPLIFY_M = 20.0
#: The national overview's tolerance, at least (the whole country on one page).
OVERVIEW_SIMPLIFY_M = 150.0


def to_geojson(
    geoms: np.ndarray, *, precision: int | None, props: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A FeatureCollection of WGS 84 geometries, coordinates rounded to ``precision`` decimals.

    Missing geometries are left out; ``props[i]`` are the properties of ``geoms[i]``. The
    coordinates are numpy arrays (rows of x, y), written by
    :func:`~.elements.to_script_json` as JSON arrays.

    Examples
    --------
    >>> from coverage_gaps.outputs.maps.elements import to_script_json
    >>> to_script_json(to_geojson(shapely.points([[105.123456, 21.5]]), precision=2))
    '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[105.12,21.5]}}]}'
    """
    if precision is not None:
        geoms = shapely.set_precision(geoms, 10.0**-precision, mode="pointwise")
    feats = [
        {
            "type": "Feature",
            "properties": props[i] if props is not None else {},
            "geometry": geometry,
        }
        for i, geometry in enumerate(_geometry_dicts(geoms))
        if geometry is not None
    ]
    return {"type": "FeatureCollection", "features": feats}


#: GeoJSON's name of each shapely geometry type id written from coordinate arrays.
_GEOJSON_TYPES = {
    0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
    6: "MultiPolygon",
}  # fmt: skip


def _geometry_dicts(geoms: np.ndarray) -> list[dict[str, Any] | None]:
    """Each geometry as a GeoJSON geometry object (None for a missing one), its coordinates
    taken as arrays from shapely's ragged arrays, one geometry type at a time.

    Parsing the GeoJSON text GEOS writes into Python lists took a quarter of a national
    map's time; the numbers written are the same (shortest round-trip form).
    """
    out: list[dict[str, Any] | None] = [None] * len(geoms)
    types = shapely.get_type_id(geoms)
    # collections, 3D and empty geometries (whose nesting GEOS writes its own way) as text
    types[(types >= 0) & (shapely.has_z(geoms) | shapely.is_empty(geoms))] = 99
    for type_id in np.unique(types[types >= 0]):
        idx = np.flatnonzero(types == type_id)
        if type_id in _GEOJSON_TYPES:
            _, coords, offsets = shapely.to_ragged_array(geoms[idx], include_z=False)
            name = _GEOJSON_TYPES[int(type_id)]
            for i, nested in zip(idx.tolist(), _nest(coords, offsets), strict=True):
                out[i] = {"type": name, "coordinates": nested}
        else:
            for i, text in zip(idx.tolist(), shapely.to_geojson(geoms[idx]), strict=True):
                out[i] = orjson.loads(text)
    return out


def _nest(coords: np.ndarray, offsets: tuple[np.ndarray, ...]) -> list[Any]:
    """The coordinates of each geometry, nested as GeoJSON nests them, from ragged arrays
    (``offsets`` innermost first)."""
    if not offsets:  # points: one row each
        return list(coords)
    parts: list[Any] = np.split(coords, offsets[0][1:-1]) if len(offsets[0]) > 1 else []
    for off in offsets[1:]:
        parts = [parts[a:b] for a, b in zip(off[:-1].tolist(), off[1:].tolist(), strict=True)]
    return parts


def clip_to_bounds(geoms: gpd.GeoSeries, bounds4326: Bounds) -> gpd.GeoSeries:
    """Only the part inside the map's bounds (with a small margin), in WGS 84: a national
    coverage polygon or fibre network must not travel whole into a province map."""
    minx, miny, maxx, maxy = bounds4326
    pad = 0.02 * max(maxx - minx, maxy - miny, 0.01)
    g = geoms.to_crs(4326) if geoms.crs is not None and CRS(geoms.crs) != CRS(4326) else geoms
    clipped = shapely.clip_by_rect(g.to_numpy(), minx - pad, miny - pad, maxx + pad, maxy + pad)
    return gpd.GeoSeries(clipped, crs=4326)


def simplify_to_wgs84(geoms: gpd.GeoSeries, metric: CRS, tolerance_m: float) -> np.ndarray:
    """Simplify in a metric CRS (:func:`simplify_for_drawing`); return WGS 84 geometries."""
    g = geoms.to_crs(metric) if geoms.crs is not None and CRS(geoms.crs) != metric else geoms
    arr = simplify_for_drawing(g.to_numpy(), tolerance_m)
    return gpd.GeoSeries(arr, crs=metric).to_crs(4326).to_numpy()


def simplify_for_drawing(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Geometries simplified for a picture: Douglas-Peucker, and where that makes a
    geometry invalid or empty or drops a part (an islet of a commune), the
    topology-preserving simplification instead.

    On the 3,321 communes of the country at 20 m (2.4 million vertices) Douglas-Peucker
    takes 0.5 s and leaves no geometry invalid or empty; the topology-preserving one
    takes 4.7 s for as many vertices kept.

    Examples
    --------
    >>> square = shapely.Polygon([(0, 0), (10, 0.1), (20, 0), (20, 20), (0, 20)])
    >>> simplify_for_drawing(np.array([square]), 1.0)[0].wkt
    'POLYGON ((0 0, 20 0, 20 20, 0 20, 0 0))'
    >>> thin = shapely.Polygon([(0, 0), (10, 9), (20, 0), (20, 10), (0, 10)])
    >>> shapely.simplify(thin, 12.0, preserve_topology=False).is_empty  # collapsed
    True
    >>> kept = simplify_for_drawing(np.array([thin]), 12.0)[0]
    >>> bool(kept.is_valid and not kept.is_empty)
    True
    >>> islands = shapely.MultiPolygon([shapely.box(0, 0, 100, 100), shapely.box(200, 0, 203, 3)])
    >>> int(shapely.get_num_geometries(shapely.simplify(islands, 5.0, preserve_topology=False)))
    1
    >>> int(shapely.get_num_geometries(simplify_for_drawing(np.array([islands]), 5.0)[0]))
    2
    """
    if tolerance <= 0:
        return geoms
    quick = shapely.simplify(geoms, tolerance, preserve_topology=False)
    lost = shapely.get_num_geometries(quick) < shapely.get_num_geometries(geoms)  # islets
    bad = ~is_valid_quietly(quick) | lost | (shapely.is_empty(quick) & ~shapely.is_empty(geoms))
    bad &= ~shapely.is_missing(geoms)
    if bad.any():
        quick[bad] = shapely.simplify(geoms[bad], tolerance, preserve_topology=True)
    return quick


def drop_empty(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` without the empty and missing ones (what clipping left outside the map)."""
    return geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]


def round_numbers(values: pd.Series, digits: int = 0) -> list[Any]:
    """Numbers as a JSON list, rounded to ``digits`` (ints when 0), NaN as ``None``.

    Examples
    --------
    >>> round_numbers(pd.Series([1.4, None, "2.6"]))
    [1, None, 3]
    >>> round_numbers(pd.Series([0.123]), 2)
    [0.12]
    """
    arr = np.round(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float), digits)
    return [None if x != x else (int(x) if digits == 0 else x) for x in arr.tolist()]

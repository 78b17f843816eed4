"""Geometries and numbers made small for the page: clipped to the map, simplified in
metres, coordinates rounded, NaN as ``null``."""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

__all__ = ["clip_to_bounds", "drop_empty", "round_numbers", "simplify_to_wgs84", "to_geojson"]

#: (west, south, east, north) in degrees.
Bounds = tuple[float, float, float, float]


def to_geojson(
    geoms: np.ndarray, *, precision: int | None, props: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A FeatureCollection of WGS 84 geometries, coordinates rounded to ``precision`` decimals.

    Missing geometries are left out; ``props[i]`` are the properties of ``geoms[i]``.

    Examples
    --------
    >>> to_geojson(shapely.points([[105.123456, 21.5]]), precision=2)["features"][0]["geometry"]
    {'type': 'Point', 'coordinates': [105.12, 21.5]}
    """
    if precision is not None:
        geoms = shapely.set_precision(geoms, 10.0**-precision, mode="pointwise")
    texts = shapely.to_geojson(geoms)
    feats = [
        {
            "type": "Feature",
            "properties": props[i] if props is not None else {},
            "geometry": json.loads(text),
        }
        for i, text in enumerate(texts)
        if text is not None
    ]
    return {"type": "FeatureCollection", "features": feats}


def clip_to_bounds(geoms: gpd.GeoSeries, bounds4326: Bounds) -> gpd.GeoSeries:
    """Only the part inside the map's bounds (with a small margin), in WGS 84: a national
    coverage polygon or fibre network must not travel whole into a province map."""
    minx, miny, maxx, maxy = bounds4326
    pad = 0.02 * max(maxx - minx, maxy - miny, 0.01)
    g = geoms.to_crs(4326) if geoms.crs is not None and CRS(geoms.crs) != CRS(4326) else geoms
    clipped = shapely.clip_by_rect(g.to_numpy(), minx - pad, miny - pad, maxx + pad, maxy + pad)
    return gpd.GeoSeries(clipped, crs=4326)


def simplify_to_wgs84(geoms: gpd.GeoSeries, metric: CRS, tolerance_m: float) -> np.ndarray:
    """Simplify in a metric CRS (topology kept per feature); return WGS 84 geometries."""
    g = geoms.to_crs(metric) if geoms.crs is not None and CRS(geoms.crs) != metric else geoms
    arr = g.to_numpy()
    if tolerance_m > 0:
        arr = shapely.simplify(arr, tolerance_m, preserve_topology=True)
    return gpd.GeoSeries(arr, crs=metric).to_crs(4326).to_numpy()


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

"""Local relief around each village, from the elevation model (``priority.dem``): rugged
ground makes a new site or a fibre spur dearer."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from ...io.rasters import sample_points

__all__ = ["local_relief"]


def local_relief(
    dem_path: Path, points: np.ndarray, crs: CRS, radius: float = 1000.0
) -> np.ndarray:
    """Elevation range (m) over each point and 8 points at `radius` around it.

    Samples outside the DEM (or on nodata) are left out; a point with none gets 0.
    """
    angles = np.arange(9) * (np.pi / 4)
    dx = np.r_[0.0, radius * np.cos(angles[:8])]
    dy = np.r_[0.0, radius * np.sin(angles[:8])]
    xs = (shapely.get_x(points)[:, None] + dx[None, :]).ravel()
    ys = (shapely.get_y(points)[:, None] + dy[None, :]).ravel()
    sample = sample_points(dem_path, gpd.GeoSeries(shapely.points(xs, ys), crs=crs))
    values = np.where(sample.valid, sample.values, np.nan).reshape(len(points), 9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: outside the DEM
        rng = np.nanmax(values, axis=1) - np.nanmin(values, axis=1)
    return np.nan_to_num(rng, nan=0.0)

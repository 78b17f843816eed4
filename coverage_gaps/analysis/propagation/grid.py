"""The grid a prediction is computed on, and the terrain resampled onto it.

A :class:`Grid` is north-up with square cells in a metric CRS (the working CRS). Its
origin is a multiple of the cell size, so the same bounds and resolution always give the
same grid. :func:`load_terrain` reads a DEM (any CRS, heights in metres above sea level)
once, resampled bilinearly onto the grid widened by a margin, so that profiles from sites
outside the grid still find their terrain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import rasterio
from pyproj import CRS
from rasterio.crs import CRS as RioCRS
from rasterio.transform import Affine
from rasterio.warp import Resampling, reproject

from ...io.rasters import open_raster

__all__ = ["Grid", "Terrain", "load_terrain", "make_grid"]


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells: ``transform``, ``width`` (columns), ``height``
    (rows) and ``crs`` (metric)."""

    transform: Affine
    width: int
    height: int
    crs: CRS

    @property
    def resolution(self) -> float:
        """Cell size in CRS units (metres)."""
        return float(self.transform.a)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)``."""
        x0, y1 = self.transform.c, self.transform.f
        res = self.resolution
        return (x0, y1 - self.height * res, x0 + self.width * res, y1)

    def widen(self, margin_m: float) -> Grid:
        """The grid grown by whole cells covering ``margin_m`` on every side.

        Examples
        --------
        >>> g = make_grid((0, 0, 1000, 500), resolution_m=100, crs=CRS(32648))
        >>> g.widen(150).bounds
        (-200.0, -200.0, 1200.0, 700.0)
        """
        res = self.resolution
        cells = math.ceil(margin_m / res)
        x0, _, _, y1 = self.bounds
        return Grid(
            Affine(res, 0.0, x0 - cells * res, 0.0, -res, y1 + cells * res),
            self.width + 2 * cells,
            self.height + 2 * cells,
            self.crs,
        )


def make_grid(bounds: tuple[float, float, float, float], *, resolution_m: float, crs: CRS) -> Grid:
    """The grid of ``resolution_m`` cells covering ``bounds``, its edges on multiples of
    the resolution.

    Examples
    --------
    >>> g = make_grid((430_020, 2_390_010, 430_990, 2_390_480), resolution_m=50, crs=CRS(32648))
    >>> g.width, g.height, g.bounds
    (20, 10, (430000.0, 2390000.0, 431000.0, 2390500.0))
    """
    if not resolution_m > 0:
        raise ValueError("resolution_m must be positive")
    res = float(resolution_m)
    x0 = math.floor(bounds[0] / res) * res
    y0 = math.floor(bounds[1] / res) * res
    x1 = max(math.ceil(bounds[2] / res) * res, x0 + res)
    y1 = max(math.ceil(bounds[3] / res) * res, y0 + res)
    return Grid(
        Affine(res, 0.0, x0, 0.0, -res, y1),
        round((x1 - x0) / res),
        round((y1 - y0) / res),
        CRS.from_user_input(crs),
    )


@dataclass(frozen=True)
class Terrain:
    """Ground heights (m above sea level, float32, no NaN) on ``grid``."""

    heights: npt.NDArray[np.float32]
    grid: Grid

    def sample(self, xs: npt.ArrayLike, ys: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Heights of the cells holding points (nearest cell; the edge cell outside).

        Examples
        --------
        >>> g = make_grid((0, 0, 200, 100), resolution_m=100, crs=CRS(32648))
        >>> t = Terrain(np.array([[1.0, 2.0]], dtype=np.float32), g)
        >>> t.sample([50, 150, 999], [50, 50, 50]).tolist()
        [1.0, 2.0, 2.0]
        """
        rows, cols = self.cells(xs, ys)
        return self.heights[rows, cols]

    def cells(self, xs: npt.ArrayLike, ys: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding points (clipped to the grid)."""
        t, res = self.grid.transform, self.grid.resolution
        inv = 1.0 / res
        cols = np.floor((np.asarray(xs) - t.c) * inv).astype(np.int64)
        rows = np.floor((t.f - np.asarray(ys)) * inv).astype(np.int64)
        np.clip(cols, 0, self.grid.width - 1, out=cols)
        np.clip(rows, 0, self.grid.height - 1, out=rows)
        return rows, cols


def load_terrain(path: str | Path, *, grid: Grid, margin_m: float = 0.0) -> Terrain:
    """Read a DEM resampled (bilinear) onto ``grid`` widened by ``margin_m``.

    The DEM may be in any CRS; its values must be metres above sea level (check it first
    with :func:`coverage_gaps.inputs.sites_list.check_dem`). Cells the DEM does not cover,
    or where it has no data, are taken at sea level (0 m): the sea, usually.

    Examples
    --------
    >>> terrain = load_terrain("dem.tif", grid=grid, margin_m=20_000)  # doctest: +SKIP
    """
    target = grid.widen(margin_m) if margin_m > 0 else grid
    heights = np.full((target.height, target.width), np.nan, dtype=np.float32)
    with open_raster(path) as ds:
        reproject(
            source=rasterio.band(ds, 1),
            destination=heights,
            src_nodata=ds.nodata,
            dst_transform=target.transform,
            dst_crs=RioCRS.from_wkt(target.crs.to_wkt()),
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    np.nan_to_num(heights, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return Terrain(heights, target)

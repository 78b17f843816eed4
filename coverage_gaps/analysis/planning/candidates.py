"""Candidate sites when none are given: a grid near the gap, on local high points.

The working CRS is cut into square cells of ``spacing_m`` (anchored at multiples of the
spacing, so a cell keeps its name whatever the villages). A cell whose centre lies within
``near_gap_m`` of a target village holds one candidate: the highest DEM pixel inside the
cell (a hill top serves more villages than a valley floor), or the cell centre without a
DEM. The DEM is read window by window (:data:`~coverage_gaps.io.rasters.TILE` pixels a
side), only where cells were kept; each pixel centre is placed in its cell (transformed to
the working CRS when the DEM is in another one) and the highest per cell is kept, ties
going to the first pixel in row order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from rasterio.warp import transform_bounds
from rasterio.windows import Window
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from ..._errors import InputDataError, Problem, warn_problem
from ...io.rasters import TILE, open_raster, transform_xy
from .problem import SOURCE

__all__ = ["CANDIDATE_COLUMNS", "generate_candidates"]

#: Columns of the generated candidates (besides the geometry).
CANDIDATE_COLUMNS = ("candidate", "cell_x", "cell_y", "ground_m")


def _cells(xy: np.ndarray, spacing_m: float, near_gap_m: float) -> np.ndarray:
    """(cells, 2) integer cell indices whose centre is within ``near_gap_m`` of a village."""
    low = np.floor((xy.min(axis=0) - near_gap_m) / spacing_m).astype(np.int64)
    high = np.floor((xy.max(axis=0) + near_gap_m) / spacing_m).astype(np.int64)
    ix, iy = np.meshgrid(
        np.arange(low[0], high[0] + 1), np.arange(low[1], high[1] + 1), indexing="xy"
    )
    cells = np.column_stack([ix.ravel(), iy.ravel()])
    centres = (cells + 0.5) * spacing_m
    reach = near_gap_m * (1 + 1e-12) + 1e-6  # within: the bound itself included
    dist, _ = cKDTree(xy).query(centres, k=1, distance_upper_bound=reach)
    return cells[np.isfinite(dist)]


def _key(cells: np.ndarray) -> np.ndarray:
    """One int64 per cell index pair (indices stay far below 2**31 for any real grid)."""
    return (cells[:, 0] << 32) + (cells[:, 1] & 0xFFFFFFFF)


def _windows(ds: object, bounds: tuple[float, float, float, float]) -> Iterator[Window]:
    """TILE x TILE windows of the raster ``ds`` covering ``bounds`` (raster CRS)."""
    inv = ~ds.transform  # type: ignore[attr-defined]
    cols, rows = zip(*(inv @ (x, y) for x in bounds[0::2] for y in bounds[1::2]), strict=True)
    c0 = max(int(np.floor(min(cols))), 0)
    r0 = max(int(np.floor(min(rows))), 0)
    c1 = min(int(np.ceil(max(cols))), ds.width)  # type: ignore[attr-defined]
    r1 = min(int(np.ceil(max(rows))), ds.height)  # type: ignore[attr-defined]
    for r in range(r0, r1, TILE):
        for c in range(c0, c1, TILE):
            yield Window(c, r, min(TILE, c1 - c), min(TILE, r1 - r))


def _dem_crs(ds: object, path: Path, dem_crs: CRS | None) -> CRS:
    crs = ds.crs  # type: ignore[attr-defined]
    if crs is not None:
        return CRS.from_wkt(crs.to_wkt())
    if dem_crs is None:
        raise InputDataError(
            [
                Problem(
                    str(path), "", "the DEM has no CRS.", "give its CRS (dem_crs) or fix the file."
                )
            ]
        )
    return dem_crs


class _Highest:
    """The highest pixel found so far in each kept cell."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = keys  # sorted
        self.value = np.full(len(keys), -np.inf)
        self.x = np.full(len(keys), np.nan)
        self.y = np.full(len(keys), np.nan)

    def update(self, cell_keys: np.ndarray, x: np.ndarray, y: np.ndarray, v: np.ndarray) -> None:
        """Offer pixels (cell key, working x, y, height); cells not kept are ignored."""
        pos = np.searchsorted(self.keys, cell_keys)
        pos = np.minimum(pos, len(self.keys) - 1)
        kept = self.keys[pos] == cell_keys
        pos, x, y, v = pos[kept], x[kept], y[kept], v[kept]
        order = np.lexsort((-v, pos))  # by cell, highest first; stable: first pixel on ties
        pos, x, y, v = pos[order], x[order], y[order], v[order]
        first = np.r_[True, pos[1:] != pos[:-1]]
        pos, x, y, v = pos[first], x[first], y[first], v[first]
        better = v > self.value[pos]
        target = pos[better]
        self.value[target], self.x[target], self.y[target] = v[better], x[better], y[better]


def _snap_to_dem(
    cells: np.ndarray, spacing_m: float, crs: CRS, dem: Path, dem_crs: CRS | None
) -> _Highest:
    """The highest valid DEM pixel in each cell."""
    keys = _key(cells)
    order = np.argsort(keys)
    best = _Highest(keys[order])
    lo = cells.min(axis=0) * spacing_m
    hi = (cells.max(axis=0) + 1) * spacing_m
    with open_raster(dem) as ds:
        src = _dem_crs(ds, dem, dem_crs)
        bounds = transform_bounds(crs, src, lo[0], lo[1], hi[0], hi[1], densify_pts=21)
        for win in _windows(ds, bounds):
            arr = ds.read(1, window=win, masked=True)
            rows, cols = np.nonzero(~np.ma.getmaskarray(arr))
            values = np.ma.getdata(arr)[rows, cols].astype(float)
            fine = np.isfinite(values)
            rows, cols, values = rows[fine], cols[fine], values[fine]
            t = ds.window_transform(win)
            px = t.a * (cols + 0.5) + t.b * (rows + 0.5) + t.c
            py = t.d * (cols + 0.5) + t.e * (rows + 0.5) + t.f
            x, y = transform_xy(px, py, src, crs)
            pixel_cells = np.floor(np.column_stack([x, y]) / spacing_m).astype(np.int64)
            best.update(_key(pixel_cells), np.asarray(x), np.asarray(y), values)
    # back to the order of ``cells``
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    best.value, best.x, best.y = best.value[back], best.x[back], best.y[back]
    best.keys = keys
    return best


def _touching(cells: np.ndarray, spacing_m: float, within: gpd.GeoSeries) -> np.ndarray:
    """The cells whose square touches one of the ``within`` polygons (an R-tree query)."""
    x0, y0 = cells[:, 0] * spacing_m, cells[:, 1] * spacing_m
    boxes = shapely.box(x0, y0, x0 + spacing_m, y0 + spacing_m)
    hit = np.unique(within.sindex.query(boxes, predicate="intersects")[0])
    return cells[hit]


def generate_candidates(
    villages: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    spacing_m: float = 1000.0,
    near_gap_m: float = 15000.0,
    dem: str | Path | None = None,
    dem_crs: CRS | None = None,
    within: BaseGeometry | gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """A grid of candidate sites near the target villages, on local high points of a DEM.

    Parameters
    ----------
    villages
        The target villages (points) in the working (metric) CRS.
    spacing_m
        Side of the grid cells: one candidate per cell.
    near_gap_m
        Keep cells whose centre lies within this distance of a target village.
    dem
        Elevation model (any CRS, metres): each candidate is the highest pixel of its cell.
        Without it, candidates are the cell centres (``ground_m`` NaN).
    dem_crs
        The DEM's CRS when the file has none.
    within
        Keep only candidates inside this area (working CRS), for example the province: one
        polygon, or several (the communes, as a GeoSeries: cells touching none are dropped
        before the DEM is read, so that the DEM needs to cover the area only).

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate`` ("G<x>_<y>", the cell), ``cell_x``, ``cell_y``, ``ground_m`` and the
        point, in the villages' CRS, ordered by cell (x, then y).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gap = gpd.GeoSeries(shapely.points([[500, 500]]), crs=32648)
    >>> generate_candidates(gap, spacing_m=1000, near_gap_m=1000)["candidate"].tolist()
    ['G-1_0', 'G0_-1', 'G0_0', 'G0_1', 'G1_0']
    """
    points = villages.geometry if isinstance(villages, gpd.GeoDataFrame) else villages
    if spacing_m <= 0 or near_gap_m < 0:
        raise InputDataError(
            [
                Problem(
                    SOURCE,
                    "generate",
                    f"spacing_m is {spacing_m} and near_gap_m is {near_gap_m}.",
                    "give a spacing_m above 0 and a near_gap_m of 0 or more.",
                )
            ]
        )
    crs = CRS.from_user_input(points.crs)
    arr = points.to_numpy()
    xy = np.column_stack([shapely.get_x(arr), shapely.get_y(arr)])
    cells = _cells(xy, spacing_m, near_gap_m) if len(xy) else np.zeros((0, 2), dtype=np.int64)
    if isinstance(within, gpd.GeoSeries) and len(cells):
        cells = _touching(cells, spacing_m, within)
    cx, cy = (cells[:, 0] + 0.5) * spacing_m, (cells[:, 1] + 0.5) * spacing_m
    ground = np.full(len(cells), np.nan)
    if dem is not None and len(cells):
        best = _snap_to_dem(cells, spacing_m, crs, Path(dem), dem_crs)
        found = np.isfinite(best.value)
        if not found.all():
            warn_problem(
                Problem(
                    str(dem),
                    "",
                    f"{int((~found).sum())} of {len(cells)} candidate cells have no DEM value; "
                    "no candidate is placed there.",
                    "use a DEM covering every gap village and its surroundings.",
                )
            )
        cells, cx, cy, ground = cells[found], best.x[found], best.y[found], best.value[found]
    return _frame(cells, cx, cy, ground, crs, within)


def _inside(x: np.ndarray, y: np.ndarray, within: BaseGeometry | gpd.GeoSeries) -> np.ndarray:
    """Which points lie in ``within`` (one polygon, or any of several; edges included for
    several)."""
    if not isinstance(within, gpd.GeoSeries):
        return np.asarray(shapely.contains_xy(within, x, y), dtype=bool)
    inside = np.zeros(len(x), dtype=bool)
    if len(x):
        hits = within.sindex.query(shapely.points(x, y), predicate="intersects")[0]
        inside[np.unique(hits)] = True
    return inside


def _frame(
    cells: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    ground: np.ndarray,
    crs: CRS,
    within: BaseGeometry | gpd.GeoSeries | None,
) -> gpd.GeoDataFrame:
    """The candidates as a frame, in candidate order, inside ``within``."""
    if within is not None:
        inside = _inside(x, y, within)
        cells, x, y, ground = cells[inside], x[inside], y[inside], ground[inside]
    names = pd.Series(cells[:, 0]).astype(str).radd("G") + "_" + pd.Series(cells[:, 1]).astype(str)
    frame = gpd.GeoDataFrame(
        {
            "candidate": names.to_numpy(dtype=object),
            "cell_x": cells[:, 0],
            "cell_y": cells[:, 1],
            "ground_m": ground,
        },
        geometry=shapely.points(x, y) if len(x) else gpd.array.from_shapely([]),
        crs=crs,
    )
    return frame.sort_values(["cell_x", "cell_y"], kind="stable").reset_index(drop=True)

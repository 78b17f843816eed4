"""Reading rasters: at points, window by window, and chosen windows in parallel.

One reader serves every raster the tool samples (coverage rasters, the DEM):
the points are grouped by ``TILE`` x ``TILE`` window and only windows holding a
point are decoded, so a raster larger than memory works.

:func:`read_windows` decodes a chosen set of windows (the blocks of a coverage raster that
hold communes or villages) on a pool of threads, one open dataset per thread, and hands each
window's array to a function run in that thread. A pool over windows rather than GDAL's own
``GDAL_NUM_THREADS``: GDAL decodes in parallel only the blocks of one request, and the
windows wanted here are scattered (the sea and the neighbouring countries are skipped); the
work done on each decoded block (thresholds, sampling, pooling) also runs in the pool, and
rasterio releases the GIL while GDAL decodes.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from pyproj import CRS, Transformer
from rasterio.transform import Affine
from rasterio.windows import Window

from .._machine import available_cores
from ..results import RasterSample

__all__ = [
    "CACHE_BYTES",
    "TILE",
    "open_raster",
    "raster_crs",
    "read_threads",
    "read_windows",
    "sample_points",
    "transform_xy",
]

R = TypeVar("R")

#: Side, in pixels, of the windows rasters are read by.
TILE = 2048
#: GDAL's block cache while we read (GDAL's default is 5 % of the machine's memory, which
#: would make a decimated read of a huge raster hold over a gigabyte of blocks).
CACHE_BYTES = 256 * 2**20


@contextlib.contextmanager
def open_raster(path: str | Path) -> Iterator[rasterio.io.DatasetReader]:
    """Open a raster for reading with GDAL's block cache bounded to :data:`CACHE_BYTES`."""
    with rasterio.Env(GDAL_CACHEMAX=CACHE_BYTES), rasterio.open(path) as ds:
        yield ds


def transform_xy(
    xs: np.ndarray, ys: np.ndarray, src: CRS, dst: CRS
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from ``src`` to ``dst`` (x = easting/longitude first)."""
    if src.equals(dst):
        return xs, ys
    t = Transformer.from_crs(src, dst, always_xy=True)
    return t.transform(xs, ys)


def raster_crs(path: str | Path) -> CRS | None:
    """The raster's CRS as a pyproj CRS (None when it has none)."""
    with rasterio.open(path) as ds:
        return CRS.from_wkt(ds.crs.to_wkt()) if ds.crs is not None else None


def _tiles(
    rows: np.ndarray, cols: np.ndarray, inside: np.ndarray
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Group the points inside the raster by TILE x TILE window."""
    idx = np.flatnonzero(inside)
    if idx.size == 0:
        return
    key = (rows[idx] // TILE) * (1 << 32) + (cols[idx] // TILE)
    order = np.argsort(key, kind="stable")
    idx, key = idx[order], key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], idx.size]
    for s, e in zip(starts, ends, strict=True):
        members = idx[s:e]
        yield int(rows[members[0]] // TILE), int(cols[members[0]] // TILE), members


def _pixel_of(
    xs: np.ndarray, ys: np.ndarray, transform: Affine, width: int, height: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and inside-the-raster flag of each point (raster CRS)."""
    inv = ~transform
    colf = inv.a * xs + inv.b * ys + inv.c
    rowf = inv.d * xs + inv.e * ys + inv.f
    with np.errstate(invalid="ignore"):
        inside = (
            np.isfinite(colf)
            & np.isfinite(rowf)
            & (colf >= 0)
            & (rowf >= 0)
            & (colf < width)
            & (rowf < height)
        )
    cols = np.where(inside, np.floor(np.where(inside, colf, 0)), 0).astype(np.int64)
    rows = np.where(inside, np.floor(np.where(inside, rowf, 0)), 0).astype(np.int64)
    return rows, cols, inside


def sample_points(
    path: str | Path, points: gpd.GeoSeries, *, band: int = 1, crs: CRS | None = None
) -> RasterSample:
    """Raster values at points (any CRS; transformed to the raster's).

    Parameters
    ----------
    path
        The raster.
    points
        Points with a CRS.
    band
        Band to read (1-based).
    crs
        The raster's CRS when the file has none (given in the project file).

    Examples
    --------
    >>> sample = sample_points("dem.tif", villages.geometry)  # doctest: +SKIP
    """
    pts = points.to_numpy()
    values = np.full(len(pts), np.nan)
    valid = np.zeros(len(pts), dtype=bool)
    with open_raster(path) as ds:
        src_crs = CRS.from_wkt(ds.crs.to_wkt()) if ds.crs is not None else crs
        assert src_crs is not None, "a raster without CRS needs crs="
        xs, ys = transform_xy(
            shapely.get_x(pts), shapely.get_y(pts), CRS.from_user_input(points.crs), src_crs
        )
        rows, cols, inside = _pixel_of(xs, ys, ds.transform, ds.width, ds.height)
        for trow, tcol, members in _tiles(rows, cols, inside):
            r0, c0 = trow * TILE, tcol * TILE
            win = Window(c0, r0, min(TILE, ds.width - c0), min(TILE, ds.height - r0))
            arr = ds.read(band, window=win, masked=True)
            sub = arr[rows[members] - r0, cols[members] - c0]
            data = np.ma.getdata(sub).astype(float)
            values[members] = data
            valid[members] = ~np.ma.getmaskarray(sub) & np.isfinite(data)
    return RasterSample(values, valid, inside)


def read_threads() -> int:
    """Threads decoding raster blocks: the cores this process may use (at most 8)."""
    return max(1, min(available_cores(), 8))


def read_windows(
    path: str | Path,
    windows: Sequence[Window],
    work: Callable[[int, np.ndarray], R],
    *,
    band: int = 1,
    masked: bool = False,
    threads: int | None = None,
) -> Iterator[tuple[int, R]]:
    """Decode ``windows`` of one band on a pool of threads; yield ``(i, work(i, array))``
    as each window is done (in no particular order).

    ``work`` runs in the reading thread; its results are handed over through a bounded
    queue, so at most a few windows' results wait in memory. An error in a thread stops the
    others and is raised here.

    Examples
    --------
    >>> done = dict(read_windows("r.tif", [Window(0, 0, 512, 512)], lambda i, a: a.mean()))  # doctest: +SKIP
    """
    n = max(1, min(threads or read_threads(), len(windows)))
    results: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=4 * n)
    stop = threading.Event()

    def run(first: int) -> None:
        try:
            with open_raster(path) as ds:
                for i in range(first, len(windows), n):
                    if stop.is_set():
                        return
                    results.put((i, work(i, ds.read(band, window=windows[i], masked=masked))))
        except BaseException as exc:  # handed to the caller, who raises it
            results.put((-1, exc))

    pool = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(n)]
    for thread in pool:
        thread.start()
    try:
        for _ in range(len(windows)):
            i, value = results.get()
            if i < 0:
                raise value
            yield i, value
    finally:
        stop.set()
        while any(t.is_alive() for t in pool):  # let blocked producers finish
            with contextlib.suppress(queue.Empty):
                results.get(timeout=0.05)
        for thread in pool:
            thread.join()

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
import functools
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
from rasterio.enums import MaskFlags
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
    "read_valid",
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
            arr, ok = read_valid(ds, band, win)
            r, c = rows[members] - r0, cols[members] - c0
            values[members] = arr[r, c].astype(float)
            valid[members] = ok[r, c]
    return RasterSample(values, valid, inside)


def read_valid(
    ds: rasterio.io.DatasetReader, band: int, window: Window
) -> tuple[np.ndarray, np.ndarray]:
    """A window of one band and where it holds data: not masked by GDAL (the band's nodata,
    mask band or alpha), and finite.

    Where the band's only mask is its nodata value, the mask is worked out here from the
    values, as GDAL's nodata mask band decides it, instead of asking GDAL for it: GDAL tests
    a float band's pixels one by one (and decodes the block a second time when its cache
    has let it go), which cost three times the decoding of a block. The result is the same
    (``tests/test_rasters.py`` compares with ``read(masked=True)`` on every data type, nodata
    values at the ends of their type's range, NaN, and values a few units in the last place
    from the nodata value, which GDAL counts as nodata too).

    Examples
    --------
    >>> values, valid = read_valid(ds, 1, Window(0, 0, 512, 512))  # doctest: +SKIP
    """
    flags = ds.mask_flag_enums[band - 1]
    kind = np.dtype(ds.dtypes[band - 1])
    if (
        kind.kind not in "fiu"
        or kind == np.float16
        or MaskFlags.per_dataset in flags
        or MaskFlags.alpha in flags
        or not (MaskFlags.nodata in flags or MaskFlags.all_valid in flags)
    ):
        arr = ds.read(band, window=window, masked=True)
        values = np.ma.getdata(arr)
        valid = ~np.ma.getmaskarray(arr)
    else:
        values = ds.read(band, window=window)
        nodata = ds.nodatavals[band - 1] if MaskFlags.nodata in flags else None
        valid = _not_nodata(values, nodata)
    if values.dtype.kind == "f":
        valid &= np.isfinite(values)
    return values, valid


def _not_nodata(values: np.ndarray, nodata: float | None) -> np.ndarray:
    """Where ``values`` are not ``nodata`` as GDAL's nodata mask band tells them apart: an
    integer band's nodata cast to the band's type (truncated), a float band's equal to within
    GDAL's ``ARE_REAL_EQUAL`` (a relative ``2 * FLT_EPSILON``), NaN for a NaN nodata.

    Examples
    --------
    >>> a = np.array([-9999.0, np.nextafter(np.float32(-9999), 0), -9998.99, 5.0], np.float32)
    >>> _not_nodata(a, -9999.0).tolist()
    [False, False, True, True]
    >>> _not_nodata(np.array([0, 3, 4], np.uint8), 3.7).tolist()
    [True, False, True]
    """
    if nodata is None:
        return np.ones(values.shape, dtype=bool)
    if values.dtype.kind != "f":
        info = np.iinfo(values.dtype)
        if not info.min <= nodata <= info.max:  # GDAL then masks nothing
            return np.ones(values.shape, dtype=bool)
        return values != values.dtype.type(int(nodata))
    if np.isnan(nodata):
        return ~np.isnan(values)
    lo, hi = _nodata_range(values.dtype.type(nodata))
    if lo == hi:
        return values != lo
    return (values < lo) | (values > hi)


@functools.lru_cache(maxsize=64, typed=True)  # once per raster; float32 and float64 apart
def _nodata_range(nodata: np.floating) -> tuple[np.floating, np.floating]:
    """The smallest and largest floats of ``nodata``'s type that GDAL's ``ARE_REAL_EQUAL``
    holds equal to it: ``a == b`` or ``|a - b| < FLT_EPSILON * |a + b| * 2``, computed in
    that type. The values it holds equal make one run of consecutive floats around
    ``nodata`` (near ``nodata`` the difference is exact and grows faster than the bound), so
    its ends are found by bisection over the floats' bit patterns.

    Examples
    --------
    >>> lo, hi = _nodata_range(np.float32(-9999))
    >>> [int(abs(v.view(np.int32) - np.float32(-9999).view(np.int32))) for v in (lo, hi)]
    [4, 4]
    >>> _nodata_range(np.float64(0.0))
    (np.float64(-0.0), np.float64(0.0))
    """
    kind = type(nodata)
    if not np.isfinite(nodata) or nodata == 0:
        return (kind(-0.0), kind(0.0)) if nodata == 0 else (nodata, nodata)
    eps, two = kind(np.finfo(np.float32).eps), kind(2)
    uints = {np.float32: np.uint32, np.float64: np.uint64}[kind]
    size = 2 ** (8 * np.dtype(uints).itemsize)

    def at(k: int) -> np.floating:  # the float ``k`` bit patterns away from nodata
        return kind(np.array((bits + k) % size, uints).view(kind)[()])

    def equal(k: int) -> bool:
        v = at(k)
        with np.errstate(over="ignore", invalid="ignore"):
            return bool(v == nodata or abs(v - nodata) < eps * abs(v + nodata) * two)

    bits = int(np.array(nodata).view(uints))
    ends = []
    for step in (-1, 1):  # smaller and larger magnitudes (the run does not reach zero)
        near, far = 0, 1
        while equal(step * far):
            near, far = far, far * 2
        while far - near > 1:
            mid = (near + far) // 2
            near, far = (mid, far) if equal(step * mid) else (near, mid)
        ends.append(at(step * near))
    return min(ends), max(ends)


def read_threads() -> int:
    """Threads decoding raster blocks: the cores this process may use (at most 8)."""
    return max(1, min(available_cores(), 8))


def read_windows(
    path: str | Path,
    windows: Sequence[Window],
    work: Callable[[int, np.ndarray, np.ndarray], R],
    *,
    band: int = 1,
    threads: int | None = None,
) -> Iterator[tuple[int, R]]:
    """Decode ``windows`` of one band on a pool of threads; yield
    ``(i, work(i, values, valid))`` as each window is done (in no particular order), with
    ``valid`` where the window holds data (:func:`read_valid`).

    ``work`` runs in the reading thread; its results are handed over through a bounded
    queue, so at most a few windows' results wait in memory. An error in a thread stops the
    others and is raised here.

    Examples
    --------
    >>> done = dict(read_windows("r.tif", [Window(0, 0, 512, 512)], lambda i, a, ok: a[ok].mean()))  # doctest: +SKIP
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
                    results.put((i, work(i, *read_valid(ds, band, windows[i]))))
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

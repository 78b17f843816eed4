"""Share of each commune's area covered by each technology, on one grid."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from ..io.rasters import TILE, open_raster
from ..results import CoverageLayer

__all__ = ["measure_covered_area"]

#: Largest source window (pixels) read at full resolution when putting a raster on the area grid.
MAX_WINDOW_PIXELS = 1 << 24


def measure_covered_area(
    communes: gpd.GeoDataFrame, layers: Sequence[CoverageLayer], *, resolution: float = 100.0
) -> pd.DataFrame:
    """Share of each commune's area covered by each technology (any carrier).

    Every layer is put on one grid of ``resolution`` metres in the working CRS
    (rasters warped with nearest neighbour, polygons burnt in), tile by tile, and
    the covered cells are counted per commune.

    Parameters
    ----------
    communes
        Standardised communes in the working CRS.
    layers
        Coverage layers (rasters and polygons).
    resolution
        Grid cell side in metres.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``commune_id``, one column ``pct_area_<tech>`` per technology
        present, in percent of the commune's grid cells.

    Examples
    --------
    >>> shares = measure_covered_area(communes, layers, resolution=100)  # doctest: +SKIP
    """
    techs = sorted({lyr.spec.technology for lyr in layers})
    n = len(communes)
    total = np.zeros(n + 1, dtype=np.int64)
    covered = {t: np.zeros(n + 1, dtype=np.int64) for t in techs}
    if n == 0:
        return pd.DataFrame(
            index=communes["commune_id"], columns=[f"pct_area_{t.lower()}" for t in techs]
        )
    crs = CRS.from_user_input(communes.crs)
    minx, miny, maxx, maxy = communes.total_bounds
    width = max(1, int(np.ceil((maxx - minx) / resolution)))
    height = max(1, int(np.ceil((maxy - miny) / resolution)))
    grid = Affine(resolution, 0, minx, 0, -resolution, maxy)
    geoms = communes.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    rio_crs = rasterio.crs.CRS.from_wkt(crs.to_wkt())
    for r0 in range(0, height, TILE):
        for c0 in range(0, width, TILE):
            h, w = min(TILE, height - r0), min(TILE, width - c0)
            tt = grid @ Affine.translation(c0, r0)
            box = shapely.box(tt.c, tt.f - h * resolution, tt.c + w * resolution, tt.f)
            hit = tree.query(box, predicate="intersects")
            if hit.size == 0:
                continue
            ids = rasterize(
                ((geoms[i], int(i) + 1) for i in hit),
                out_shape=(h, w),
                transform=tt,
                fill=0,
                dtype="int32",
            )
            inside = ids > 0
            if not inside.any():
                continue
            total += np.bincount(ids[inside], minlength=n + 1)
            for tech in techs:
                mask = np.zeros((h, w), dtype=bool)
                for lyr in layers:
                    if lyr.spec.technology == tech:
                        mask |= _layer_on_grid(lyr, tt, h, w, rio_crs, box)
                mask &= inside
                covered[tech] += np.bincount(ids[mask], minlength=n + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        data = {
            f"pct_area_{t.lower()}": np.where(
                total[1:] > 0, 100.0 * covered[t][1:] / total[1:], np.nan
            )
            for t in techs
        }
    return pd.DataFrame(data, index=pd.Index(communes["commune_id"].to_numpy(), name="commune_id"))


def _nodata_sentinel(dtype: np.dtype) -> float:
    if dtype.kind == "f":
        return float("nan")
    info = np.iinfo(dtype)
    return float(info.max if dtype.kind == "u" else info.min)


def _layer_on_grid(
    layer: CoverageLayer,
    transform: Affine,
    h: int,
    w: int,
    crs: rasterio.crs.CRS,
    box: shapely.Geometry,
    *,
    fast: bool = True,
) -> np.ndarray:
    if layer.kind == "vector":
        if len(layer.polygons) == 0:
            return np.zeros((h, w), dtype=bool)
        hit = layer.tree().query(box, predicate="intersects")
        if hit.size == 0:
            return np.zeros((h, w), dtype=bool)
        return rasterize(
            ((layer.polygons[i], 1) for i in hit),
            out_shape=(h, w),
            transform=transform,
            fill=0,
            dtype="uint8",
        ).astype(bool)
    st = layer.transform
    if (
        fast
        and layer.crs is not None
        and st is not None
        and layer.crs.equals(CRS.from_wkt(crs.to_wkt()))
        and st.b == 0
        and st.d == 0
    ):
        return _same_crs_on_grid(layer, transform, h, w)
    dtype = np.dtype(layer.dtype)
    nodata = layer.nodata if layer.nodata is not None else _nodata_sentinel(dtype)
    with layer.raster_path() as path, open_raster(path) as ds:
        src_crs = ds.crs
        if src_crs is None and layer.crs is not None:  # CRS given in the project file
            src_crs = rasterio.crs.CRS.from_wkt(layer.crs.to_wkt())
        with WarpedVRT(
            ds,
            src_crs=src_crs,
            crs=crs,
            transform=transform,
            width=w,
            height=h,
            resampling=Resampling.nearest,
            src_nodata=nodata,
            nodata=nodata,
        ) as vrt:
            arr = vrt.read(layer.spec.band, masked=True)
    data = np.ma.getdata(arr).astype(float)
    valid = ~np.ma.getmaskarray(arr) & np.isfinite(data)
    return layer.covered_values(data, valid)


def _same_crs_on_grid(layer: CoverageLayer, transform: Affine, h: int, w: int) -> np.ndarray:
    """Nearest-neighbour resampling without a warp, for a north-up raster already in the
    working CRS: the source row of each grid row and the source column of each grid column
    are computed once, and one window of the source is read and indexed."""
    st = layer.transform
    assert st is not None
    xs = transform.c + (np.arange(w) + 0.5) * transform.a
    ys = transform.f + (np.arange(h) + 0.5) * transform.e
    cols = np.floor((xs - st.c) / st.a).astype(np.int64)
    rows = np.floor((ys - st.f) / st.e).astype(np.int64)
    col_ok = (cols >= 0) & (cols < layer.width)
    row_ok = (rows >= 0) & (rows < layer.height)
    out = np.zeros((h, w), dtype=bool)
    if not col_ok.any() or not row_ok.any():
        return out
    c0, c1 = int(cols[col_ok].min()), int(cols[col_ok].max()) + 1
    r0, r1 = int(rows[row_ok].min()), int(rows[row_ok].max()) + 1
    ri = np.flatnonzero(row_ok)
    ci = np.flatnonzero(col_ok)
    window = Window(c0, r0, c1 - c0, r1 - r0)
    # a source much finer than the grid: let GDAL pick the nearest pixels block by block
    # (a decimated read) instead of reading a window that may not fit in memory
    decimate = (r1 - r0) * (c1 - c0) > max(MAX_WINDOW_PIXELS, 16 * len(ri) * len(ci))
    with layer.raster_path() as path, open_raster(path) as ds:
        if decimate:
            arr = ds.read(layer.spec.band, window=window, out_shape=(len(ri), len(ci)), masked=True,
                          resampling=Resampling.nearest)  # fmt: skip
        else:
            arr = ds.read(layer.spec.band, window=window, masked=True)
    data = np.ma.getdata(arr).astype(float)
    valid = ~np.ma.getmaskarray(arr) & np.isfinite(data)
    covered = layer.covered_values(data, valid)
    out[np.ix_(ri, ci)] = covered if decimate else covered[np.ix_(rows[ri] - r0, cols[ci] - c0)]
    return out

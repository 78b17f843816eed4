"""The area grid, and every raster coverage layer on it, each raster block decoded once.

The area grid has square cells of ``area_resolution_m`` in the working CRS over the
communes' extent. Its corner sits on the pixel grid of the first raster that is in the
working CRS, north-up, with a pixel that divides the cell (so its pixels fall whole into
cells), otherwise on round multiples of the cell side.

A raster goes onto the grid in one of four ways (its *plan*):

- ``pooled``: in the working CRS, north-up, square pixels lined up with the grid, ``k x k``
  pixels a cell (``k`` from 1 to :data:`MAX_POOL`): a cell's covered share is the share of
  its pixels that are covered (with ``k = 1``, the pixel itself); with ``k > 1`` the pixels
  of the cells covered in part are kept too (``LayerGrid.fine``), for the exact area
  shares where such a cell holds a commune's edge;
- ``nearest``: in the working CRS and north-up otherwise: each cell takes the pixel under
  its centre;
- ``decimated``: pixels more than :data:`MAX_POOL` times finer than the cells: GDAL reads the
  pixel under each cell's centre, tile by tile (a raster larger than memory works);
- ``warped``: another CRS, or a rotated raster: GDAL's warper (nearest neighbour) onto each
  tile of the grid.

For ``pooled`` and ``nearest`` the raster's blocks that hold a commune or a village are
decoded once each, on a pool of threads (:func:`coverage_gaps.io.rasters.read_windows`),
and each decoded block serves both the villages in it (their values) and the grid; blocks
over the sea or across the border are never read. For the other two, the villages are read
at their own windows (:func:`coverage_gaps.io.rasters.sample_points`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window
from tqdm.auto import tqdm

from ..io.rasters import open_raster, read_windows, sample_points
from ..results import (
    CoverageGrids,
    CoverageLayer,
    FineCells,
    GridSpec,
    LayerGrid,
    RasterSample,
)

__all__ = [
    "MAX_POOL",
    "MAX_WINDOW_PIXELS",
    "area_grid",
    "layer_on_grid",
    "raster_plan",
    "read_layer_grids",
]

#: Most pixels a side pooled into one cell (a cell's count of covered pixels fits a byte).
MAX_POOL = 15
#: Largest source window (pixels) read at full resolution when putting a raster on the grid
#: tile by tile (``decimated``/``warped`` plans).
MAX_WINDOW_PIXELS = 1 << 24
#: Side, in pixels, that the windows read in one request aim at (whole blocks).
WINDOW = 512


@dataclass(frozen=True)
class Plan:
    """How one raster goes onto the grid (see the module docstring)."""

    kind: str  # "pooled" | "nearest" | "decimated" | "warped"
    k: int = 1  # pixels a side in one cell (pooled)
    row_offset: int = 0  # raster row of the grid's top edge (pooled)
    col_offset: int = 0  # raster column of the grid's left edge (pooled)


def _north_up_in(layer: CoverageLayer, crs: CRS) -> bool:
    st = layer.transform
    return (
        layer.crs is not None
        and st is not None
        and layer.crs.equals(crs)
        and st.b == 0
        and st.d == 0
        and st.a > 0
        and st.e < 0
    )


def _whole(x: float) -> int | None:
    """``x`` as an integer when it is one (to 1e-6), else None."""
    r = round(x)
    return int(r) if abs(x - r) < 1e-6 else None


def area_grid(
    communes: gpd.GeoDataFrame,
    layers: Sequence[CoverageLayer],
    *,
    resolution: float,
    tile: int,
) -> GridSpec:
    """The area grid over ``communes`` (see the module docstring).

    Examples
    --------
    >>> import shapely
    >>> c = gpd.GeoDataFrame(geometry=[shapely.box(120, 40, 480, 260)], crs=32648)
    >>> area_grid(c, [], resolution=100, tile=512)
    GridSpec(x0=100.0, y0=300.0, res=100.0, width=4, height=3, tile=512)
    """
    minx, miny, maxx, maxy = communes.total_bounds
    crs = CRS.from_user_input(communes.crs)
    ox = oy = 0.0
    for layer in layers:
        if layer.kind == "raster" and _north_up_in(layer, crs):
            st = layer.transform
            assert st is not None
            k = _whole(resolution / st.a)
            if st.a == -st.e and k is not None and 1 <= k <= MAX_POOL:
                ox, oy = st.c, st.f
                break
    x0 = ox + np.floor((minx - ox) / resolution) * resolution
    y0 = oy + np.ceil((maxy - oy) / resolution) * resolution
    width = max(1, int(np.ceil((maxx - x0) / resolution - 1e-9)))
    height = max(1, int(np.ceil((y0 - miny) / resolution - 1e-9)))
    return GridSpec(float(x0), float(y0), float(resolution), width, height, tile)


def raster_plan(layer: CoverageLayer, grid: GridSpec, crs: CRS) -> Plan:
    """How ``layer`` goes onto ``grid`` (whose CRS is ``crs``)."""
    if not _north_up_in(layer, crs):
        return Plan("warped")
    st = layer.transform
    assert st is not None
    px, py = st.a, -st.e
    if max(px, py) * MAX_POOL < grid.res:
        return Plan("decimated")
    k = _whole(grid.res / px)
    rows = _whole((st.f - grid.y0) / py)
    cols = _whole((grid.x0 - st.c) / px)
    if px == py and k is not None and 1 <= k <= MAX_POOL and rows is not None and cols is not None:
        return Plan("pooled", k, rows, cols)
    return Plan("nearest")


def _windows(layer: CoverageLayer) -> list[Window]:
    """The raster cut into windows of whole blocks, about :data:`WINDOW` pixels a side."""
    with layer.raster_path() as path, open_raster(path) as ds:
        bh, bw = ds.block_shapes[layer.spec.band - 1]
    wh = bh * max(1, WINDOW // bh) if bh < layer.height else layer.height
    ww = bw * max(1, WINDOW // bw) if bw < layer.width else layer.width
    wh = min(wh, max(bh, (1 << 22) // max(ww, 1)))  # striped rasters: a few MB a window
    return [
        Window(c0, r0, min(ww, layer.width - c0), min(wh, layer.height - r0))
        for r0 in range(0, layer.height, wh)
        for c0 in range(0, layer.width, ww)
    ]


def _needed(
    layer: CoverageLayer,
    windows: list[Window],
    communes: shapely.STRtree,
    village_window: np.ndarray,
) -> np.ndarray:
    """Indices of the windows that hold a commune or a village."""
    st = layer.transform
    assert st is not None
    c0 = np.array([w.col_off for w in windows], dtype=float)
    r0 = np.array([w.row_off for w in windows], dtype=float)
    c1 = c0 + np.array([w.width for w in windows])
    r1 = r0 + np.array([w.height for w in windows])
    boxes = shapely.box(st.c + c0 * st.a, st.f + r1 * st.e, st.c + c1 * st.a, st.f + r0 * st.e)
    hit = np.zeros(len(windows), bool)
    hit[np.unique(communes.query(boxes, predicate="intersects")[0])] = True
    hit[village_window] = True
    return np.flatnonzero(hit)


#: The pixels of the cells covered in part, from one window: grid rows, grid columns and
#: the cells' pixels packed (see :class:`~coverage_gaps.results.FineCells`).
_Fine = tuple[np.ndarray, np.ndarray, np.ndarray]


def _pool(
    covered: np.ndarray, win: Window, plan: Plan
) -> tuple[int, int, np.ndarray, _Fine | None]:
    """Covered pixels counted per grid cell over one window: first grid row and column and
    the counts (cells cut by the window's edge get the part of their count in it); and,
    with several pixels a cell, the pixels of the cells covered in part in the window."""
    k = plan.k
    top = int(win.row_off) - plan.row_offset  # pixel rows below the grid's top edge
    left = int(win.col_off) - plan.col_offset
    pad_t, pad_l = top % k, left % k
    h, w = covered.shape
    ph, pw = -(-(pad_t + h) // k) * k, -(-(pad_l + w) // k) * k
    if k == 1:
        return top, left, covered.astype(np.uint8), None
    padded = np.zeros((ph, pw), np.uint8)
    padded[pad_t : pad_t + h, pad_l : pad_l + w] = covered
    cells = padded.reshape(ph // k, k, pw // k, k)
    counts = cells.sum(axis=(1, 3), dtype=np.uint16)
    r0, c0 = (top - pad_t) // k, (left - pad_l) // k
    rows, cols = np.nonzero((counts > 0) & (counts < k * k))
    pixels = cells.transpose(0, 2, 1, 3)[rows, cols].reshape(len(rows), k * k)
    return r0, c0, counts.astype(np.uint8), (rows + r0, cols + c0, np.packbits(pixels, axis=1))


def _fine_cells(parts: list[_Fine], grid: GridSpec, k: int) -> FineCells | None:
    """The windows' pixels of the cells covered in part, put together (a cell cut by a
    window's edge comes from two windows or more); the cells covered whole left out."""
    if k == 1:
        return None
    nbytes = -(-k * k // 8)
    rows = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    cols = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)
    packed = np.concatenate([p[2] for p in parts]) if parts else np.empty((0, nbytes), np.uint8)
    on = (rows >= 0) & (rows < grid.height) & (cols >= 0) & (cols < grid.width)
    flat = rows[on].astype(np.int64) * grid.width + cols[on]
    order = np.argsort(flat, kind="stable")
    flat, packed = flat[order], packed[on][order]
    first = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]]) if len(flat) else flat[:0]
    if len(first):
        packed = np.bitwise_or.reduceat(packed, first, axis=0)
    fine = FineCells(k, flat[first], packed)
    part = fine.pixels(np.arange(len(first))).sum(axis=(1, 2)) < k * k
    return FineCells(k, fine.cells[part], fine.packed[part])


def _nearest_index(grid: GridSpec, layer: CoverageLayer) -> tuple[np.ndarray, np.ndarray]:
    """The raster row of each grid row's centre and the raster column of each grid column's."""
    st = layer.transform
    assert st is not None
    ys = grid.y0 - (np.arange(grid.height) + 0.5) * grid.res
    xs = grid.x0 + (np.arange(grid.width) + 0.5) * grid.res
    return np.floor((ys - st.f) / st.e).astype(np.int64), np.floor((xs - st.c) / st.a).astype(
        np.int64
    )


def _pick(
    covered: np.ndarray, win: Window, src_rows: np.ndarray, src_cols: np.ndarray
) -> tuple[int, int, np.ndarray]:
    """The grid cells whose centre falls in the window, with the pixel under each centre."""
    r0, c0 = int(win.row_off), int(win.col_off)
    h, w = covered.shape
    g0, g1 = np.searchsorted(src_rows, [r0, r0 + h])
    k0, k1 = np.searchsorted(src_cols, [c0, c0 + w])
    block = covered[np.ix_(src_rows[g0:g1] - r0, src_cols[k0:k1] - c0)]
    return int(g0), int(k0), block.astype(np.uint8)


def _put(
    store: LayerGrid, grid: GridSpec, r0: int, c0: int, block: np.ndarray, *, add: bool
) -> None:
    """Write (or add) ``block`` at grid cell ``(r0, c0)``, clipped to the grid, tile by tile."""
    t = grid.tile
    h, w = block.shape
    ra, rb = max(r0, 0), min(r0 + h, grid.height)
    ca, cb = max(c0, 0), min(c0 + w, grid.width)
    for tr in range(ra // t, (rb - 1) // t + 1) if rb > ra else ():
        for tc in range(ca // t, (cb - 1) // t + 1) if cb > ca else ():
            tr0, tc0, th, tw = grid.tile_window(tr, tc)
            ya, yb = max(ra, tr0), min(rb, tr0 + th)
            xa, xb = max(ca, tc0), min(cb, tc0 + tw)
            part = block[ya - r0 : yb - r0, xa - c0 : xb - c0]
            if not part.any() and (tr, tc) not in store.tiles:
                continue
            tile = store.tiles.setdefault((tr, tc), np.zeros((th, tw), np.uint8))
            view = tile[ya - tr0 : yb - tr0, xa - tc0 : xb - tc0]
            if add:
                view += part
            else:
                view[...] = part


def _pixels(
    layer: CoverageLayer, xs: np.ndarray, ys: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and inside-the-raster flag of points in the raster's CRS."""
    st = layer.transform
    assert st is not None
    inv = ~st
    colf = inv.a * xs + inv.b * ys + inv.c
    rowf = inv.d * xs + inv.e * ys + inv.f
    with np.errstate(invalid="ignore"):
        inside = (np.isfinite(colf) & np.isfinite(rowf) & (colf >= 0) & (rowf >= 0)
                  & (colf < layer.width) & (rowf < layer.height))  # fmt: skip
    cols = np.floor(np.where(inside, colf, 0)).astype(np.int64)
    rows = np.floor(np.where(inside, rowf, 0)).astype(np.int64)
    return rows, cols, inside


def _block_pass(
    layer: CoverageLayer, grid: GridSpec, plan: Plan, xy: tuple[np.ndarray, np.ndarray],
    communes: shapely.STRtree, progress: bool,
) -> tuple[RasterSample, LayerGrid]:  # fmt: skip
    """Decode each block holding a commune or a village once: the villages' values and the
    layer on the grid (``pooled`` and ``nearest`` plans)."""
    windows = _windows(layer)
    rows, cols, inside = _pixels(layer, *xy)
    wh, ww = windows[0].height, windows[0].width
    per_row = -(-layer.width // ww)
    village_window = (rows // wh) * per_row + cols // ww
    needed = _needed(layer, windows, communes, village_window[inside])
    members = _members(village_window, inside, len(windows))
    src_rows, src_cols = _nearest_index(grid, layer) if plan.kind == "nearest" else (None, None)

    def work(
        i: int, values: np.ndarray, valid: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int, np.ndarray, _Fine | None]]:
        win = windows[needed[i]]
        covered = layer.covered_values(values, valid)
        m = members(int(needed[i]))
        r, c = rows[m] - int(win.row_off), cols[m] - int(win.col_off)
        cells: tuple[int, int, np.ndarray, _Fine | None]
        if src_rows is not None and src_cols is not None:
            cells = (*_pick(covered, win, src_rows, src_cols), None)
        else:
            cells = _pool(covered, win, plan)
        return m, values[r, c].astype(float), valid[r, c], cells

    n = len(rows)
    sample = RasterSample(np.full(n, np.nan), np.zeros(n, bool), inside)
    store = LayerGrid(scale=plan.k * plan.k)
    fine: list[_Fine] = []
    bar = tqdm(total=len(needed), desc=f"reading {layer.label}", unit="block", disable=not progress)
    with bar, layer.raster_path() as path:
        for _, (m, values, valid, (gr, gc, block, part)) in read_windows(
            path, [windows[i] for i in needed], work, band=layer.spec.band
        ):
            sample.values[m] = values
            sample.valid[m] = valid
            _put(store, grid, gr, gc, block, add=plan.k > 1)
            if part is not None:
                fine.append(part)
            bar.update()
    store.fine = _fine_cells(fine, grid, plan.k) if plan.kind == "pooled" else None
    return sample, store


def _members(window_of: np.ndarray, inside: np.ndarray, n_windows: int):
    """A function giving the points (indices) inside each window."""
    idx = np.flatnonzero(inside)
    order = idx[np.argsort(window_of[idx], kind="stable")]
    bounds = np.searchsorted(window_of[order], np.arange(n_windows + 1))

    def members(w: int) -> np.ndarray:
        return order[bounds[w] : bounds[w + 1]]

    return members


def _commune_tiles(grid: GridSpec, communes: shapely.STRtree) -> Iterator[tuple[int, int]]:
    """The grid's tiles that hold part of a commune."""
    rows, cols = grid.tiles_shape
    tr, tc = np.divmod(np.arange(rows * cols), cols)
    t = grid.tile
    x0 = grid.x0 + tc * t * grid.res
    y0 = grid.y0 - tr * t * grid.res
    boxes = shapely.box(x0, y0 - t * grid.res, x0 + t * grid.res, y0)
    hit = np.unique(communes.query(boxes, predicate="intersects")[0])
    for i in hit:
        yield int(tr[i]), int(tc[i])


def _tile_pass(
    layer: CoverageLayer, grid: GridSpec, crs: CRS, communes: shapely.STRtree, progress: bool
) -> LayerGrid:
    """The layer on the grid tile by tile through GDAL (``decimated`` and ``warped`` plans)."""
    store = LayerGrid()
    rio_crs = rasterio.crs.CRS.from_wkt(crs.to_wkt())
    tiles = list(_commune_tiles(grid, communes))
    for tr, tc in tqdm(tiles, desc=f"reading {layer.label}", unit="tile", disable=not progress):
        r0, c0, h, w = grid.tile_window(tr, tc)
        tt = grid.transform * Affine.translation(c0, r0)
        box = shapely.box(tt.c, tt.f - h * grid.res, tt.c + w * grid.res, tt.f)
        covered = layer_on_grid(layer, tt, h, w, rio_crs, box)
        if covered.any():
            store.tiles[(tr, tc)] = covered.astype(np.uint8)
    return store


def read_layer_grids(
    communes: gpd.GeoDataFrame,
    layers: Sequence[CoverageLayer],
    *,
    resolution: float,
    tile: int,
    villages: gpd.GeoSeries | None = None,
    progress: bool = False,
    skip_unreadable: bool = False,
) -> tuple[CoverageGrids, dict[str, RasterSample]]:
    """Every raster layer on the area grid and, when ``villages`` are given, its values at
    the villages, each block read once (see the module docstring).

    Parameters
    ----------
    communes
        Communes in the working CRS (the grid covers them; blocks elsewhere are not read).
    layers
        Coverage layers; polygon layers are skipped (see :mod:`.areas`).
    resolution, tile
        The grid's cell side (metres) and tile side (cells).
    villages
        Village points in the working CRS, sampled on the way.
    skip_unreadable
        Leave out a raster that can no longer be read (a map drawn again from a finished
        run: the map then leaves that layer off with a warning).

    Returns
    -------
    (CoverageGrids, dict of RasterSample by layer column)
    """
    crs = CRS.from_user_input(communes.crs)
    grid = area_grid(communes, layers, resolution=resolution, tile=tile)
    tree = shapely.STRtree(communes.geometry.to_numpy())
    grids = CoverageGrids(grid=grid)
    samples: dict[str, RasterSample] = {}
    pts = villages.to_numpy() if villages is not None else np.empty(0, dtype=object)
    for layer in layers:
        if layer.kind != "raster":
            continue
        try:
            sample = _read_layer(layer, grid, crs, tree, grids, pts, villages, progress)
        except (OSError, rasterio.errors.RasterioError):
            if not skip_unreadable:
                raise
            continue
        if villages is not None:
            samples[layer.column] = sample
    return grids, samples


def _read_layer(
    layer: CoverageLayer, grid: GridSpec, crs: CRS, tree: shapely.STRtree, grids: CoverageGrids,
    pts: np.ndarray, villages: gpd.GeoSeries | None, progress: bool,
) -> RasterSample:  # fmt: skip
    """One raster onto the grid (into ``grids``), and its values at the villages."""
    plan = raster_plan(layer, grid, crs)
    if plan.kind in ("pooled", "nearest"):
        xy = (shapely.get_x(pts), shapely.get_y(pts))
        sample, grids.layers[layer.column] = _block_pass(layer, grid, plan, xy, tree, progress)
        return sample
    grids.layers[layer.column] = _tile_pass(layer, grid, crs, tree, progress)
    points = villages if villages is not None else gpd.GeoSeries([], crs=crs)
    with layer.raster_path() as path:
        return sample_points(path, points, band=layer.spec.band, crs=layer.crs)


def _nodata_sentinel(dtype: np.dtype) -> float:
    if dtype.kind == "f":
        return float("nan")
    info = np.iinfo(dtype)
    return float(info.max if dtype.kind == "u" else info.min)


def layer_on_grid(
    layer: CoverageLayer,
    transform: Affine,
    h: int,
    w: int,
    crs: rasterio.crs.CRS,
    box: shapely.Geometry,
    *,
    fast: bool = True,
) -> np.ndarray:
    """Whether each cell of one tile of the grid is covered by ``layer``: polygons burnt in
    at cell centres; a raster in the grid's CRS by its pixel under each cell centre
    (``fast``), otherwise warped by GDAL (nearest neighbour)."""
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

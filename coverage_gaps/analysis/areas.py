"""Share of each commune's area covered by each technology, on one grid, with exact cell
fractions.

Every coverage layer is put on the area grid (:mod:`.grid`): a raster as the covered share
of each cell, a polygon layer as the exact share of each cell inside its polygons
(:func:`.fractions.polygon_fractions`). The layers of one technology are combined per cell
(covered by any: ``1 - Π(1 - share)``). A commune's covered area is the sum, over the cells
it touches, of the share of the cell inside the commune (again exact) times the cell's
covered share; divided by the commune's area.

With a raster whose pixels are the grid's cells (or a whole fraction of them, lined up),
this is what ``exactextract`` gives for the mean of the covered mask over each commune; the
two differ only where a cell holds both a commune's edge and a coverage edge of a finer
raster or of a polygon layer, where the product of the two shares stands for their overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..results import CoverageGrids, CoverageLayer, GridSpec, LayerGrid
from .fractions import CellFractions, polygon_fractions
from .grid import MAX_WINDOW_PIXELS, layer_on_grid, read_layer_grids

__all__ = ["MAX_WINDOW_PIXELS", "TILE", "area_shares", "inside_mask", "measure_covered_area"]

#: Side, in cells, of the tiles the area grid is stored and processed in.
TILE = 512

_layer_on_grid = layer_on_grid  # the per-tile path, as tests call it


def measure_covered_area(
    communes: gpd.GeoDataFrame,
    layers: Sequence[CoverageLayer],
    *,
    resolution: float = 100.0,
    grids: CoverageGrids | None = None,
) -> pd.DataFrame:
    """Share of each commune's area covered by each technology (any carrier).

    Parameters
    ----------
    communes
        Standardised communes in the working CRS.
    layers
        Coverage layers (rasters and polygons).
    resolution
        Grid cell side in metres.
    grids
        The raster layers already on the grid (:func:`.grid.read_layer_grids`, done while
        loading the inputs); read here when not given.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``commune_id``, one column ``pct_area_<tech>`` per technology
        present, in percent of the commune's area.

    Examples
    --------
    >>> shares = measure_covered_area(communes, layers, resolution=100)  # doctest: +SKIP
    """
    return area_shares(communes, layers, resolution=resolution, grids=grids)[0]


@dataclass
class _Tiled:
    """Cell fractions sorted by grid tile, with each tile's slice (spans are cut at tile
    edges)."""

    fr: CellFractions
    cell_tile: np.ndarray
    cell_bounds: dict[int, tuple[int, int]]
    span_tile: np.ndarray
    span_bounds: dict[int, tuple[int, int]]


def _slices(keys: np.ndarray) -> dict[int, tuple[int, int]]:
    """``{key: (start, end)}`` of a sorted key array."""
    if not len(keys):
        return {}
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    return {int(keys[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}


def _by_tile(fr: CellFractions, grid: GridSpec) -> _Tiled:
    """``fr`` ordered by tile, spans cut where they cross a tile's edge."""
    t = grid.tile
    per_row = grid.tiles_shape[1]
    rows, cols = np.divmod(fr.cell, grid.width)
    ctile = (rows // t) * per_row + cols // t
    order = np.argsort(ctile, kind="stable")
    first = fr.span_start // t
    count = (fr.span_end - 1) // t - first + 1
    idx = np.repeat(np.arange(len(count)), count)
    k = first[idx] + np.arange(len(idx)) - np.repeat(np.cumsum(count) - count, count)
    start = np.maximum(fr.span_start[idx], k * t)
    end = np.minimum(fr.span_end[idx], (k + 1) * t)
    stile = (fr.span_row[idx] // t) * per_row + k
    sorder = np.argsort(stile, kind="stable")
    cut = CellFractions(
        grid=grid,
        group=fr.group[order],
        cell=fr.cell[order],
        fraction=fr.fraction[order],
        span_group=fr.span_group[idx][sorder],
        span_row=fr.span_row[idx][sorder],
        span_start=start[sorder],
        span_end=end[sorder],
    )
    return _Tiled(cut, ctile[order], _slices(ctile[order]), stile[sorder], _slices(stile[sorder]))


def _paint(tiled: _Tiled, key: int, grid: GridSpec, tr: int, tc: int) -> np.ndarray | None:
    """One tile of a polygon layer's covered share (None: nothing there)."""
    cells = tiled.cell_bounds.get(key)
    spans = tiled.span_bounds.get(key)
    if cells is None and spans is None:
        return None
    r0, c0, h, w = grid.tile_window(tr, tc)
    out = np.zeros((h, w + 1), np.float32)
    fr = tiled.fr
    if spans is not None:
        a, b = spans
        rows = fr.span_row[a:b] - r0
        np.add.at(out, (rows, fr.span_start[a:b] - c0), 1.0)
        np.add.at(out, (rows, fr.span_end[a:b] - c0), -1.0)
        out = np.cumsum(out, axis=1)
    out = np.minimum(out[:, :w], 1.0)
    if cells is not None:
        a, b = cells
        r, c = np.divmod(fr.cell[a:b], grid.width)
        np.add.at(out, (r - r0, c - c0), fr.fraction[a:b])
        np.minimum(out, 1.0, out=out)
    return out


def _raster_tile(store: LayerGrid, tr: int, tc: int) -> np.ndarray | None:
    tile = store.tiles.get((tr, tc))
    if tile is None:
        return None
    return tile.astype(np.float32) / store.scale if store.scale != 1 else tile.astype(np.float32)


def _tech_tile(
    sources: list[tuple[str, str]], grids: CoverageGrids, polys: dict[str, _Tiled],
    key: int, tr: int, tc: int,
) -> np.ndarray | None:  # fmt: skip
    """Covered share of each cell of one tile for one technology (any of its layers)."""
    uncovered: np.ndarray | None = None
    for kind, column in sources:
        share = (
            _raster_tile(grids.layers[str(column)], tr, tc)
            if kind == "raster"
            else _paint(polys[str(column)], key, grids.grid, tr, tc)
        )
        if share is not None:
            uncovered = 1.0 - share if uncovered is None else uncovered * (1.0 - share)
    return None if uncovered is None else 1.0 - uncovered


def _weighted(
    communes: _Tiled, key: int, grid: GridSpec, tr: int, tc: int, values: np.ndarray, n: int
) -> np.ndarray:
    """Σ (share of the cell in the commune) x value, per commune, over one tile."""
    r0, c0, _, _ = grid.tile_window(tr, tc)
    fr = communes.fr
    total = np.zeros(n)
    if key in communes.cell_bounds:
        a, b = communes.cell_bounds[key]
        r, c = np.divmod(fr.cell[a:b], grid.width)
        total += np.bincount(fr.group[a:b], weights=fr.fraction[a:b] * values[r - r0, c - c0],
                             minlength=n)  # fmt: skip
    if key in communes.span_bounds:
        a, b = communes.span_bounds[key]
        sums = np.zeros((values.shape[0], values.shape[1] + 1))
        np.cumsum(values, axis=1, out=sums[:, 1:])
        rows = fr.span_row[a:b] - r0
        inside = sums[rows, fr.span_end[a:b] - c0] - sums[rows, fr.span_start[a:b] - c0]
        total += np.bincount(fr.span_group[a:b], weights=inside, minlength=n)
    return total


def _inside_tile(communes: _Tiled, key: int, grid: GridSpec, tr: int, tc: int) -> np.ndarray:
    """Cells of one tile at least half inside a commune (where the map draws coverage)."""
    share = _paint(communes, key, grid, tr, tc)
    assert share is not None
    return (share >= 0.5).astype(np.uint8)


def area_shares(
    communes: gpd.GeoDataFrame,
    layers: Sequence[CoverageLayer],
    *,
    resolution: float = 100.0,
    grids: CoverageGrids | None = None,
) -> tuple[pd.DataFrame, CoverageGrids]:
    """:func:`measure_covered_area`, and the grids with ``inside`` (the cells mostly inside a
    commune) filled in, for the map."""
    techs = sorted({lyr.spec.technology for lyr in layers})
    n = len(communes)
    index = pd.Index(communes["commune_id"].to_numpy(), name="commune_id")
    if grids is None:
        grids, _ = read_layer_grids(communes, layers, resolution=resolution, tile=TILE)
    if n == 0:
        return pd.DataFrame(index=index, columns=[f"pct_area_{t.lower()}" for t in techs]), grids
    grid = grids.grid
    geoms = communes.geometry.to_numpy()
    fr = _by_tile(polygon_fractions(geoms, np.arange(n), grid), grid)
    polys = {
        lyr.column: _by_tile(
            polygon_fractions(lyr.polygons, np.zeros(len(lyr.polygons), np.int64), grid), grid
        )  # fmt: skip
        for lyr in layers
        if lyr.kind == "vector"
    }
    sources = {
        t: [(lyr.kind, lyr.column) for lyr in layers if lyr.spec.technology == t] for t in techs
    }
    covered = {t: np.zeros(n) for t in techs}
    inside = LayerGrid()
    per_row = grid.tiles_shape[1]
    for key in sorted(set(fr.cell_bounds) | set(fr.span_bounds)):
        tr, tc = divmod(key, per_row)
        inside.tiles[(tr, tc)] = _inside_tile(fr, key, grid, tr, tc)
        for tech in techs:
            values = _tech_tile(sources[tech], grids, polys, key, tr, tc)
            if values is not None:
                covered[tech] += _weighted(fr, key, grid, tr, tc, values, n)
    grids.inside = inside
    area = fr.fr.areas(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        data = {
            f"pct_area_{t.lower()}": np.where(area > 0, 100.0 * covered[t] / area, np.nan)
            for t in techs
        }
    return pd.DataFrame(data, index=index), grids


def inside_mask(communes: gpd.GeoDataFrame, grid: GridSpec) -> LayerGrid:
    """The cells of ``grid`` at least half inside a commune (what :func:`area_shares` puts in
    ``grids.inside``), for a map drawn again from a finished run."""
    geoms = communes.geometry.to_numpy()
    fr = _by_tile(polygon_fractions(geoms, np.arange(len(geoms)), grid), grid)
    per_row = grid.tiles_shape[1]
    inside = LayerGrid()
    for key in sorted(set(fr.cell_bounds) | set(fr.span_bounds)):
        tr, tc = divmod(key, per_row)
        inside.tiles[(tr, tc)] = _inside_tile(fr, key, grid, tr, tc)
    return inside

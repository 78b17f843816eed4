"""Share of each commune's area covered by each technology, on one grid, with exact cell
fractions.

Every coverage layer is put on the area grid (:mod:`.grid`): a raster as the covered share
of each cell, a polygon layer as the exact share of each cell inside its polygons
(:func:`.fractions.polygon_fractions`). The layers of one technology are combined per cell
(covered by any: ``1 - Π(1 - share)``). A commune's covered area is the sum, over the cells
it touches, of the share of the cell inside the commune (again exact) times the cell's
covered share; divided by the commune's area.

That product is exact wherever one of the two shares is 0 or 1. In the *mixed* cells,
where a commune's edge and a coverage edge finer than the cell meet (a polygon layer's
edge, or a raster with ``k x k`` pixels a cell covering some of them), the overlap of the
commune's part of the cell with the covered part is measured exactly instead
(:mod:`.overlap`, from the boundary pieces in those cells only); it stands for that
layer's share of the commune's part of the cell. Thus with one layer per technology the
share is exact (what ``exactextract`` gives for the mean of a covered mask over each
commune); the layers of one technology are still combined per cell as if independent.
Rasters put on the grid by their pixel under each cell's centre (not lined up with the
grid, much finer than it, or in another CRS) are taken as their values there.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd

from .._machine import available_cores
from ..results import CoverageGrids, CoverageLayer, FineCells, GridSpec, LayerGrid
from .fractions import CellFractions, CellPieces, polygon_fractions
from .grid import MAX_WINDOW_PIXELS, layer_on_grid, read_layer_grids
from .overlap import overlap_with_pixels, overlap_with_polygons

__all__ = ["MAX_WINDOW_PIXELS", "TILE", "area_shares", "inside_mask", "measure_covered_area"]

#: Side, in cells, of the tiles the area grid is stored and processed in.
TILE = 512
#: Threads measuring the tiles: the machine's cores, at most 4 (each holds a tile's arrays).
TILE_THREADS = min(4, available_cores())
#: Mixed cells measured at once (:mod:`.overlap`; a few hundred bytes each).
OVERLAP_CHUNK = 100_000

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
) -> tuple[np.ndarray | None, list[np.ndarray | None]]:  # fmt: skip
    """Covered share of each cell of one tile for one technology (any of its layers), and
    each layer's (None: nothing there)."""
    uncovered: np.ndarray | None = None
    shares: list[np.ndarray | None] = []
    for kind, column in sources:
        share = (
            _raster_tile(grids.layers[str(column)], tr, tc)
            if kind == "raster"
            else _paint(polys[str(column)], key, grids.grid, tr, tc)
        )
        shares.append(share)
        if share is not None:
            uncovered = 1.0 - share if uncovered is None else uncovered * (1.0 - share)
    return None if uncovered is None else 1.0 - uncovered, shares


@dataclass
class _Mixed:
    """The mixed cells of one technology, sorted by tile: the commune, the cell's row and
    column, the commune's share of the cell and, for each layer of the technology, the
    share of the commune's part of the cell that it covers (NaN: not mixed there, the
    layer covers none or all of the cell)."""

    group: np.ndarray
    row: np.ndarray
    col: np.ndarray
    share: np.ndarray
    covered: np.ndarray
    bounds: dict[int, tuple[int, int]]


def _partial_cells(
    layers: Sequence[CoverageLayer], polys: dict[str, CellFractions], grids: CoverageGrids
) -> np.ndarray:
    """The cells (sorted) that a layer covers in part with an edge finer than the cell."""
    parts: list[np.ndarray] = []
    for lyr in layers:
        if lyr.kind == "vector":
            pieces = polys[lyr.column].pieces
            assert pieces is not None
            parts.append(pieces.key[pieces.fraction < 1])
        elif lyr.column in grids.layers and grids.layers[lyr.column].fine is not None:
            fine = grids.layers[lyr.column].fine
            assert fine is not None
            parts.append(fine.cells)
    if not parts:
        return np.empty(0, np.int64)
    cells = np.sort(np.concatenate(parts))  # (np.unique hashes: slower on millions)
    return cells[np.r_[True, cells[1:] != cells[:-1]]]


def _find(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``wanted`` is in the sorted ``keys``, and whether it is there."""
    at = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
    return at, (keys[at] == wanted) if len(keys) else np.zeros(len(wanted), bool)


def _with_polygons(
    communes: CellPieces, pieces: CellPieces, entry: np.ndarray, at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Overlaps of commune cells with a polygon layer's cells ``at``, and their shares."""
    return overlap_with_polygons(communes, entry, pieces, at), pieces.fraction[at]


def _with_pixels(
    communes: CellPieces, fine: FineCells, entry: np.ndarray, at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Overlaps of commune cells with a raster's cells ``at``, and their shares."""
    pixels = fine.pixels(at)
    return overlap_with_pixels(communes, entry, pixels), pixels.mean(axis=(1, 2))


def _layer_overlap(
    communes: CellPieces, lyr: CoverageLayer, polys: dict[str, CellFractions],
    grids: CoverageGrids,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The commune cells (positions in ``communes``) that are mixed for one layer, and the
    share of the commune's part of each that the layer covers (exact)."""
    cells = communes.key % grids.grid.cells
    edge = communes.fraction < 1
    fine = grids.layers[lyr.column].fine if lyr.column in grids.layers else None
    pieces = polys[lyr.column].pieces if lyr.kind == "vector" else None
    if pieces is not None:
        at, hit = _find(pieces.key, cells)
        hit &= edge & (pieces.fraction[at] < 1)
        measure = partial(_with_polygons, communes, pieces)
    elif fine is not None:
        at, hit = _find(fine.cells, cells)
        hit &= edge
        measure = partial(_with_pixels, communes, fine)
    else:
        return np.empty(0, np.int64), np.empty(0)
    at, entry = at[hit], np.flatnonzero(hit)
    overlap, covered = np.empty(len(entry)), np.empty(len(entry))
    for i in range(0, len(entry), OVERLAP_CHUNK):  # bounded memory
        part = slice(i, i + OVERLAP_CHUNK)
        overlap[part], covered[part] = measure(entry[part], at[part])
    a = communes.fraction[entry]
    # within what the two shares allow (rounding; overlapping polygons of one layer)
    overlap = np.clip(overlap, np.maximum(a + covered - 1, 0.0), np.minimum(a, covered))
    return entry, overlap / a


def _mixed_cells(
    communes: CellPieces | None, layers: list[CoverageLayer], polys: dict[str, CellFractions],
    grids: CoverageGrids,
) -> _Mixed | None:  # fmt: skip
    """The mixed cells of the layers of one technology (None: there are none)."""
    if communes is None or not len(communes.key):
        return None
    found = [_layer_overlap(communes, lyr, polys, grids) for lyr in layers]
    entries = np.concatenate([e for e, _ in found])
    if not len(entries):
        return None
    uniq, inv = np.unique(entries, return_inverse=True)
    covered = np.full((len(uniq), len(layers)), np.nan)
    which = np.repeat(np.arange(len(layers)), [len(e) for e, _ in found])
    covered[inv, which] = np.concatenate([q for _, q in found])
    grid = grids.grid
    group, cell = np.divmod(communes.key[uniq], grid.cells)
    row, col = np.divmod(cell, grid.width)
    tile = (row // grid.tile) * grid.tiles_shape[1] + col // grid.tile
    order = np.argsort(tile, kind="stable")
    return _Mixed(group[order], row[order], col[order], communes.fraction[uniq][order],
                  covered[order], _slices(tile[order]))  # fmt: skip


def _mixed_correction(
    mixed: _Mixed, key: int, grid: GridSpec, tr: int, tc: int,
    values: np.ndarray | None, shares: list[np.ndarray | None], n: int,
) -> np.ndarray:  # fmt: skip
    """Per commune, over one tile's mixed cells: the commune's share of the cell times (the
    technology's covered share of the commune's part of it, from the exact overlaps, minus
    the cell's covered share that :func:`_weighted` counted)."""
    a, b = mixed.bounds[key]
    r0, c0, _, _ = grid.tile_window(tr, tc)
    r, c = mixed.row[a:b] - r0, mixed.col[a:b] - c0
    uncovered = np.ones(b - a)
    for i, share in enumerate(shares):  # the layers of one technology: a handful
        cell = share[r, c] if share is not None else np.zeros(b - a)
        q = mixed.covered[a:b, i]
        uncovered *= 1.0 - np.where(np.isnan(q), cell, q)
    counted = values[r, c] if values is not None else np.zeros(b - a)
    gain = mixed.share[a:b] * ((1.0 - uncovered) - counted)
    return np.bincount(mixed.group[a:b], weights=gain, minlength=n)


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


def _layer_fractions(layer: CoverageLayer, *, grid: GridSpec) -> CellFractions:
    """The cell fractions of a polygon layer's coverage (its edge pieces kept)."""
    return polygon_fractions(
        layer.polygons, np.zeros(len(layer.polygons), np.int64), grid, pieces_in=True
    )


def _measure_tile(
    key: int, *, fr: _Tiled, grids: CoverageGrids, sources: dict[str, list[tuple[str, str]]],
    tiled: dict[str, _Tiled], mixed: dict[str, _Mixed | None], n: int,
) -> tuple[np.ndarray, dict[str, list[np.ndarray]]]:  # fmt: skip
    """One tile's cells inside a commune, and per technology the covered area it adds to
    each commune (the weighted cells, then the correction of the mixed cells)."""
    grid = grids.grid
    tr, tc = divmod(key, grid.tiles_shape[1])
    covered: dict[str, list[np.ndarray]] = {}
    for tech, tech_sources in sources.items():
        values, shares = _tech_tile(tech_sources, grids, tiled, key, tr, tc)
        parts = covered.setdefault(tech, [])
        if values is not None:
            parts.append(_weighted(fr, key, grid, tr, tc, values, n))
        m = mixed[tech]
        if m is not None and key in m.bounds:
            parts.append(_mixed_correction(m, key, grid, tr, tc, values, shares, n))
    return _inside_tile(fr, key, grid, tr, tc), covered


def _commune_cells(
    communes: gpd.GeoDataFrame, by_tech: dict[str, list[CoverageLayer]],
    polys: dict[str, CellFractions], grids: CoverageGrids,
) -> tuple[_Tiled, dict[str, _Mixed | None]]:  # fmt: skip
    """The communes' cell fractions by tile, and the mixed cells of each technology (the
    communes' boundary pieces are kept in the cells where a coverage edge is too)."""
    layers = [lyr for tech_layers in by_tech.values() for lyr in tech_layers]
    edges = _partial_cells(layers, polys, grids)
    whole = polygon_fractions(
        communes.geometry.to_numpy(), np.arange(len(communes)), grids.grid,
        pieces_in=edges if len(edges) else False,
    )  # fmt: skip
    mixed = {t: _mixed_cells(whole.pieces, lyrs, polys, grids) for t, lyrs in by_tech.items()}
    return _by_tile(whole, grids.grid), mixed


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
    # the polygon layers side by side, then the tiles, on threads (numpy and GEOS release the GIL)
    with ThreadPoolExecutor(TILE_THREADS, "area") as pool:
        vectors = [lyr for lyr in layers if lyr.kind == "vector"]
        polys = dict(zip([lyr.column for lyr in vectors],
                         pool.map(partial(_layer_fractions, grid=grid), vectors), strict=True))  # fmt: skip
        by_tech = {t: [lyr for lyr in layers if lyr.spec.technology == t] for t in techs}
        sources = {t: [(lyr.kind, lyr.column) for lyr in by_tech[t]] for t in techs}
        fr, mixed = _commune_cells(communes, by_tech, polys, grids)
        tiled = {column: _by_tile(f, grid) for column, f in polys.items()}
        covered = {t: np.zeros(n) for t in techs}
        inside = LayerGrid()
        per_row = grid.tiles_shape[1]
        keys = sorted(set(fr.cell_bounds) | set(fr.span_bounds))
        measure = partial(_measure_tile, fr=fr, grids=grids, sources=sources, tiled=tiled,
                          mixed=mixed, n=n)  # fmt: skip
        # tiles summed in tile order, whichever thread measured them: one thread's sums
        for key, (inside_tile, tile_covered) in zip(keys, pool.map(measure, keys), strict=True):
            inside.tiles[divmod(key, per_row)] = inside_tile
            for tech, parts in tile_covered.items():
                for part in parts:
                    covered[tech] += part
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

"""Exact share of each grid cell covered by polygons, computed from their edges.

This is the quantity ``exactextract`` computes (the area of polygon ∩ cell divided by the
cell's area), here in numpy, for all polygons at once and without visiting the cells inside
them one by one:

1. every ring (exteriors counter-clockwise, holes clockwise) is cut where it crosses a grid
   line, so each piece lies in one cell;
2. a piece running from height ``v0`` to ``v1`` (rows grow downwards) adds ``dv = v1 - v0``
   to the winding number of every point of its row band to its right: inside its own cell
   that is ``dv * (right edge - mean x of the piece)``, in every cell further right ``dv``;
3. per polygon group, row and cell, the cell's fraction is its own pieces' share plus the
   ``dv`` carried from the pieces to its left in the same row (a cumulative sum);
4. between two cells crossed by a group's boundary, the cells are entirely inside the group
   when the winding number carried past the first one is not zero: they are returned as
   *spans* (row, first column, end column), never as cells.

Cells crossed by no boundary of a group are thus either in one of its spans (fraction 1)
or outside it. A group made of overlapping parts (a coverage layer whose polygons overlap)
counts each point once in its spans; in the cells crossed by two of its boundaries the
fraction is capped at 1.

On request the pieces themselves are kept for chosen cells (:class:`CellPieces`), in the
cell's own coordinates, with the winding carried into the cell from its left: enough to
measure exactly, inside those cells, the overlap of two groups (:mod:`.overlap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from ..results import GridSpec

__all__ = ["CellFractions", "CellPieces", "GridSpec", "polygon_fractions"]

#: Largest grid (cells) whose cells are looked up in a bitmap (256 MB) when keeping pieces.
MAX_BITMAP_CELLS = 1 << 31


@dataclass
class CellPieces:
    """The boundary pieces of chosen (group, cell) pairs, in each cell's own coordinates.

    ``key``: ``group * grid.cells + cell`` of each pair (sorted); ``fraction``: the pair's
    cell fraction (as in :class:`CellFractions`); ``carried``: the winding carried into
    the cell from its left (the pieces further left in its row), integrated over the
    cell's height, in cells; ``entry``: the pair of each piece (pieces sorted by pair);
    ``u0``/``v0``/``u1``/``v1``: the ends of each piece, u right and v down from the
    cell's top-left corner, in cells (so in [0, 1]).
    """

    key: np.ndarray
    fraction: np.ndarray
    carried: np.ndarray
    entry: np.ndarray
    u0: np.ndarray
    v0: np.ndarray
    u1: np.ndarray
    v1: np.ndarray

    @cached_property
    def starts(self) -> np.ndarray:
        """Where the pieces of each pair start (and, last, their count)."""
        return np.searchsorted(self.entry, np.arange(len(self.key) + 1))


@dataclass
class CellFractions:
    """Which cells each polygon group covers, and how much.

    ``group``/``cell``/``fraction``: cells crossed by a group's boundary (flat index
    ``row * width + col``) with the share of the cell inside the group, in (0, 1];
    ``span_group``/``span_row``/``span_start``/``span_end``: runs of cells of one row
    entirely inside a group (end exclusive); ``pieces``: the boundary pieces in the cells
    asked for (see :func:`polygon_fractions`).
    """

    grid: GridSpec
    group: np.ndarray
    cell: np.ndarray
    fraction: np.ndarray
    span_group: np.ndarray
    span_row: np.ndarray
    span_start: np.ndarray
    span_end: np.ndarray
    pieces: CellPieces | None = None

    def areas(self, groups: int) -> np.ndarray:
        """Area of each group in cells (exact up to rounding)."""
        inside = np.bincount(self.span_group, weights=self.span_end - self.span_start,
                             minlength=groups)  # fmt: skip
        return inside + np.bincount(self.group, weights=self.fraction, minlength=groups)


def _segments(
    geoms: np.ndarray, groups: np.ndarray, grid: GridSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ring segments in grid units (u right, v down): u0, v0, u1, v1 and the group of each."""
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    parts = shapely.orient_polygons(parts, exterior_cw=False)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    u = (coords[:, 0] - grid.x0) / grid.res
    v = (grid.y0 - coords[:, 1]) / grid.res
    same = vertex_ring[1:] == vertex_ring[:-1]
    group = groups[part_of[ring_of[vertex_ring[:-1][same]]]]
    return u[:-1][same], v[:-1][same], u[1:][same], v[1:][same], group


def _crossings(a0: np.ndarray, a1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each segment from ``a0`` to ``a1``: how many grid lines lie strictly between
    them, and the parameter t of each crossing along the segment, in increasing order
    (segment by segment)."""
    up = a1 >= a0
    lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
    first = np.floor(lo) + 1
    count = np.maximum(np.ceil(hi) - first, 0).astype(np.int64)
    seg = np.repeat(np.arange(len(a0)), count)
    step = np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count)
    # walk the lines in the segment's direction, so t grows
    k = np.where(up[seg], first[seg] + step, np.ceil(hi[seg]) - 1 - step)
    return count, (k - a0[seg]) / (a1[seg] - a0[seg])


def _split(
    u0: np.ndarray, v0: np.ndarray, u1: np.ndarray, v1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments crossing grid lines, cut there: segment index and t at both ends of each
    piece."""
    nu, tu = _crossings(u0, u1)
    nv, tv = _crossings(v0, v1)
    n = len(u0)
    # per segment: 0, its u crossings, its v crossings, 1 (two increasing runs to merge)
    size = nu + nv + 2
    start = np.cumsum(size) - size
    t = np.empty(int(size.sum()))
    seg = np.repeat(np.arange(n), size)
    t[start] = 0.0
    t[start + size - 1] = 1.0
    pos = np.arange(len(tu)) - np.repeat(np.cumsum(nu) - nu, nu)
    t[np.repeat(start + 1, nu) + pos] = tu
    pos = np.arange(len(tv)) - np.repeat(np.cumsum(nv) - nv, nv)
    t[np.repeat(start + 1 + nu, nv) + pos] = tv
    both = np.repeat((nu > 0) & (nv > 0), size)
    if both.any():  # merge the two runs where a segment crosses lines of both kinds
        idx = np.flatnonzero(both)
        t[idx] = t[idx[np.argsort(seg[idx] * 2.0 + t[idx], kind="stable")]]
    keep = (seg[1:] == seg[:-1]) & (t[1:] > t[:-1])
    return seg[:-1][keep], t[:-1][keep], t[1:][keep]


def _pieces(
    u0: np.ndarray, v0: np.ndarray, u1: np.ndarray, v1: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The segments cut at every grid line: segment index, row, column, mean u, dv, and the
    piece's ends as parameters along its segment."""
    cross = (np.floor(u0) != np.floor(u1)) | (np.floor(v0) != np.floor(v1))
    whole = np.flatnonzero(~cross)
    sub = np.flatnonzero(cross)
    s, ta, tb = _split(u0[sub], v0[sub], u1[sub], v1[sub])
    s = np.concatenate([whole, sub[s]])
    ta = np.concatenate([np.zeros(len(whole)), ta])
    tb = np.concatenate([np.ones(len(whole)), tb])
    du, dv = u1[s] - u0[s], v1[s] - v0[s]
    mid = (ta + tb) / 2
    um, vm = u0[s] + mid * du, v0[s] + mid * dv
    row, col = np.floor(vm).astype(np.int64), np.floor(um).astype(np.int64)
    return s, row, col, um, (tb - ta) * dv, ta, tb


@dataclass
class _Rows:
    """Per group, row and cell crossed by its boundary (sorted): the sums of its pieces."""

    group: np.ndarray
    row: np.ndarray
    col: np.ndarray  # -1 and width: the pieces left and right of the grid
    carried: np.ndarray  # winding carried in from the left, integrated over the row
    fraction: np.ndarray
    after: np.ndarray  # winding right of the cell
    first: np.ndarray  # first piece of each (pieces sorted by group, row, col)


def _row_sums(
    grp: np.ndarray, row: np.ndarray, col: np.ndarray, um: np.ndarray, dv: np.ndarray,
    grid: GridSpec,
) -> tuple[_Rows, np.ndarray]:  # fmt: skip
    """Each cell's fraction from its pieces and those left of it; and the pieces' order."""
    # the part of each piece's cell right of it, and the dv it carries to the cells beyond;
    # pieces left of the grid carry their dv into it (column -1)
    col = np.clip(col, -1, grid.width)
    area = dv * (col + 1 - um)
    key = (grp * grid.height + row) * (grid.width + 2) + (col + 1)
    order = np.argsort(key, kind="stable")
    key, area, dv = key[order], area[order], dv[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ukey = key[first]
    cell_area = np.add.reduceat(area, first) if len(first) else area[:0]
    cover = np.add.reduceat(dv, first) if len(first) else dv[:0]
    grow = ukey // (grid.width + 2)  # group * height + row
    # winding carried into each cell from the left, within its group and row
    run = np.cumsum(cover)
    row_start = np.flatnonzero(np.r_[True, grow[1:] != grow[:-1]])
    base = np.repeat(run[row_start] - cover[row_start], np.diff(np.r_[row_start, len(grow)]))
    carried = run - cover - base
    rows = _Rows(
        group=grow // grid.height,
        row=grow % grid.height,
        col=ukey % (grid.width + 2) - 1,
        carried=carried,
        fraction=np.clip(carried + cell_area, 0.0, 1.0),
        after=np.rint(run - base),  # winding right of each cell
        first=first,
    )
    return rows, order


def _kept_pieces(
    rows: _Rows, on_grid: np.ndarray, cells: np.ndarray | None, order: np.ndarray,
    ends: tuple[np.ndarray, ...], grid: GridSpec,
) -> CellPieces:  # fmt: skip
    """The pieces of the cells in ``cells`` (sorted; None: every cell), in cell coordinates.

    ``ends`` holds each piece's segment, the parameters of its two ends along it (in the
    order the pieces were summed in) and the segments' ends (u0, v0, u1, v1)."""
    cell = rows.row * grid.width + rows.col
    keep = on_grid if cells is None else on_grid & _member(cells, np.where(on_grid, cell, 0), grid)
    kept = np.flatnonzero(keep)
    count = np.diff(np.r_[rows.first, len(order)])[kept]
    entry = np.repeat(np.arange(len(kept)), count)
    step = np.arange(len(entry)) - np.repeat(np.cumsum(count) - count, count)
    pick = order[rows.first[kept][entry] + step]
    seg, ta, tb, su0, sv0, su1, sv1 = ends
    s, a, b = seg[pick], ta[pick], tb[pick]
    du, dv = su1[s] - su0[s], sv1[s] - sv0[s]
    # the segment's own vertices where a piece ends at one, so the ends meet exactly
    ua = np.where(a == 0, su0[s], su0[s] + a * du)
    va = np.where(a == 0, sv0[s], sv0[s] + a * dv)
    ub = np.where(b == 1, su1[s], su0[s] + b * du)
    vb = np.where(b == 1, sv1[s], sv0[s] + b * dv)
    c0, r0 = rows.col[kept][entry], rows.row[kept][entry]
    return CellPieces(
        key=rows.group[kept] * grid.cells + cell[kept],
        fraction=rows.fraction[kept],
        carried=rows.carried[kept],
        entry=entry,
        u0=_local(ua - c0),
        v0=_local(va - r0),
        u1=_local(ub - c0),
        v1=_local(vb - r0),
    )


def _member(cells: np.ndarray, query: np.ndarray, grid: GridSpec) -> np.ndarray:
    """Whether each of ``query`` (cells of ``grid``) is one of ``cells``, through a bitmap
    of the grid (an eighth of a byte a cell: a look-up each, where a search in a sorted
    array of millions jumps about memory); a search on grids too large for the bitmap."""
    if grid.cells > MAX_BITMAP_CELLS:
        at = np.minimum(np.searchsorted(cells, query), max(len(cells) - 1, 0))
        return (cells[at] == query) if len(cells) else np.zeros(len(query), bool)
    bitmap = np.zeros(grid.cells // 8 + 1, np.uint8)
    np.bitwise_or.at(bitmap, cells >> 3, np.left_shift(1, cells & 7).astype(np.uint8))
    return ((bitmap[query >> 3] >> (query & 7).astype(np.uint8)) & 1).astype(bool)


def _local(x: np.ndarray) -> np.ndarray:
    """Cell coordinates in [0, 1], snapped to the cell's edges within 1e-9 (the cuts at the
    grid lines are computed, and land a rounding error away from them)."""
    x = np.clip(x, 0.0, 1.0)
    x[x < 1e-9] = 0.0
    x[x > 1 - 1e-9] = 1.0
    return x


def polygon_fractions(
    geoms: np.ndarray,
    groups: np.ndarray,
    grid: GridSpec,
    *,
    pieces_in: np.ndarray | bool = False,
) -> CellFractions:
    """Exact cell fractions of each group of polygons on ``grid``.

    Parameters
    ----------
    geoms
        Polygons or multipolygons in the grid's CRS (valid; parts of one group may overlap).
    groups
        The group (0-based) of each geometry: a commune's index, or 0 for a whole layer.
    grid
        The grid; cells outside it are left out.
    pieces_in
        Keep the boundary pieces (``CellFractions.pieces``) of the cells crossed by a
        group's boundary: ``True`` all of them, an array of flat cell indices (sorted) those
        cells only, ``False`` none.

    Examples
    --------
    A 150 m x 100 m rectangle on a 100 m grid, its corner in the middle of a cell:

    >>> grid = GridSpec(0.0, 300.0, 100.0, 3, 3)
    >>> f = polygon_fractions(np.array([shapely.box(50, 150, 200, 250)]), np.array([0]), grid)
    >>> sorted(zip(f.cell.tolist(), f.fraction.round(3).tolist()))
    [(0, 0.25), (1, 0.5), (3, 0.25), (4, 0.5)]
    >>> float(f.areas(1)[0])
    1.5
    """
    u0, v0, u1, v1, group = _segments(geoms, np.asarray(groups, dtype=np.int64), grid)
    seg, row, col, um, dv, ta, tb = _pieces(u0, v0, u1, v1)
    inside = (row >= 0) & (row < grid.height)
    seg, row, col, um, dv, ta, tb = (x[inside] for x in (seg, row, col, um, dv, ta, tb))
    rows, order = _row_sums(group[seg], row, col, um, dv, grid)
    g, r, col_u = rows.group, rows.row, rows.col
    # spans: cells strictly between consecutive boundary cells of a group's row, inside it
    grow = g * grid.height + r
    nxt = np.r_[col_u[1:], 0]
    same = np.r_[grow[1:] == grow[:-1], False]
    span = same & (rows.after != 0) & (nxt > col_u + 1)
    start = np.maximum(col_u[span] + 1, 0)
    end = np.minimum(nxt[span], grid.width)
    ok = end > start
    on_grid = (col_u >= 0) & (col_u < grid.width) & (rows.fraction > 0)
    pieces = None
    if pieces_in is not False:
        cells = None if pieces_in is True else np.asarray(pieces_in, dtype=np.int64)
        pieces = _kept_pieces(rows, on_grid, cells, order, (seg, ta, tb, u0, v0, u1, v1), grid)
    return CellFractions(
        grid=grid,
        group=g[on_grid],
        cell=r[on_grid] * grid.width + col_u[on_grid],
        fraction=rows.fraction[on_grid],
        span_group=g[span][ok],
        span_row=r[span][ok],
        span_start=start[ok],
        span_end=end[ok],
        pieces=pieces,
    )

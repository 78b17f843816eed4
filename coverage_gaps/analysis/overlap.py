"""Exact overlap, inside one grid cell, of a commune with a coverage layer: for the few
cells that hold both a commune's edge and a coverage edge finer than the cell.

Elsewhere on the area grid the commune's share of a cell times the cell's covered share
is exact (one of the two is 0 or 1); in such a *mixed* cell it is not, and the overlap is
measured here from the boundary pieces in the cell (:class:`.fractions.CellPieces`).

In the cell's own coordinates (u right, v down, in [0, 1]) a polygon's winding number
along a row at height v is ``w(u) = W(v) + Σ s_i [u > u_i]``: each piece crossing the row
at ``u_i`` adds the sign ``s_i`` of its dv to the points on its right (as in
:mod:`.fractions`), and ``W(v)``, the winding just left of the cell, changes only where the
boundary crosses the cell's left edge: by -1 where a piece of the cell starts on it, +1
where one ends on it (a piece that ends there and one that starts there cancel out when
the boundary only touches the edge). Its value at the top follows from the winding carried
into the cell, integrated over its height (known exactly from the whole row).

The cell is cut into horizontal slabs at the height of every end of a piece, of every
crossing of two pieces and (for a raster) of every line between pixels. Inside a slab every piece
is one straight line and none cross, so the covered length of a row is linear in v: its
value at the slab's mid-height times the slab's height is the slab's exact area. Along a
row, for a commune ``A`` and a coverage polygon ``B`` (winding numbers 0 or 1),

    ∫ w_A w_B du = W_A W_B + W_A Σ_b s_b (1 - u_b) + W_B Σ_a s_a (1 - u_a)
                   + Σ_a Σ_b s_a s_b (1 - max(u_a, u_b)),

and for a raster with covered length ``F(u)`` from the row's left end to ``u`` (linear
between two pixel columns: the slabs are also cut where a piece crosses from one pixel
column to the next),

    ∫ w_A cov du = W_A F(1) + Σ_a s_a (F(1) - F(u_a)).

Everything is done for all the mixed cells at once, without a loop over cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fractions import CellPieces

__all__ = ["overlap_with_pixels", "overlap_with_polygons"]


@dataclass
class _Local:
    """The pieces of a list of cells: each piece's cell (index in the list) and ends."""

    pair: np.ndarray
    u0: np.ndarray
    v0: np.ndarray
    u1: np.ndarray
    v1: np.ndarray
    top: np.ndarray  # W at the top of each cell, before the jumps on its left edge
    jump_pair: np.ndarray
    jump_v: np.ndarray
    jump: np.ndarray


def _ranges(lo: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs ``[lo, lo + count)``: the run of each element and the element itself."""
    run = np.repeat(np.arange(len(lo)), count)
    step = np.arange(len(run)) - np.repeat(np.cumsum(count) - count, count)
    return run, np.repeat(lo, count) + step


def _gather(pieces: CellPieces, entries: np.ndarray) -> _Local:
    """The pieces of the pairs ``entries`` (an entry may come more than once), with the
    jumps of W on each cell's left edge and W at the cell's top."""
    starts = pieces.starts
    pair, idx = _ranges(starts[entries], starts[entries + 1] - starts[entries])
    u0, v0, u1, v1 = pieces.u0[idx], pieces.v0[idx], pieces.u1[idx], pieces.v1[idx]
    begins, ends = u0 == 0.0, u1 == 0.0
    jump_pair = np.r_[pair[begins], pair[ends]]
    jump_v = np.r_[v0[begins], v1[ends]]
    jump = np.r_[-np.ones(int(begins.sum())), np.ones(int(ends.sum()))]
    # ∫ W dv over the cell = W_top + Σ jump (1 - v): the carried winding
    later = np.bincount(jump_pair, weights=jump * (1.0 - jump_v), minlength=len(entries))
    top = np.rint(pieces.carried[entries] - later)
    return _Local(pair, u0, v0, u1, v1, top, jump_pair, jump_v, jump)


@dataclass
class _Slabs:
    """Every cell cut at the heights given: the sorted distinct heights (``v``, with the
    cell of each, ``pair``) and, for each height given, its place in them (``rank``). Slab
    ``r`` runs from height ``r`` to ``r + 1`` when both are in the same cell."""

    pair: np.ndarray
    v: np.ndarray
    rank: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return np.r_[self.pair[1:] == self.pair[:-1], False]

    @property
    def height(self) -> np.ndarray:
        return np.r_[np.diff(self.v), 0.0] * self.valid

    @property
    def mid(self) -> np.ndarray:
        return (self.v + np.r_[self.v[1:], 1.0]) / 2


def _slabs(n: int, pair: np.ndarray, v: np.ndarray) -> _Slabs:
    """Cut each of ``n`` cells at its heights ``v`` (0 and 1 are added).

    Sorted on one number, ``pair + v / 2``, which also stands for the height from then on:
    heights within a rounding error of it (about 1e-11 of a cell for 100,000 cells) are
    one."""
    key = np.r_[pair + v * 0.5, np.arange(n, dtype=float), np.arange(n) + 0.5]
    order = np.argsort(key)
    sk = key[order]
    new = np.r_[True, sk[1:] != sk[:-1]]
    rank = np.empty(len(key), np.int64)
    rank[order] = np.cumsum(new) - 1
    upair = np.floor(sk[new])  # v / 2 is at most a half
    return _Slabs(upair.astype(np.int64), (sk[new] - upair) * 2.0, rank[: len(key) - 2 * n])


def _heights(local: _Local) -> tuple[np.ndarray, np.ndarray]:
    """The cell and height of both ends of every piece (pieces' starts, then their ends)."""
    return np.r_[local.pair, local.pair], np.r_[local.v0, local.v1]


def _events(
    local: _Local, slabs: _Slabs, rank0: np.ndarray, rank1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each piece crosses the mid-height of each slab it spans: slab, u, sign."""
    lo, hi = np.minimum(rank0, rank1), np.maximum(rank0, rank1)
    piece, slab = _ranges(lo, hi - lo)
    v0, v1 = local.v0[piece], local.v1[piece]
    u0, u1 = local.u0[piece], local.u1[piece]
    t = (slabs.mid[slab] - v0) / (v1 - v0)  # spans a slab: v1 != v0
    u = np.clip(u0 + t * (u1 - u0), 0.0, 1.0)
    return slab, u, np.sign(v1 - v0)


def _winding(local: _Local, slabs: _Slabs, jump_rank: np.ndarray) -> np.ndarray:
    """W at the mid-height of every slab: the cell's W at the top plus the jumps above."""
    acc = np.zeros(len(slabs.v))
    np.add.at(acc, jump_rank, local.jump)
    cum = np.cumsum(acc)
    first = np.flatnonzero(np.r_[True, slabs.pair[1:] != slabs.pair[:-1]])
    base = np.repeat(cum[first] - acc[first], np.diff(np.r_[first, len(cum)]))
    return local.top[slabs.pair] + cum - base


def _crossing_heights(a: _Local, b: _Local, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The cell and height of every crossing of a piece of ``a`` with one of ``b`` in the
    same cell."""
    bstart = np.searchsorted(b.pair, np.arange(n + 1))
    ia, ib = _ranges(bstart[a.pair], bstart[a.pair + 1] - bstart[a.pair])
    pu, pv = a.u0[ia], a.v0[ia]
    ru, rv = a.u1[ia] - pu, a.v1[ia] - pv
    qu, qv = b.u0[ib] - pu, b.v0[ib] - pv
    su, sv = b.u1[ib] - b.u0[ib], b.v1[ib] - b.v0[ib]
    den = ru * sv - rv * su
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qu * sv - qv * su) / den
        w = (qu * rv - qv * ru) / den
    hit = (den != 0) & (t > 0) & (t < 1) & (w > 0) & (w < 1)
    return a.pair[ia][hit], np.clip(pv[hit] + t[hit] * rv[hit], 0.0, 1.0)


def _cross_terms(
    slab_a: np.ndarray, u_a: np.ndarray, s_a: np.ndarray,
    slab_b: np.ndarray, u_b: np.ndarray, s_b: np.ndarray, n: int,
) -> np.ndarray:  # fmt: skip
    """Σ_a Σ_b s_a s_b (1 - max(u_a, u_b)) over each slab's pairs of crossings: each pair
    counted at the later of the two along the row."""
    slab = np.r_[slab_a, slab_b]
    u = np.r_[u_a, u_b]
    sa = np.r_[s_a, np.zeros(len(s_b))]
    sb = np.r_[np.zeros(len(s_a)), s_b]
    # one sort key (crossings within a rounding error of each other may swap: a pair's
    # term then differs by that error)
    order = np.argsort(slab + u * 0.5)
    slab, u, sa, sb = slab[order], u[order], sa[order], sb[order]
    before_a, before_b = np.cumsum(sa) - sa, np.cumsum(sb) - sb
    first = np.flatnonzero(np.r_[True, slab[1:] != slab[:-1]])
    runs = np.diff(np.r_[first, len(slab)])
    before_a -= np.repeat(before_a[first], runs)
    before_b -= np.repeat(before_b[first], runs)
    return np.bincount(slab, weights=(1.0 - u) * (sa * before_b + sb * before_a), minlength=n)


def overlap_with_polygons(
    a: CellPieces, a_entry: np.ndarray, b: CellPieces, b_entry: np.ndarray
) -> np.ndarray:
    """Area (in cells) of the overlap of two polygon groups inside each of a list of cells.

    Parameters
    ----------
    a, b
        The pieces of the two groups (a commune's, a coverage layer's).
    a_entry, b_entry
        For each cell of the list, its pair in ``a`` and in ``b`` (same cell).

    Returns
    -------
    numpy.ndarray
        The area of the overlap in each cell, as a share of the cell.

    Examples
    --------
    Two squares of half a cell's side each, overlapping over a quarter of their area:

    >>> import shapely
    >>> from coverage_gaps.results import GridSpec
    >>> from coverage_gaps.analysis.fractions import polygon_fractions
    >>> grid = GridSpec(0.0, 100.0, 100.0, 1, 1)
    >>> def pieces(box):
    ...     return polygon_fractions(np.array([box]), np.array([0]), grid, pieces_in=True).pieces
    >>> a, b = pieces(shapely.box(10, 10, 60, 60)), pieces(shapely.box(35, 35, 85, 85))
    >>> overlap_with_polygons(a, np.array([0]), b, np.array([0])).round(6).tolist()
    [0.0625]
    """
    n = len(a_entry)
    if n == 0:
        return np.zeros(0)
    la, lb = _gather(a, a_entry), _gather(b, b_entry)
    pa, va = _heights(la)
    pb, vb = _heights(lb)
    pc, vc = _crossing_heights(la, lb, n)
    slabs = _slabs(n, np.r_[pa, pb, pc], np.r_[va, vb, vc])
    na, nb = len(pa), len(pb)
    ra, rb = slabs.rank[:na], slabs.rank[na : na + nb]
    slab_a, u_a, s_a = _events(la, slabs, ra[: na // 2], ra[na // 2 :])
    slab_b, u_b, s_b = _events(lb, slabs, rb[: nb // 2], rb[nb // 2 :])
    w_a = _winding(la, slabs, _jump_ranks(la, ra))
    w_b = _winding(lb, slabs, _jump_ranks(lb, rb))
    m = len(slabs.v)
    sum_a = np.bincount(slab_a, weights=s_a * (1.0 - u_a), minlength=m)
    sum_b = np.bincount(slab_b, weights=s_b * (1.0 - u_b), minlength=m)
    both = _cross_terms(slab_a, u_a, s_a, slab_b, u_b, s_b, m)
    length = w_a * w_b + w_a * sum_b + w_b * sum_a + both
    return np.bincount(slabs.pair, weights=slabs.height * length, minlength=n)


def _jump_ranks(local: _Local, ranks: np.ndarray) -> np.ndarray:
    """The place among the slabs' heights of each jump of W (the jumps are piece ends)."""
    n = len(local.u0)
    begins, ends = local.u0 == 0.0, local.u1 == 0.0
    return np.r_[ranks[:n][begins], ranks[n:][ends]]


def _column_crossings(local: _Local, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The cell and height where each piece crosses a line between two pixel columns
    (where the covered length on its left stops growing linearly)."""
    lo = np.minimum(local.u0, local.u1) * k
    hi = np.maximum(local.u0, local.u1) * k
    first = np.floor(lo).astype(np.int64) + 1
    count = np.maximum(np.ceil(hi).astype(np.int64) - first, 0)
    piece, line = _ranges(first, count)
    u0, v0 = local.u0[piece], local.v0[piece]
    t = (line / k - u0) / (local.u1[piece] - u0)
    return local.pair[piece], np.clip(v0 + t * (local.v1[piece] - v0), 0.0, 1.0)


def overlap_with_pixels(a: CellPieces, a_entry: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Area (in cells) of the part of each of a list of cells inside a polygon group and on
    covered pixels of a raster finer than the cell.

    Parameters
    ----------
    a
        The pieces of the group (a commune's).
    a_entry
        For each cell of the list, its pair in ``a``.
    covered
        For each cell, whether each of its ``k x k`` pixels is covered (rows from the top).

    Returns
    -------
    numpy.ndarray
        The area of the overlap in each cell, as a share of the cell.

    Examples
    --------
    The left half of a cell inside the commune, the top-left pixel of 2 x 2 covered:

    >>> import shapely
    >>> from coverage_gaps.results import GridSpec
    >>> from coverage_gaps.analysis.fractions import polygon_fractions
    >>> grid = GridSpec(0.0, 100.0, 100.0, 2, 1)
    >>> fr = polygon_fractions(np.array([shapely.box(-20, 0, 50, 100)]), np.array([0]), grid,
    ...                        pieces_in=True)
    >>> cov = np.array([[[True, False], [False, False]]])
    >>> overlap_with_pixels(fr.pieces, np.array([0]), cov).round(6).tolist()
    [0.25]
    """
    n, k = len(a_entry), covered.shape[-1] if covered.ndim == 3 else 1
    if n == 0:
        return np.zeros(0)
    la = _gather(a, a_entry)
    pa, va = _heights(la)
    rows = np.tile(np.arange(1, k) / k, n)
    pc, vc = _column_crossings(la, k)
    slabs = _slabs(n, np.r_[pa, np.repeat(np.arange(n), k - 1), pc], np.r_[va, rows, vc])
    ra = slabs.rank[: len(pa)]
    half = len(pa) // 2
    slab_a, u_a, s_a = _events(la, slabs, ra[:half], ra[half:])
    w_a = _winding(la, slabs, _jump_ranks(la, ra))
    # covered length from the row's left end: F(u) = (cum[c] + cov[c] (u k - c)) / k
    cum = np.zeros((n, k, k + 1))
    np.cumsum(covered, axis=2, out=cum[:, :, 1:])
    pixel_row = np.minimum((slabs.mid * k).astype(np.int64), k - 1)
    full = cum[slabs.pair, pixel_row, k] / k
    p, rr = slabs.pair[slab_a], pixel_row[slab_a]
    c = np.minimum((u_a * k).astype(np.int64), k - 1)
    upto = (cum[p, rr, c] + covered[p, rr, c] * (u_a * k - c)) / k
    length = w_a * full + np.bincount(slab_a, weights=s_a * (full[slab_a] - upto),
                                      minlength=len(slabs.v))  # fmt: skip
    return np.bincount(slabs.pair, weights=slabs.height * length, minlength=n)

"""Which target villages each candidate site would cover: the candidates x villages matrix.

:func:`coverage_matrix` walks the candidates chunk by chunk and asks a *covers* function
which villages each chunk covers. Two come with the package:

- :func:`range_covers`: covered within ``range_m`` of the site (the ``range`` model);
- :func:`power_covers`: covered where a received-power model gives at least a threshold;
  the model is any function of (candidate rows, candidate-village pairs): the
  ``hata`` and ``hata+terrain`` predictions plug in here.

Both find the candidate-village pairs within reach with a KD-tree of the villages (built
once, :attr:`TargetPoints.tree`), so the work grows with the pairs in reach, not with
candidates x villages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from scipy import sparse
from scipy.spatial import cKDTree

from ..._errors import InputDataError, Problem
from ..crs import is_metric
from .problem import SOURCE

__all__ = [
    "Covers",
    "PowerModel",
    "TargetPoints",
    "coverage_matrix",
    "pairs_within",
    "power_covers",
    "range_covers",
]


@dataclass(frozen=True)
class TargetPoints:
    """The target villages as the covers functions see them.

    Attributes
    ----------
    xy
        (villages, 2) coordinates in the working (metric) CRS.
    crs
        That CRS.
    """

    xy: np.ndarray
    crs: CRS

    @cached_property
    def tree(self) -> cKDTree:
        """A KD-tree of :attr:`xy`, built on first use and kept."""
        return cKDTree(self.xy)

    def __len__(self) -> int:
        return len(self.xy)


class Covers(Protocol):
    """Which targets each candidate of a chunk covers.

    Called with a chunk of the candidates (a GeoDataFrame of points in the targets' CRS,
    its own columns included) and the targets; returns a (len(chunk), len(targets))
    boolean sparse matrix.
    """

    def __call__(self, candidates: gpd.GeoDataFrame, targets: TargetPoints) -> sparse.csr_array: ...


#: A received-power model: given the candidates of a chunk, and for each candidate-village
#: pair in reach the candidate's row in the chunk and the village's coordinates, the power
#: received at the village in dBm (NaN or -inf: no signal).
PowerModel = Callable[[gpd.GeoDataFrame, np.ndarray, np.ndarray], np.ndarray]


def _xy(points: gpd.GeoSeries) -> np.ndarray:
    arr = points.to_numpy()
    return np.column_stack([shapely.get_x(arr), shapely.get_y(arr)])


def _radii(candidates: gpd.GeoDataFrame, range_m: float | None, column: str) -> np.ndarray:
    """Each candidate's reach: its own ``column`` value, else ``range_m``."""
    own = (
        candidates[column].to_numpy(dtype=float, na_value=np.nan)
        if column in candidates.columns
        else np.full(len(candidates), np.nan)
    )
    radii = np.where(np.isfinite(own), own, np.nan if range_m is None else float(range_m))
    bad = ~np.isfinite(radii) | (radii < 0)
    if bad.any():
        shown = ", ".join(str(v) for v in candidates.index[bad][:5])
        raise InputDataError(
            [
                Problem(
                    SOURCE,
                    f"candidates {shown}",
                    f"have no usable {column} (missing or negative).",
                    f"give each candidate a {column}, or a default range.",
                )
            ]
        )
    return radii


def pairs_within(
    candidates: gpd.GeoDataFrame, targets: TargetPoints, radii: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate-village pairs closer than the candidate's radius: (row, village, distance m).

    Rows are positions in ``candidates``; pairs are sorted by row, then village.
    """
    if len(candidates) == 0 or len(targets) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    found = cKDTree(_xy(candidates.geometry)).sparse_distance_matrix(
        targets.tree, float(radii.max()), output_type="ndarray"
    )
    rows = found["i"].astype(np.int64)
    cols = found["j"].astype(np.int64)
    dist = found["v"].astype(float)
    keep = dist <= radii[rows]
    rows, cols, dist = rows[keep], cols[keep], dist[keep]
    order = np.lexsort((cols, rows))
    return rows[order], cols[order], dist[order]


def _matrix(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_array:
    return sparse.csr_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=shape)


def range_covers(range_m: float | None = None, *, column: str = "range_m") -> Covers:
    """The ``range`` model: a candidate covers the villages within its range.

    Parameters
    ----------
    range_m
        Range of a candidate without its own ``column`` value (metres).
    column
        The candidates' column with a per-site range (metres).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> sites = gpd.GeoDataFrame(geometry=shapely.points([[0, 0], [5000, 0]]), crs=32648)
    >>> villages = gpd.GeoSeries(shapely.points([[100, 0], [4000, 0]]), crs=32648)
    >>> coverage_matrix(sites, villages, covers=range_covers(1500)).toarray()
    array([[ True, False],
           [False,  True]])
    """

    def covers(candidates: gpd.GeoDataFrame, targets: TargetPoints) -> sparse.csr_array:
        radii = _radii(candidates, range_m, column)
        rows, cols, _ = pairs_within(candidates, targets, radii)
        return _matrix(rows, cols, (len(candidates), len(targets)))

    return covers


def power_covers(
    model: PowerModel,
    *,
    threshold_dbm: float,
    reach_m: float | None = None,
    column: str = "reach_m",
) -> Covers:
    """A received-power model: a candidate covers the villages it serves at or above a
    threshold.

    Parameters
    ----------
    model
        Received power (dBm) for candidate-village pairs (see :data:`PowerModel`); only
        pairs within reach are evaluated.
    threshold_dbm
        Covered at or above this power.
    reach_m, column
        Longest distance worth evaluating: the candidates' ``column`` value, else
        ``reach_m`` (for example where the model's path loss exceeds the link budget).
    """

    def covers(candidates: gpd.GeoDataFrame, targets: TargetPoints) -> sparse.csr_array:
        radii = _radii(candidates, reach_m, column)
        rows, cols, _ = pairs_within(candidates, targets, radii)
        power = np.asarray(model(candidates, rows, targets.xy[cols]), dtype=float)
        keep = np.nan_to_num(power, nan=-np.inf) >= threshold_dbm
        return _matrix(rows[keep], cols[keep], (len(candidates), len(targets)))

    return covers


def _check_crs(candidates: gpd.GeoDataFrame, villages: gpd.GeoSeries) -> CRS:
    crs = None if villages.crs is None else CRS.from_user_input(villages.crs)
    same = candidates.crs is not None and crs is not None and crs.equals(candidates.crs)
    if crs is None or not same or not is_metric(crs):
        raise ValueError(
            "candidates and villages must share one metric CRS (the working CRS); got "
            f"{candidates.crs} and {villages.crs}"
        )
    return crs


def coverage_matrix(
    candidates: gpd.GeoDataFrame,
    villages: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    covers: Covers,
    chunk_size: int = 512,
) -> sparse.csr_array:
    """The candidates x villages coverage matrix.

    Parameters
    ----------
    candidates
        Candidate sites (points) with whatever columns ``covers`` needs.
    villages
        Target villages (points), in the candidates' CRS, which must be metric.
    covers
        The coverage model (:func:`range_covers`, :func:`power_covers` or any
        :class:`Covers`).
    chunk_size
        Candidates per call of ``covers`` (bounds memory).

    Returns
    -------
    scipy.sparse.csr_array
        Boolean, one row per candidate, one column per village, in input order.
    """
    points = villages.geometry if isinstance(villages, gpd.GeoDataFrame) else villages
    crs = _check_crs(candidates, points)
    targets = TargetPoints(_xy(points), crs)
    blocks = [
        sparse.csr_array(covers(candidates.iloc[start : start + chunk_size], targets), dtype=bool)
        for start in range(0, len(candidates), chunk_size)
    ]
    if not blocks:
        return sparse.csr_array((0, len(targets)), dtype=bool)
    return sparse.csr_array(sparse.vstack(blocks, format="csr"), dtype=bool)

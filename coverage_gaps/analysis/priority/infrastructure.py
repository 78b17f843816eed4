"""What each carrier already has around each village: the nearest site with the build
technology, the nearest fibre and its owner, and 3G-or-better coverage (of the village and
of its commune)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...vietnam.carriers import carrier_slug
from ..coverage import nearest_line

__all__ = [
    "BROADBAND",
    "carrier_coverage",
    "commune_coverage_means",
    "commune_coverage_shares",
    "nearest_distance",
    "nearest_fibre",
    "site_distances",
]

#: Technologies that count as coverage for sharing and for the commune-coverage fallback.
BROADBAND = ("3G", "4G", "5G")


def nearest_distance(points: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to, and index of, the nearest target; inf / -1 when there is none.

    Examples
    --------
    >>> d, i = nearest_distance(shapely.points([0, 5], [0, 0]), shapely.points([3], [4]))
    >>> d.tolist(), i.tolist()
    ([5.0, 4.47213595499958], [0, 0])
    >>> nearest_distance(shapely.points([0], [0]), np.array([]))[1].tolist()
    [-1]
    """
    dist = np.full(len(points), np.inf)
    idx = np.full(len(points), -1, dtype=np.int64)
    if len(targets) and len(points):
        (pi, ti), d = shapely.STRtree(targets).query_nearest(
            points, return_distance=True, all_matches=False
        )
        dist[pi] = d
        idx[pi] = ti
    return dist, idx


def site_distances(
    points: np.ndarray,
    sites: gpd.GeoDataFrame | None,
    *,
    carriers: Sequence[str],
    technology: str,
) -> np.ndarray:
    """Distance (m) from each point to each carrier's nearest site with `technology`.

    A carrier without any site with `technology` is measured to its nearest site of any
    technology; one without sites is at infinity. Shape ``(len(points), len(carriers))``.
    """
    dist = np.full((len(points), len(carriers)), np.inf)
    if sites is None or not len(sites):
        return dist
    for j, c in enumerate(carriers):  # a handful of carriers
        own = sites[sites["carrier"] == c]
        with_tech = own[[technology in t for t in own["technologies"]]]  # per site
        chosen = with_tech if len(with_tech) else own
        dist[:, j], _ = nearest_distance(points, chosen.geometry.to_numpy())
    return dist


def nearest_fibre(
    points: np.ndarray,
    fibre: gpd.GeoDataFrame | None,
    *,
    nearest: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) to the nearest fibre and its ``owner``; inf / None without fibre.

    ``nearest``: the distance to and position in ``fibre`` of each point's nearest feature,
    when already searched (:func:`~coverage_gaps.analysis.coverage.nearest_fibre_feature`).
    """
    if fibre is None:
        return np.full(len(points), np.inf), np.full(len(points), None, dtype=object)
    dist, idx = nearest if nearest is not None else nearest_line(points, fibre.geometry.to_numpy())
    if not len(fibre):
        return dist, np.full(len(points), None, dtype=object)
    owners = fibre["owner"].to_numpy(dtype=object)[np.clip(idx, 0, None)]
    owners[idx < 0] = None
    return dist, owners


def carrier_coverage(villages: pd.DataFrame, carrier: str, techs: Sequence[str]) -> np.ndarray:
    """Whether each village has any of `techs` from `carrier` (False without such columns)."""
    cols = [
        f"{carrier_slug(carrier)}_{t.lower()}"
        for t in techs
        if f"{carrier_slug(carrier)}_{t.lower()}" in villages
    ]
    if not cols:
        return np.zeros(len(villages), dtype=bool)
    return np.asarray(villages[cols].to_numpy(dtype=bool).any(axis=1), dtype=bool)


def commune_coverage_shares(
    villages: pd.DataFrame, carriers: Sequence[str], *, overall: np.ndarray | None = None
) -> np.ndarray:
    """Share of the commune's villages each carrier covers with 3G or better, per village.

    A millionth of the carrier's share over the whole area is added, so that ties within a
    commune go to the carrier covering most villages overall. Shape
    ``(len(villages), len(carriers))``. ``overall``: the carriers' shares over the whole
    area, when ``villages`` holds whole communes but not all of them (a partition).
    """
    means, covered = commune_coverage_means(villages, carriers)
    if overall is None:
        overall = covered / max(len(villages), 1)
    return means + overall * 1e-6


def commune_coverage_means(
    villages: pd.DataFrame, carriers: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per village and carrier, the share of its commune's villages the carrier covers with
    3G or better; and per carrier, how many villages it covers so."""
    means = np.zeros((len(villages), len(carriers)))
    covered = np.zeros(len(carriers))
    commune = villages["commune_id"].astype(str).to_numpy()
    for j, c in enumerate(carriers):  # a handful of carriers
        cov = carrier_coverage(villages, c, BROADBAND).astype(float)
        means[:, j] = pd.Series(cov).groupby(commune).transform("mean").to_numpy()
        covered[j] = cov.sum()
    return means, covered

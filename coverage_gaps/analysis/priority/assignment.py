"""Which carrier should close each village's gap, and on what basis.

In order of precedence: the carrier an assignment table names (``assigned``); for a mobile
need, the carrier with the nearest existing site of the build technology
(``nearest_site``); for a fibre-only need, the owner of the nearest fibre
(``nearest_fibre``); otherwise the carrier covering most of the commune's villages with 3G
or better (``commune_coverage``). Ties between carriers go to the alphabetically first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .infrastructure import commune_coverage_shares, nearest_fibre, site_distances

__all__ = ["assign_carriers"]


@dataclass(frozen=True)
class _Choice:
    """Per village: the carrier, how it was chosen and the distance (m) to its infrastructure."""

    carrier: np.ndarray
    basis: np.ndarray
    distance: np.ndarray

    @classmethod
    def undecided(cls, n: int) -> _Choice:
        return cls(np.full(n, "", dtype=object), np.full(n, "", dtype=object), np.full(n, np.nan))

    def take(self, where: np.ndarray, carrier: np.ndarray, basis: str) -> None:
        """Give the villages `where` the carriers ``carrier[where]``, chosen by `basis`."""
        self.carrier[where] = carrier[where]
        self.basis[where] = basis


def assign_carriers(
    villages: gpd.GeoDataFrame,
    candidates: np.ndarray,
    *,
    carriers: Sequence[str],
    mobile_need: np.ndarray,
    sites: gpd.GeoDataFrame | None,
    fibre: gpd.GeoDataFrame | None,
    build_technology: str = "4G",
    assignments: pd.DataFrame | None = None,
    commune_shares: np.ndarray | None = None,
    fibre_nearest: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The carrier best placed to close each candidate village's gap.

    Returns
    -------
    carrier, basis, distance_m, covered_share
        Per village: the carrier (``""`` for non-candidates), how it was chosen
        (``assigned``, ``nearest_site``, ``nearest_fibre``, ``commune_coverage``), the
        distance to that carrier's nearest site (mobile) or fibre (fibre only), in metres,
        and the share of the commune's villages the carrier chosen before any assignment
        table covers with 3G or better.

    Examples
    --------
    >>> carrier, basis, dist, _ = assign_carriers(v, cand, carriers=["Viettel", "VNPT"],
    ...                                           mobile_need=cand, sites=sites, fibre=None)  # doctest: +SKIP
    """
    carriers = sorted(carriers)
    names = np.array(carriers, dtype=object)
    pts = villages.geometry.to_numpy()
    site_dist = site_distances(pts, sites, carriers=carriers, technology=build_technology)
    shares = (
        commune_coverage_shares(villages, carriers) if commune_shares is None else commune_shares
    )
    cand = candidates.astype(bool)
    has_site = np.isfinite(site_dist).any(axis=1)
    best_site = np.argmin(site_dist, axis=1)  # ties: first = alphabetical
    best_share = np.argmax(shares, axis=1)

    choice = _Choice.undecided(len(villages))
    by_site = cand & mobile_need & has_site
    choice.take(by_site, names[best_site], "nearest_site")
    choice.distance[by_site] = site_dist[by_site, best_site[by_site]]
    fibre_only = cand & ~mobile_need
    fibre_dist, fibre_owner = nearest_fibre(pts, fibre, nearest=fibre_nearest)
    by_owner = fibre_only & np.isin(np.asarray(fibre_owner, dtype=object).astype(str), carriers)
    choice.take(by_owner, fibre_owner, "nearest_fibre")
    rest = cand & (choice.basis == "")
    if len(names):
        choice.take(rest, names[best_share], "commune_coverage")
    idx = _carrier_index(choice.carrier, names)
    by_share_with_site = rest & mobile_need & has_site
    choice.distance[by_share_with_site] = site_dist[by_share_with_site, idx[by_share_with_site]]
    choice.distance[fibre_only] = fibre_dist[fibre_only]

    if assignments is not None and len(assignments):
        _take_assigned(choice, cand & mobile_need, cand, villages, assignments, site_dist, names)
    share = shares[np.arange(len(villages)), idx]
    return choice.carrier, choice.basis, choice.distance, share


def _carrier_index(carrier: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Column of each village's carrier in the per-carrier arrays (0 when it has none)."""
    return (
        pd.Series(carrier)
        .map({c: j for j, c in enumerate(names)})
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )


def _take_assigned(
    choice: _Choice,
    mobile: np.ndarray,
    cand: np.ndarray,
    villages: pd.DataFrame,
    assignments: pd.DataFrame,
    site_dist: np.ndarray,
    names: np.ndarray,
) -> None:
    """Give the candidates an assignment table names (by village or by commune) that carrier;
    a mobile need's distance becomes that to the assigned carrier's nearest site."""
    table = assignments.set_index("key")["carrier"]
    key = np.where(
        assignments["level"].iloc[0] == "village",
        villages["village_id"].astype(str).to_numpy(),
        villages["commune_id"].astype(str).to_numpy(),
    )
    forced = pd.Series(key).map(table).to_numpy(dtype=object)
    hit = cand & pd.notna(forced)
    choice.take(hit, forced, "assigned")
    for j, c in enumerate(names):  # a handful of carriers
        sel = hit & (choice.carrier == c) & mobile
        choice.distance[sel] = site_dist[sel, j]

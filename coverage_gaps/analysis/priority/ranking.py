"""The priority lists: candidates scored, assigned to a carrier, explained and ranked."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from pandas.arrays import IntegerArray

from ...config.priority import PrioritySpec
from ...results import PriorityResult
from .assignment import assign_carriers
from .budget import select_within_budget
from .reasons import village_reasons
from .scoring import COMPONENTS, Scores, rank_order, score_villages, village_needs
from .sharing import sharing_opportunities

__all__ = ["rank_villages"]


def rank_villages(
    villages: gpd.GeoDataFrame,
    *,
    spec: PrioritySpec,
    carriers: Sequence[str],
    max_fibre_distance_m: float | None,
    sites: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    fibre: gpd.GeoDataFrame | None = None,
    assignments: pd.DataFrame | None = None,
    households: np.ndarray | None = None,
    electricity: np.ndarray | None = None,
    language: str = "vi",
    commune_shares: np.ndarray | None = None,
    fibre_nearest: tuple[np.ndarray, np.ndarray] | None = None,
) -> PriorityResult:
    """Score, assign and rank the villages that need coverage.

    Parameters
    ----------
    villages
        The village table from :func:`coverage_gaps.classify_villages`, in the working CRS.
    spec
        The ``priority:`` section.
    carriers
        Carriers of the coverage layers.
    max_fibre_distance_m
        Reach of fibre (``None`` without a fibre layer).
    sites, facilities, fibre, assignments
        Optional layers (see :func:`load_sites`, :func:`load_facilities`, :func:`load_assignments`).
    households, electricity
        Optional per-village arrays (households count; 1/0/0.5 grid power).
    language
        ``vi`` or ``en``, for the plain-language reason.
    commune_shares
        Per village and carrier (sorted), the share of its commune's villages the carrier
        covers, when ``villages`` holds only some of each commune's villages (see
        :func:`~coverage_gaps.analysis.priority.infrastructure.commune_coverage_shares`).
    fibre_nearest
        Per village, the distance to and position in ``fibre`` of its nearest fibre feature,
        when already searched for the village table
        (:func:`~coverage_gaps.analysis.coverage.nearest_fibre_feature`); searched here
        otherwise.

    Returns
    -------
    PriorityResult

    Examples
    --------
    >>> pr = rank_villages(result.villages, spec=PrioritySpec(), carriers=["Viettel"],
    ...                    max_fibre_distance_m=1000)  # doctest: +SKIP
    >>> pr.ranked[["village_id", "carrier", "rank", "score"]].head()  # doctest: +SKIP
    """
    mobile_need, fibre_need = village_needs(villages, spec, max_fibre_distance_m)
    candidates = mobile_need | fibre_need
    carrier, basis, distance, _ = assign_carriers(
        villages,
        candidates,
        carriers=carriers,
        mobile_need=mobile_need,
        sites=sites,
        fibre=fibre,
        build_technology=spec.build_technology,
        assignments=assignments,
        commune_shares=commune_shares,
        fibre_nearest=fibre_nearest,
    )
    scores = score_villages(
        villages,
        spec=spec,
        mobile_need=mobile_need,
        fibre_need=fibre_need,
        distance_m=distance,
        facilities=facilities,
        electricity=electricity,
    )
    need = np.where(
        mobile_need & fibre_need, "mobile+fibre", np.where(mobile_need, "mobile", "fibre")
    )
    table = _village_table(
        villages,
        spec=spec,
        scores=scores,
        assigned=(need, carrier, basis, distance),
        households=households,
    )
    ranked = gpd.GeoDataFrame(table, geometry=villages.geometry.to_numpy(), crs=villages.crs)
    ranked = ranked[candidates]
    ranked["reason"] = village_reasons(ranked, spec, max_fibre_distance_m, language)
    ranked = rank_order(ranked)
    summary = None
    if spec.budget is not None:
        ranked, summary = select_within_budget(ranked, spec.budget)
    sharing = sharing_opportunities(villages, carriers=carriers)
    return PriorityResult(ranked=ranked, sharing=sharing, budget=summary, carriers=sorted(carriers))


def _village_table(
    villages: pd.DataFrame,
    *,
    spec: PrioritySpec,
    scores: Scores,
    assigned: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    households: np.ndarray | None,
) -> pd.DataFrame:
    """Every village's row of the lists: who it is, what it needs and who should build
    (`assigned`: need, carrier, basis, distance in metres), the scores and their grounds."""
    n = len(villages)
    need, carrier, basis, distance_m = assigned
    copied = ("village_id", "name", "commune_id", "commune_name", "population")
    return pd.DataFrame(
        {
            **{c: villages[c].to_numpy() for c in copied},
            "households": _whole(households if households is not None else np.full(n, np.nan)),
            "best_mobile": villages["best_mobile"].to_numpy(dtype=str),
            "need": need,
            "carrier": carrier.astype(str),
            "assignment_basis": basis.astype(str),
            "distance_km": _km(distance_m),
            "fibre_distance_m": villages["fibre_distance_m"].to_numpy(),
            "facility": scores.facility.astype(str),
            "relief_m": np.round(scores.relief, 0) if spec.dem is not None else np.full(n, np.nan),
            "score": np.round(scores.score, 2),
            **{f"score_{k}": np.round(scores.components[k], 3) for k in COMPONENTS},
            "lon": villages["lon"].to_numpy(),
            "lat": villages["lat"].to_numpy(),
        }
    )


def _km(distance_m: np.ndarray) -> np.ndarray:
    """Metres to kilometres rounded to 10 m; infinite (nothing known) becomes NaN (empty)."""
    km = distance_m / 1000.0
    return np.round(np.where(np.isfinite(km), km, np.nan), 2)


def _whole(values: np.ndarray) -> object:
    """Whole numbers as a nullable integer array (so CSVs show 268, not 268.0).

    Examples
    --------
    >>> _whole(np.array([268.0, np.nan])).tolist()
    [268, <NA>]
    >>> _whole(np.array([2.5])).tolist()
    [2.5]
    """
    arr = np.asarray(values, dtype=float)
    finite = np.isfinite(arr)
    if np.all(np.mod(arr[finite], 1) == 0):
        return IntegerArray(np.where(finite, arr, 0).astype(np.int64), ~finite)
    return arr

"""Which villages are candidates, their six score components, the weighted score and the
ranks (see ``docs/PRIORITY.md``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ...config.priority import PrioritySpec
from .infrastructure import nearest_distance
from .terrain import local_relief

__all__ = ["COMPONENTS", "SEVERITY", "Scores", "rank_order", "score_villages", "village_needs"]

#: Severity of a mobile gap by the best technology the village has.
SEVERITY = {"none": 1.0, "2G": 0.7, "3G": 0.4}
#: The score components, in the order of the ``score_*`` columns.
COMPONENTS = ("people", "mobile", "fibre", "importance", "readiness", "cost")


@dataclass(frozen=True)
class Scores:
    """Per village: the components in [0, 1], the score (0-100) and what explains them."""

    components: dict[str, np.ndarray]
    score: np.ndarray
    facility: np.ndarray  # kind of the nearest public facility within reach, or ""
    relief: np.ndarray  # elevation range (m) around the village; zeros without a DEM


def village_needs(
    villages: pd.DataFrame, spec: PrioritySpec, max_fibre_distance_m: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each village needs mobile coverage, and fibre, under ``spec.targets``.

    A fibre need counts only when fibre reach is known for every village.
    """
    n = len(villages)
    mobile_need = np.zeros(n, dtype=bool)
    if "gap_mobile" in spec.targets:
        mobile_need |= villages["gap_mobile"].to_numpy(dtype=bool)
    if "no_4g" in spec.targets:
        mobile_need |= ~villages["has_4g"].to_numpy(dtype=bool) & ~villages["has_5g"].to_numpy(
            dtype=bool
        )
    fibre_known = max_fibre_distance_m is not None and villages["gap_fibre"].notna().all()
    fibre_need = (
        villages["gap_fibre"].fillna(False).to_numpy(dtype=bool)
        if ("gap_fibre" in spec.targets and fibre_known)
        else np.zeros(n, bool)
    )
    return mobile_need, fibre_need


def score_villages(
    villages: gpd.GeoDataFrame,
    *,
    spec: PrioritySpec,
    mobile_need: np.ndarray,
    fibre_need: np.ndarray,
    distance_m: np.ndarray,
    facilities: gpd.GeoDataFrame | None,
    electricity: np.ndarray | None,
) -> Scores:
    """The six components and the weighted score of every village.

    `distance_m` is the distance to the assigned carrier's infrastructure (NaN: unknown).
    """
    n = len(villages)
    importance, facility = _importance(villages.geometry.to_numpy(), facilities, spec)
    cost, relief = _cost(villages, distance_m, spec)
    components = {
        "people": _people(villages["population"].to_numpy(dtype=float), mobile_need | fibre_need),
        "mobile": _mobile(villages["best_mobile"].to_numpy(dtype=str), mobile_need),
        "fibre": fibre_need.astype(float),
        "importance": importance,
        "readiness": electricity if electricity is not None else np.full(n, 0.5),
        "cost": cost,
    }
    score = weighted_score(components, spec.weights)
    return Scores(components=components, score=score, facility=facility, relief=relief)


def weighted_score(
    components: Mapping[str, np.ndarray], weights: Mapping[str, float]
) -> np.ndarray:
    """The weighted mean of the components, scaled to 0-100.

    Examples
    --------
    >>> weighted_score({k: np.array([1.0, 0.0]) for k in COMPONENTS},
    ...                dict.fromkeys(COMPONENTS, 1.0)).tolist()
    [100.0, 0.0]
    """
    wsum = sum(weights.values())
    return np.asarray(sum(weights[k] * components[k] for k in COMPONENTS) / wsum * 100.0)


def rank_order(ranked: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``rank`` (within the carrier) and ``overall_rank``, by score then village id, and
    sort by carrier and rank."""
    ranked = ranked.sort_values(["score", "village_id"], ascending=[False, True], kind="stable")
    ranked.insert(0, "rank", ranked.groupby("carrier").cumcount().to_numpy() + 1)
    ranked.insert(1, "overall_rank", np.arange(1, len(ranked) + 1))
    return ranked.sort_values(["carrier", "rank"], kind="stable").reset_index(drop=True)


def _people(population: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Population relative to the largest candidate's."""
    top = population[candidates].max() if candidates.any() else 0.0
    return population / top if top > 0 else np.zeros(len(population))


def _mobile(best_mobile: np.ndarray, mobile_need: np.ndarray) -> np.ndarray:
    """Severity of the mobile gap (:data:`SEVERITY`); 0 without a mobile need."""
    severity = pd.Series(best_mobile).map(SEVERITY).fillna(0.0).to_numpy(dtype=float)
    return np.where(mobile_need, severity, 0.0)


def _importance(
    points: np.ndarray, facilities: gpd.GeoDataFrame | None, spec: PrioritySpec
) -> tuple[np.ndarray, np.ndarray]:
    """1 with a public facility within ``spec.facility_distance_m``, and that facility's kind."""
    importance = np.zeros(len(points))
    kind = np.full(len(points), "", dtype=object)
    if facilities is not None and len(facilities):
        d, idx = nearest_distance(points, facilities.geometry.to_numpy())
        near = d <= spec.facility_distance_m
        importance[near] = 1.0
        kind[near] = facilities["kind"].to_numpy(dtype=object)[idx[near]]
    return importance, kind


def _cost(
    villages: gpd.GeoDataFrame, distance_m: np.ndarray, spec: PrioritySpec
) -> tuple[np.ndarray, np.ndarray]:
    """1 next to the carrier's infrastructure, 0 at ``reference_distance_km`` (0.5 unknown);
    with a DEM, 30 % of it comes from the local relief (600 m: worst). Also the relief."""
    dist_km = distance_m / 1000.0
    dist_norm = np.where(
        np.isnan(dist_km), 0.5, np.clip(dist_km / spec.reference_distance_km, 0.0, 1.0)
    )
    relief = np.zeros(len(villages))
    if spec.dem is not None:
        points = villages.geometry.to_numpy()
        relief = local_relief(spec.dem, points, CRS.from_user_input(villages.crs))
        dist_norm = 0.7 * dist_norm + 0.3 * np.clip(relief / 600.0, 0.0, 1.0)
    return 1.0 - dist_norm, relief

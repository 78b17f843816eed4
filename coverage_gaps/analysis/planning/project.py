"""The planning of a project run (``planning:`` in the project file): target villages,
candidates, their coverage, the choice within the budget, gap clusters and the tables.

1. Target villages: the mobile gap (``gap_mobile``: no carrier covers them with 3G/4G/5G),
   or, with ``carrier:``, the villages that carrier does not cover with ``technology``
   (its ``<carrier>_<tech>`` column): coverage that already exists is left out.
2. Candidates: the loaded ``candidates:`` file, or a grid near the target villages on the
   DEM's local high points (:func:`~.candidates.generate_candidates`) with the radio
   parameters of ``generate:``.
3. Each candidate's coverage of the targets with the model (:mod:`.radio`).
4. :func:`~.plan.plan_sites` within the budget; :func:`~.clusters.gap_clusters`.
5. The tables (:data:`SITE_TABLE_COLUMNS`, :data:`VILLAGE_TABLE_COLUMNS`,
   :data:`CLUSTER_TABLE_COLUMNS`) and the chosen sites' predicted raster.
"""

from __future__ import annotations

import time
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..._errors import Problem, warn_problem
from ...config.planning import CANDIDATE_RADIO, PlanningSpec
from ...inputs.candidates import place_in_communes
from ...results import PlanningResult
from ...vietnam.carriers import carrier_slug
from ..propagation import Grid
from .candidates import generate_candidates
from .clusters import gap_clusters
from .plan import plan_sites
from .problem import Budget
from .radio import (
    PREDICTED_MARGIN_M,
    Radio,
    candidate_coverage,
    load_planning_terrain,
    planning_grid,
    predict_chosen,
)
from .tables import PlanResult

__all__ = [
    "CLUSTER_TABLE_COLUMNS",
    "SITE_TABLE_COLUMNS",
    "VILLAGE_TABLE_COLUMNS",
    "plan_new_sites",
    "select_targets",
]

#: Columns of ``planning/sites.csv`` (the chosen sites, in order of marginal gain).
SITE_TABLE_COLUMNS = (
    "order", "site_id", "lon", "lat", "commune_id", "commune_name", "new_villages",
    "new_people", "cumulative_people", "people_in_reach", "cost", "cumulative_cost",
    "ground_m", "height_m", "frequency_mhz", "eirp_dbm", "azimuth_deg", "beamwidth_deg",
    "range_m", "reach_m",
)  # fmt: skip
#: Columns of ``planning/villages.csv`` (every target village and its outcome).
VILLAGE_TABLE_COLUMNS = (
    "village_id", "name", "commune_id", "commune_name", "population", "lon", "lat",
    "site_id", "order", "reason", "cluster",
)  # fmt: skip
#: Columns of ``planning/clusters.csv`` (the gap clusters, largest first).
CLUSTER_TABLE_COLUMNS = (
    "cluster", "site_id", "lon", "lat", "villages", "people", "communes", "n_communes",
)  # fmt: skip
#: Radius (m) around a cluster's villages drawn as its lot on the map.
CLUSTER_BUFFER_M = 300.0
_SITE_FIELDS = ("height_m", "frequency_mhz", "eirp_dbm", "azimuth_deg", "beamwidth_deg", "range_m")


def select_targets(
    villages: pd.DataFrame, *, carrier: str | None, technology: str
) -> tuple[np.ndarray, str]:
    """Which villages the plan is for, and the rule in words.

    Examples
    --------
    >>> v = pd.DataFrame({"gap_mobile": [True, False], "viettel_4g": [True, False]})
    >>> select_targets(v, carrier=None, technology="4G")
    (array([ True, False]), 'gap_mobile')
    >>> select_targets(v, carrier="Viettel", technology="4G")
    (array([False,  True]), 'not viettel_4g')
    """
    if carrier is None:
        return villages["gap_mobile"].to_numpy(dtype=bool), "gap_mobile"
    column = f"{carrier_slug(carrier)}_{technology.lower()}"
    if column not in villages.columns:
        warn_problem(
            Problem(
                "planning",
                "carrier",
                f"no coverage layer for {carrier} {technology}: every village is a target.",
                f"add the {carrier} {technology} coverage under 'coverage:', or check "
                "'carrier:' and 'technology:'.",
            )
        )
        return np.ones(len(villages), dtype=bool), f"no {column} layer"
    return ~villages[column].to_numpy(dtype=bool), f"not {column}"


def _target_frame(villages: gpd.GeoDataFrame, mask: np.ndarray) -> gpd.GeoDataFrame:
    """The target villages as points in the working CRS, with the columns the tables use."""
    rows = villages[mask]
    columns = ["village_id", "name", "commune_id", "commune_name", "population", "lon", "lat"]
    points = shapely.point_on_surface(rows.geometry.to_numpy())
    return gpd.GeoDataFrame(
        pd.DataFrame(rows[columns]).reset_index(drop=True), geometry=points, crs=villages.crs
    )


def _generated(
    targets: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, spec: PlanningSpec
) -> gpd.GeoDataFrame:
    """Candidates on a grid near the targets, on the DEM's high points, inside the communes,
    with the radio parameters of ``generate:``."""
    gen = spec.generate
    grid = generate_candidates(
        targets.geometry,
        spacing_m=gen.spacing_m,
        near_gap_m=gen.near_gap_m,
        dem=spec.dem,
        within=communes.geometry,
    )
    frequency, eirp = CANDIDATE_RADIO[spec.technology]
    points = grid.geometry.to_numpy()
    n = len(grid)
    frame = gpd.GeoDataFrame(
        {
            "site_id": grid["candidate"].to_numpy(dtype=object),
            "carrier": spec.carrier or "",
            "technology": spec.technology,
            "x": shapely.get_x(points),
            "y": shapely.get_y(points),
            "height_m": np.full(n, gen.height_m),
            "frequency_mhz": np.full(n, gen.frequency_mhz or frequency),
            "eirp_dbm": np.full(n, eirp if gen.eirp_dbm is None else gen.eirp_dbm),
            "azimuth_deg": np.full(n, np.nan),
            "beamwidth_deg": np.full(n, np.nan),
            "range_m": np.full(n, gen.range_m),
            "row": grid["candidate"].to_numpy(dtype=object),
            "cost": np.full(n, np.nan),
            "ground_m": grid["ground_m"].to_numpy(dtype=float),
        },
        geometry=points,
        crs=grid.crs,
    )
    return place_in_communes(frame, communes, source="planning", warn=False)


def _empty_candidates(crs: Any) -> gpd.GeoDataFrame:
    """No candidate (no target village to generate them near)."""
    columns = ["site_id", "x", "y", *_SITE_FIELDS, "cost", "commune_id", "commune_name"]
    return gpd.GeoDataFrame(
        {
            c: pd.Series(dtype=object if c.startswith(("site", "commune")) else float)
            for c in columns
        },
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )


def _radio(
    spec: PlanningSpec, threshold_dbm: float, cands: gpd.GeoDataFrame, targets: gpd.GeoDataFrame
) -> tuple[Radio, Grid | None]:
    """The model with its terrain (``hata+terrain``), and the planning grid over the
    candidates and the targets (None when there are neither)."""
    points = gpd.GeoSeries(
        np.r_[cands.geometry.to_numpy(), targets.geometry.to_numpy()], crs=targets.crs
    )
    area = planning_grid(points, resolution_m=spec.resolution_m) if len(points) else None
    terrain = None
    if spec.model == "hata+terrain" and area is not None and spec.dem is not None:
        terrain = load_planning_terrain(spec.dem, area, margin_m=PREDICTED_MARGIN_M)
    radio = Radio(spec.model, threshold_dbm, spec.environment, spec.receiver_height_m, terrain)
    return radio, area


def _with_reach(candidates: gpd.GeoDataFrame, radio: Radio) -> gpd.GeoDataFrame:
    """The candidates with ``ground_m`` (the terrain under them, else the DEM's high point a
    generated candidate stands on) and ``reach_m``."""
    out = candidates.copy()
    if radio.terrain is not None:
        out["ground_m"] = radio.terrain.sample(out["x"], out["y"]).astype(float)
    elif "ground_m" not in out.columns:
        out["ground_m"] = np.nan
    frame = pd.DataFrame(out.drop(columns="geometry"))
    out["reach_m"] = radio.reach(frame) if len(out) else np.zeros(0)
    return out


def _budget(spec: PlanningSpec) -> Budget:
    b = spec.budget
    return Budget(sites=b.sites, money=b.money, cost_per_site=b.cost_per_site)


def _lon_lat(points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    wgs = points.to_crs(4326).to_numpy()
    return shapely.get_x(wgs), shapely.get_y(wgs)


def _site_table(plan: PlanResult, candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The chosen sites in order, with where they are and what they are."""
    chosen = candidates.iloc[plan.sites["candidate"].to_numpy(dtype=np.int64)]
    lon, lat = _lon_lat(chosen.geometry)
    table = pd.DataFrame(plan.sites.drop(columns="candidate")).assign(
        site_id=chosen["site_id"].to_numpy(dtype=object),
        lon=lon,
        lat=lat,
        commune_id=chosen["commune_id"].to_numpy(dtype=object),
        commune_name=chosen["commune_name"].to_numpy(dtype=object),
        **{c: chosen[c].to_numpy(dtype=float) for c in ("ground_m", *_SITE_FIELDS, "reach_m")},
    )
    return gpd.GeoDataFrame(
        table[list(SITE_TABLE_COLUMNS)], geometry=chosen.geometry.to_numpy(), crs=candidates.crs
    )


def _village_table(
    plan: PlanResult,
    targets: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    cluster: pd.Series,
) -> gpd.GeoDataFrame:
    """Every target village with the site covering it, or the reason none does."""
    outcome = plan.villages
    site = outcome["site"].to_numpy(dtype=object)
    hit = pd.notna(outcome["site"]).to_numpy(dtype=bool)
    labels = np.full(len(site), None, dtype=object)
    labels[hit] = candidates["site_id"].to_numpy(dtype=object)[site[hit].astype(np.int64)]
    table = pd.DataFrame(targets.drop(columns="geometry")).assign(
        site_id=labels,
        order=outcome["order"].array,
        reason=outcome["reason"].astype(str).to_numpy(dtype=object),
        cluster=cluster.to_numpy(),
    )
    return gpd.GeoDataFrame(
        table[list(VILLAGE_TABLE_COLUMNS)], geometry=targets.geometry.to_numpy(), crs=targets.crs
    )


def _cluster_table(
    clusters: pd.DataFrame,
    members: pd.Series,
    targets: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """The gap clusters with the site that can serve each and, as geometry, the lot: the
    villages' hull widened by :data:`CLUSTER_BUFFER_M`."""
    serving = candidates.iloc[clusters["candidate"].to_numpy(dtype=np.int64)]
    lon, lat = _lon_lat(serving.geometry)
    table = pd.DataFrame(clusters.drop(columns="candidate")).assign(
        site_id=serving["site_id"].to_numpy(dtype=object), lon=lon, lat=lat
    )
    inside = members.notna().to_numpy(dtype=bool)
    which = members[inside].to_numpy(dtype=np.int64) - 1
    order = np.argsort(which, kind="stable")
    points = targets.geometry.to_numpy()[inside][order]
    hulls = (
        shapely.multipoints(points, indices=which[order])
        if len(which)
        else np.empty(0, dtype=object)
    )
    lots = shapely.buffer(shapely.convex_hull(hulls), CLUSTER_BUFFER_M, quad_segs=4)
    return gpd.GeoDataFrame(
        table[list(CLUSTER_TABLE_COLUMNS)], geometry=np.asarray(lots)[: len(table)],
        crs=targets.crs,
    )  # fmt: skip


def _summary(
    plan: PlanResult,
    spec: PlanningSpec,
    radio: Radio,
    counts: dict[str, Any],
) -> dict[str, Any]:
    """What ``run.json`` records of the planning (no time: it is not reproducible)."""

    def number(x: float) -> float | None:
        return float(x) if np.isfinite(x) else None

    budget = {k: v for k, v in vars(_budget(spec)).items() if v is not None}
    return {
        **counts,
        "technology": spec.technology,
        "carrier": spec.carrier,
        "model": radio.model,
        "threshold_dbm": radio.threshold_dbm,
        "method_requested": spec.method,
        "method": plan.method,
        "optimal": bool(plan.optimal),
        "sites": len(plan.sites),
        "villages_covered": int(plan.sites["new_villages"].sum()),
        "people_covered": float(plan.people_covered),
        "bound": number(plan.bound),
        "gap": number(plan.gap),
        "bound_source": plan.bound_source,
        "lp_bound": number(plan.lp_bound),
        "budget": budget,
        "spent": float(plan.spent),
        "min_people": spec.min_people,
        "notes": list(plan.notes),
    }


def plan_new_sites(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame | None,
    *,
    spec: PlanningSpec,
    threshold_dbm: float,
) -> PlanningResult:
    """Where to build: the run's planning (module docstring).

    Parameters
    ----------
    villages
        The village table of the run (``gap_mobile``, the coverage columns, ``lon``/``lat``),
        in the working CRS.
    communes
        The communes (``commune_id``, ``commune_name``), in the working CRS.
    candidates
        The loaded candidates (placed in their communes), or None to generate them.
    spec
        ``planning:``.
    threshold_dbm
        The coverage threshold (``planning.threshold`` or the technology's default).

    Returns
    -------
    PlanningResult

    Raises
    ------
    InputDataError
        Bad planning input found only now (see :func:`~.plan.plan_sites`).
    """
    started = time.perf_counter()
    mask, rule = select_targets(villages, carrier=spec.carrier, technology=spec.technology)
    targets = _target_frame(villages, mask)
    source = "file" if candidates is not None else "generated"
    if candidates is None:
        candidates = _generated(targets, communes, spec) if len(targets) else None
    cands = candidates if candidates is not None else _empty_candidates(villages.crs)
    radio, area = _radio(spec, threshold_dbm, cands, targets)
    cands = _with_reach(cands, radio)
    coverage, in_range = candidate_coverage(cands, targets.geometry, radio)
    people = targets["population"].to_numpy(dtype=float)
    plan = plan_sites(
        coverage, people, budget=_budget(spec), cost=cands["cost"].to_numpy(dtype=float),
        method=spec.method, min_people=spec.min_people, in_range=in_range,
    )  # fmt: skip
    found = gap_clusters(coverage, people, communes=targets["commune_name"].to_numpy(dtype=object))
    members = found.villages["cluster"]
    sites = _site_table(plan, cands)
    counts = {
        "targets": rule,
        "target_villages": len(targets),
        "target_people": float(people.sum()),
        "candidates": len(cands),
        "candidates_source": source,
        "clusters": len(found.clusters),
        "planning_grid": list(area.bounds) if area is not None else None,
    }
    chosen = cands.iloc[plan.sites["candidate"].to_numpy(dtype=np.int64)]
    predicted = (
        predict_chosen(
            chosen, radio, area=area, resolution_m=spec.resolution_m, targets=targets.geometry
        )
        if area is not None
        else None
    )
    return PlanningResult(
        sites=sites,
        villages=_village_table(plan, targets, cands, members),
        clusters=_cluster_table(found.clusters, members, targets, cands),
        summary=_summary(plan, spec, radio, counts),
        seconds=time.perf_counter() - started,
        predicted=predicted,
    )

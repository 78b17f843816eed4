"""Which villages to cover first, and by whom.

Every village on a target list (by default: ``gap_mobile`` or ``gap_fibre``) gets a
score from 0 to 100, the weighted sum of six components in [0, 1]
(see :data:`coverage_gaps.priority_config.DEFAULT_WEIGHTS` and ``docs/PRIORITY.md``):

- **people**: population / largest population among the candidates;
- **mobile**: severity of the mobile gap: no signal 1, 2G only 0.7, 3G only (no 4G) 0.4;
- **fibre**: 1 when there is no fibre within reach;
- **importance**: 1 when a public facility (commune centre, school, health station,
  public-service point) lies within ``facility_distance_m``;
- **readiness**: 1 with grid electricity, 0 without, 0.5 when unknown (the universal-service
  programme treats villages with and without power separately: QĐ 2269/QĐ-TTg, 2021);
- **cost**: 1 next to existing infrastructure of the carrier (a site with the build
  technology for a mobile gap, fibre for a fibre-only gap), falling linearly to 0 at
  ``reference_distance_km``; with a DEM, 30 % of it comes from the local relief instead.

Each village is assigned to exactly one carrier: the one an assignment table names, else
the one with the nearest existing site of the build technology (mobile gaps) or the owner
of the nearest fibre (fibre-only gaps), else the one covering most of the commune's villages.
Ties between carriers go to the alphabetically first; ties in score to the smaller village id.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas.arrays import IntegerArray
from pyproj import CRS

from ..config.priority import BudgetSpec, PrioritySpec
from ..io.rasters import sample_points
from ..results import PriorityResult
from ..vietnam.carriers import carrier_slug

__all__ = ["assign_carriers", "rank_villages", "select_within_budget", "sharing_opportunities"]

log = logging.getLogger(__name__)

SEVERITY = {"none": 1.0, "2G": 0.7, "3G": 0.4}
COMPONENTS = ("people", "mobile", "fibre", "importance", "readiness", "cost")


# --------------------------------------------------------------------------- components


def _nearest_distance(points: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to, and index of, the nearest target; inf / -1 when there is none."""
    dist = np.full(len(points), np.inf)
    idx = np.full(len(points), -1, dtype=np.int64)
    if len(targets) and len(points):
        (pi, ti), d = shapely.STRtree(targets).query_nearest(
            points, return_distance=True, all_matches=False
        )
        dist[pi] = d
        idx[pi] = ti
    return dist, idx


def _whole(values: np.ndarray) -> object:
    """Whole numbers as a nullable integer array (so CSVs show 268, not 268.0)."""
    arr = np.asarray(values, dtype=float)
    finite = np.isfinite(arr)
    if np.all(np.mod(arr[finite], 1) == 0):
        return IntegerArray(np.where(finite, arr, 0).astype(np.int64), ~finite)
    return arr


def _relief(dem_path: Path, points: np.ndarray, crs: CRS, radius: float = 1000.0) -> np.ndarray:
    """Elevation range (m) over the village and 8 points at ``radius`` around it."""
    angles = np.arange(9) * (np.pi / 4)
    dx = np.r_[0.0, radius * np.cos(angles[:8])]
    dy = np.r_[0.0, radius * np.sin(angles[:8])]
    xs = (shapely.get_x(points)[:, None] + dx[None, :]).ravel()
    ys = (shapely.get_y(points)[:, None] + dy[None, :]).ravel()
    sample = sample_points(dem_path, gpd.GeoSeries(shapely.points(xs, ys), crs=crs))
    values = np.where(sample.valid, sample.values, np.nan).reshape(len(points), 9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: outside the DEM
        rng = np.nanmax(values, axis=1) - np.nanmin(values, axis=1)
    return np.nan_to_num(rng, nan=0.0)


def _carrier_coverage(villages: pd.DataFrame, carrier: str, techs: Sequence[str]) -> np.ndarray:
    cols = [
        f"{carrier_slug(carrier)}_{t.lower()}"
        for t in techs
        if f"{carrier_slug(carrier)}_{t.lower()}" in villages
    ]
    if not cols:
        return np.zeros(len(villages), dtype=bool)
    return np.asarray(villages[cols].to_numpy(dtype=bool).any(axis=1), dtype=bool)


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The carrier best placed to close each candidate village's gap.

    Returns
    -------
    carrier, basis, distance_m, covered_share
        Per village: the carrier (``""`` for non-candidates), how it was chosen
        (``assigned``, ``nearest_site``, ``nearest_fibre``, ``commune_coverage``), the
        distance to that carrier's nearest site (mobile) or fibre (fibre only), in metres.

    Examples
    --------
    >>> carrier, basis, dist, _ = assign_carriers(v, cand, carriers=["Viettel", "VNPT"],
    ...                                           mobile_need=cand, sites=sites, fibre=None)  # doctest: +SKIP
    """
    n = len(villages)
    carriers = sorted(carriers)
    pts = villages.geometry.to_numpy()
    carrier = np.full(n, "", dtype=object)
    basis = np.full(n, "", dtype=object)
    distance = np.full(n, np.nan)

    # distance to each carrier's nearest site with the build technology (any site when it has none)
    site_dist = np.full((n, len(carriers)), np.inf)
    if sites is not None and len(sites):
        for j, c in enumerate(carriers):  # a handful of carriers
            own = sites[sites["carrier"] == c]
            with_tech = own[[build_technology in t for t in own["technologies"]]]  # per site
            chosen = with_tech if len(with_tech) else own
            site_dist[:, j], _ = _nearest_distance(pts, chosen.geometry.to_numpy())
    fibre_dist, fibre_idx = (
        _nearest_distance(pts, fibre.geometry.to_numpy())
        if fibre is not None
        else (np.full(n, np.inf), np.full(n, -1))
    )
    fibre_owner = (
        np.where(
            fibre_idx >= 0, fibre["owner"].to_numpy(dtype=object)[np.clip(fibre_idx, 0, None)], None
        )
        if fibre is not None and len(fibre)
        else np.full(n, None, dtype=object)
    )

    # fallback: carrier covering most villages of the commune (3G or better), then of the whole area
    shares = np.zeros((n, len(carriers)))
    commune = villages["commune_id"].astype(str).to_numpy()
    for j, c in enumerate(carriers):
        cov = _carrier_coverage(villages, c, ("3G", "4G", "5G")).astype(float)
        shares[:, j] = (
            pd.Series(cov).groupby(commune).transform("mean").to_numpy() + cov.mean() * 1e-6
        )

    has_site = np.isfinite(site_dist).any(axis=1)
    best_site = np.argmin(site_dist, axis=1)  # ties: first = alphabetical
    best_share = np.argmax(shares, axis=1)
    cand = candidates.astype(bool)
    mob = cand & mobile_need
    fib_only = cand & ~mobile_need

    use_site = mob & has_site
    carrier[use_site] = np.array(carriers, dtype=object)[best_site[use_site]]
    basis[use_site] = "nearest_site"
    distance[use_site] = site_dist[use_site, best_site[use_site]]

    use_owner = fib_only & np.isin(np.asarray(fibre_owner, dtype=object).astype(str), carriers)
    carrier[use_owner] = fibre_owner[use_owner]
    basis[use_owner] = "nearest_fibre"

    rest = cand & (basis == "")
    if len(carriers):
        carrier[rest] = np.array(carriers, dtype=object)[best_share[rest]]
        basis[rest] = "commune_coverage"
    idx = (
        pd.Series(carrier)
        .map({c: j for j, c in enumerate(carriers)})
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    mob_rest = rest & mobile_need & has_site
    distance[mob_rest] = site_dist[mob_rest, idx[mob_rest]]
    distance[fib_only] = fibre_dist[fib_only]

    if assignments is not None and len(assignments):
        table = assignments.set_index("key")["carrier"]
        key = np.where(
            assignments["level"].iloc[0] == "village",
            villages["village_id"].astype(str).to_numpy(),
            commune,
        )
        forced = pd.Series(key).map(table).to_numpy(dtype=object)
        hit = cand & pd.notna(forced)
        carrier[hit] = forced[hit]
        basis[hit] = "assigned"
        for c in set(forced[hit]):
            if c in carriers:
                j = carriers.index(c)
                sel = hit & (carrier == c) & mobile_need
                distance[sel] = site_dist[sel, j]
    share = shares[np.arange(n), idx]
    return carrier, basis, distance, share


# --------------------------------------------------------------------------- ranking


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

    Returns
    -------
    PriorityResult

    Examples
    --------
    >>> pr = rank_villages(result.villages, spec=PrioritySpec(), carriers=["Viettel"],
    ...                    max_fibre_distance_m=1000)  # doctest: +SKIP
    >>> pr.ranked[["village_id", "carrier", "rank", "score"]].head()  # doctest: +SKIP
    """
    v = villages
    n = len(v)
    best = v["best_mobile"].to_numpy(dtype=str)
    mobile_need = np.zeros(n, dtype=bool)
    if "gap_mobile" in spec.targets:
        mobile_need |= v["gap_mobile"].to_numpy(dtype=bool)
    if "no_4g" in spec.targets:
        mobile_need |= ~v["has_4g"].to_numpy(dtype=bool) & ~v["has_5g"].to_numpy(dtype=bool)
    fibre_known = max_fibre_distance_m is not None and v["gap_fibre"].notna().all()
    fibre_need = (
        v["gap_fibre"].fillna(False).to_numpy(dtype=bool)
        if ("gap_fibre" in spec.targets and fibre_known)
        else np.zeros(n, bool)
    )
    candidates = mobile_need | fibre_need

    carrier, basis, distance, _ = assign_carriers(
        v,
        candidates,
        carriers=carriers,
        mobile_need=mobile_need,
        sites=sites,
        fibre=fibre,
        build_technology=spec.build_technology,
        assignments=assignments,
    )
    pop = v["population"].to_numpy(dtype=float)
    top = pop[candidates].max() if candidates.any() else 0.0
    people = pop / top if top > 0 else np.zeros(n)
    mobile = np.where(
        mobile_need, pd.Series(best).map(SEVERITY).fillna(0.0).to_numpy(dtype=float), 0.0
    )
    fibre_c = fibre_need.astype(float)
    facility_kind = np.full(n, "", dtype=object)
    importance = np.zeros(n)
    if facilities is not None and len(facilities):
        d, idx = _nearest_distance(v.geometry.to_numpy(), facilities.geometry.to_numpy())
        near = d <= spec.facility_distance_m
        importance[near] = 1.0
        facility_kind[near] = facilities["kind"].to_numpy(dtype=object)[idx[near]]
    readiness = electricity if electricity is not None else np.full(n, 0.5)
    dist_km = distance / 1000.0  # NaN: no site or fibre known -> neutral cost 0.5
    dist_norm = np.where(
        np.isnan(dist_km), 0.5, np.clip(dist_km / spec.reference_distance_km, 0.0, 1.0)
    )
    relief = np.zeros(n)
    if spec.dem is not None:
        relief = _relief(spec.dem, v.geometry.to_numpy(), CRS.from_user_input(v.crs))
        dist_norm = 0.7 * dist_norm + 0.3 * np.clip(relief / 600.0, 0.0, 1.0)
    cost = 1.0 - dist_norm
    comps = {
        "people": people,
        "mobile": mobile,
        "fibre": fibre_c,
        "importance": importance,
        "readiness": readiness,
        "cost": cost,
    }
    wsum = sum(spec.weights.values())
    score = sum(spec.weights[k] * comps[k] for k in COMPONENTS) / wsum * 100.0

    need = np.where(
        mobile_need & fibre_need, "mobile+fibre", np.where(mobile_need, "mobile", "fibre")
    )
    base = pd.DataFrame(
        {
            "village_id": v["village_id"].to_numpy(),
            "name": v["name"].to_numpy(),
            "commune_id": v["commune_id"].to_numpy(),
            "commune_name": v["commune_name"].to_numpy(),
            "population": v["population"].to_numpy(),
            "households": _whole(households if households is not None else np.full(n, np.nan)),
            "best_mobile": best,
            "need": need,
            "carrier": carrier.astype(str),
            "assignment_basis": basis.astype(str),
            "distance_km": np.round(
                np.where(np.isfinite(dist_km), dist_km, np.nan), 2
            ),  # inf -> empty
            "fibre_distance_m": v["fibre_distance_m"].to_numpy(),
            "facility": facility_kind.astype(str),
            "relief_m": np.round(relief, 0) if spec.dem is not None else np.full(n, np.nan),
            "score": np.round(score, 2),
            **{f"score_{k}": np.round(comps[k], 3) for k in COMPONENTS},
            "lon": v["lon"].to_numpy(),
            "lat": v["lat"].to_numpy(),
        }
    )
    ranked = gpd.GeoDataFrame(base, geometry=v.geometry.to_numpy(), crs=v.crs)[candidates]
    ranked["reason"] = _reasons(ranked, spec, max_fibre_distance_m, language)
    ranked = ranked.sort_values(["score", "village_id"], ascending=[False, True], kind="stable")
    ranked.insert(0, "rank", ranked.groupby("carrier").cumcount().to_numpy() + 1)
    ranked.insert(1, "overall_rank", np.arange(1, len(ranked) + 1))
    ranked = ranked.sort_values(["carrier", "rank"], kind="stable").reset_index(drop=True)
    budget = select_within_budget(ranked, spec.budget) if spec.budget is not None else None
    if budget is not None:
        ranked, summary = budget
    else:
        summary = None
    sharing = sharing_opportunities(v, carriers=carriers)
    return PriorityResult(ranked=ranked, sharing=sharing, budget=summary, carriers=sorted(carriers))


def _fmt_int(x: float, lang: str) -> str:
    text = f"{int(round(x)):,}"
    return text.replace(",", ".") if lang == "vi" else text


def _fmt_km(x: float, lang: str) -> str:
    text = f"{x:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def _reasons(ranked: pd.DataFrame, spec: PrioritySpec, reach: float | None, lang: str) -> list[str]:
    vi = lang == "vi"
    sev = {
        "none": "không có sóng" if vi else "no signal",
        "2G": "chỉ có 2G" if vi else "2G only",
        "3G": "chưa có 4G" if vi else "no 4G",
    }
    out: list[str] = []
    tech = spec.build_technology
    cols = {
        c: ranked[c].to_numpy()
        for c in ("population", "need", "best_mobile", "assignment_basis", "carrier", "facility")
    }
    dist = ranked["distance_km"].to_numpy(dtype=float)
    fibre_m = ranked["fibre_distance_m"].to_numpy(dtype=float)
    imp = ranked["score_importance"].to_numpy(dtype=float)
    ready = ranked["score_readiness"].to_numpy(dtype=float)
    reach_km = _fmt_km((reach or 0) / 1000, lang)
    for i in range(len(ranked)):  # text assembly for the listed villages only
        need, basis, carrier = (
            str(cols["need"][i]),
            str(cols["assignment_basis"][i]),
            str(cols["carrier"][i]),
        )
        facility = str(cols["facility"][i])
        parts = [f"{_fmt_int(float(cols['population'][i]), lang)} {'người' if vi else 'people'}"]
        if "mobile" in need:
            best = str(cols["best_mobile"][i])
            parts.append(sev.get(best, best))
            if basis != "nearest_fibre" and np.isfinite(dist[i]):
                km = _fmt_km(float(dist[i]), lang)
                parts.append(
                    f"cách trạm {tech} {carrier} gần nhất {km} km"
                    if vi
                    else f"{km} km from the nearest {carrier} {tech} site"
                )
        if "fibre" in need:
            if np.isfinite(fibre_m[i]):
                km = _fmt_km(float(fibre_m[i]) / 1000, lang)
                parts.append(
                    f"cáp quang cách {km} km (quá {reach_km} km)"
                    if vi
                    else f"fibre {km} km away (beyond {reach_km} km)"
                )
            else:
                parts.append("chưa có cáp quang" if vi else "no fibre")
        if facility or imp[i] > 0:
            parts.append(
                f"gần {facility or 'cơ sở công cộng'}"
                if vi
                else f"near {facility or 'a public facility'}"
            )
        if ready[i] == 0:
            parts.append("chưa có điện lưới" if vi else "no grid power")
        if basis == "assigned":
            parts.append("được giao theo danh sách" if vi else "assigned by table")
        out.append(", ".join(parts))
    return out


# --------------------------------------------------------------------------- budget


def select_within_budget(
    ranked: gpd.GeoDataFrame, budget: BudgetSpec
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Greedy selection reaching the most people per unit cost within the budget.

    - ``sites`` per carrier: each village with a mobile need costs one new site of its
      carrier; villages are taken by population (most first; ties by rank, then id).
      Fibre-only needs use no site and are not selected by a site budget.
    - ``money``: a village costs ``cost_per_site`` for a mobile need plus
      ``cost_per_km_fibre`` × its distance to fibre (km) for a fibre need; villages are
      taken by people per unit of money (most first), skipping those that no longer fit.

    Adds ``in_budget`` and ``cost`` columns and returns a summary per carrier (plus ``total``).

    Examples
    --------
    >>> ranked, summary = select_within_budget(ranked, BudgetSpec(sites={"Viettel": 3}))  # doctest: +SKIP
    """
    df = ranked.copy()
    pop = df["population"].to_numpy(dtype=float)
    mobile = df["need"].str.contains("mobile").to_numpy()
    fibre = df["need"].str.contains("fibre").to_numpy()
    selected = np.zeros(len(df), dtype=bool)
    if budget.sites is not None:
        cost = mobile.astype(float)
        order = np.lexsort((df["village_id"].to_numpy(), df["overall_rank"].to_numpy(), -pop))
        taken = dict.fromkeys(budget.sites, 0)
        for i in order:  # greedy pass over the listed villages
            c = df["carrier"].iat[i]
            if mobile[i] and c in budget.sites and taken[c] < budget.sites[c]:
                selected[i] = True
                taken[c] += 1
    else:
        assert (
            budget.money is not None
            and budget.cost_per_site is not None
            and budget.cost_per_km_fibre is not None
        )
        fkm = np.nan_to_num(df["fibre_distance_m"].to_numpy(dtype=float) / 1000.0, nan=np.inf)
        cost = mobile * budget.cost_per_site + np.where(fibre, fkm * budget.cost_per_km_fibre, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(cost > 0, pop / cost, np.where(pop > 0, np.inf, 0.0))
        ratio = np.nan_to_num(ratio, nan=0.0)
        order = np.lexsort((df["village_id"].to_numpy(), df["overall_rank"].to_numpy(), -ratio))
        left = budget.money
        for i in order:
            if np.isfinite(cost[i]) and cost[i] <= left:
                selected[i] = True
                left -= cost[i]
    df["cost"] = np.where(np.isfinite(cost), np.round(cost, 2), np.nan)
    df["in_budget"] = selected
    rows = []
    for c, g in df.groupby("carrier", sort=True):
        sel = g["in_budget"].to_numpy()
        rows.append(
            {
                "carrier": c,
                "budget_sites": (budget.sites or {}).get(str(c))
                if budget.sites is not None
                else None,
                "villages_selected": int(sel.sum()),
                "people_selected": float(g["population"][sel].sum()),
                "sites_used": int((sel & g["need"].str.contains("mobile").to_numpy()).sum()),
                "cost_selected": float(g["cost"][sel].sum()) if budget.money is not None else None,
                "villages_remaining": int((~sel).sum()),
                "people_remaining": float(g["population"][~sel].sum()),
            }
        )
    summary = pd.DataFrame(rows)
    if len(summary):
        total = {
            "carrier": "total",
            **{
                k: summary[k].sum()
                for k in summary.columns
                if k not in ("carrier", "budget_sites", "cost_selected")
            },
        }
        total["budget_sites"] = (
            sum((budget.sites or {}).values()) if budget.sites is not None else None
        )
        total["cost_selected"] = (
            summary["cost_selected"].sum() if budget.money is not None else None
        )
        summary = pd.concat([summary, pd.DataFrame([total])], ignore_index=True)
    if budget.money is not None:
        summary["budget_money"] = budget.money
    return df, summary


# --------------------------------------------------------------------------- sharing


def sharing_opportunities(villages: pd.DataFrame, *, carriers: Sequence[str]) -> pd.DataFrame:
    """Villages with 3G or better from exactly one carrier: candidates for infrastructure
    sharing or roaming by the others, not dead zones.

    Examples
    --------
    >>> sharing_opportunities(result.villages, carriers=["Viettel", "VNPT"])  # doctest: +SKIP
    """
    carriers = sorted(carriers)
    cov = (
        np.column_stack([_carrier_coverage(villages, c, ("3G", "4G", "5G")) for c in carriers])
        if carriers
        else np.zeros((len(villages), 0), bool)
    )
    some = (cov.sum(axis=1) == 1) & (len(carriers) > 1)
    covered_by = np.full(int(some.sum()), "", dtype=object)
    missing = np.full(int(some.sum()), "", dtype=object)
    for j, c in enumerate(carriers):  # a handful of carriers; vectorised over villages
        for target, has in ((covered_by, cov[some, j]), (missing, ~cov[some, j])):
            target[has] = np.where(target[has] == "", c, target[has] + ", " + c)
    out = pd.DataFrame(
        {
            "village_id": villages["village_id"].to_numpy()[some],
            "name": villages["name"].to_numpy()[some],
            "commune_id": villages["commune_id"].to_numpy()[some],
            "commune_name": villages["commune_name"].to_numpy()[some],
            "population": villages["population"].to_numpy()[some],
            "best_mobile": villages["best_mobile"].to_numpy()[some],
            "covered_by": covered_by,
            "not_covered_by": missing,
        }
    )
    return out.sort_values(
        ["population", "village_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)

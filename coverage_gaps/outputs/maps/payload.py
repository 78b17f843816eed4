"""The data object handed to the page script (``assets/map.js``): labels, classes, the
communes (GeoJSON and summary columns) and the villages (compact column arrays)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ...analysis.summaries import province_members, union_communes
from ...config.project import CoverageSpec
from ..i18n import MAP
from .cache import MapCache, first_listings
from .geometry import round_numbers, simplify_to_wgs84, to_geojson
from .libraries import library_credits
from .style import BINS, CLUSTER_MIN, COLOURS, COMMUNE_COLUMNS, KINDS, NO_DATA_COLOUR

__all__ = [
    "build_commune_payload",
    "build_payload",
    "build_village_payload",
    "province_outlines",
    "village_kinds",
]

#: A label in the map's language: ``t(key, **fields)``.
Labels = Callable[..., str]
#: Labels of the page script besides :data:`coverage_gaps.outputs.i18n.MAP`: (vi, en).
PAGE_LABELS = {"offline": ("không có kết nối: ẩn bản đồ nền", "no connection: basemap hidden")}
#: The village arrays, in the page data's order.
_VILLAGE_FIELDS = ("lat", "lon", "name", "c", "pop", "best", "k", "cov", "fd", "rank", "car")


def build_payload(
    *,
    communes: pd.DataFrame,
    commune_data: dict[str, Any],
    outline: dict[str, Any],
    villages: pd.DataFrame,
    ranked: pd.DataFrame | None,
    coverage: Sequence[CoverageSpec],
    fibre: bool,
    lang: str,
    precision: int | None,
    t: Labels,
    cache: MapCache | None = None,
) -> dict[str, Any]:
    """Everything the page script reads, as one JSON-able dict (``D`` in ``map.js``).

    ``commune_data`` comes from :func:`build_commune_payload`, ``outline`` from
    :func:`province_outlines`; with a ``cache`` (the maps of one run), the priority lists'
    first listing of each village is found once.
    """
    labels = {key: t(key) for key in MAP if "{" not in MAP[key][0] and not key.startswith("plan_")}
    labels.update({key: vi if lang == "vi" else en for key, (vi, en) in PAGE_LABELS.items()})
    carriers = list(dict.fromkeys(spec.carrier for spec in coverage))
    index = {cid: i for i, cid in enumerate(communes["commune_id"].astype(str))}
    vdata, carriers_all = build_village_payload(
        villages, commune_index=index, ranked=ranked, coverage=coverage, carriers=carriers,
        precision=precision, cache=cache,
    )  # fmt: skip
    return {
        "t": labels,
        "locale": "vi-VN" if lang == "vi" else "en-US",
        "bins": list(BINS),
        "colours": list(COLOURS),
        "nodata": NO_DATA_COLOUR,
        "kinds": [[t(k), colour] for k, colour in KINDS],
        "cluster": len(villages) > CLUSTER_MIN,
        "layers": [[spec.carrier, spec.technology] for spec in coverage],
        "carriers": carriers,
        "carriers_all": carriers_all,
        "fibre": fibre,
        "credits": library_credits(),
        "outline": outline,
        "c": commune_data,
        "v": vdata,
    }


def province_outlines(
    communes: gpd.GeoDataFrame,
    *,
    metric_crs: CRS,
    simplify_m: float,
    precision: int | None,
    cache: MapCache | None = None,
) -> dict[str, Any]:
    """The outline of each province, as GeoJSON lines: the exterior rings of the union of its
    communes, without the slivers an imperfect commune layer leaves (parts smaller than
    ``(10 * simplify_m)`` squared), simplified like the communes.

    The page draws it when the basemap is hidden (no connection). With a ``cache`` (the maps
    of one run), each province's union is made once.
    """
    geoms = communes.geometry
    if geoms.crs is not None and CRS(geoms.crs) != metric_crs:
        geoms = geoms.to_crs(metric_crs)
    min_area = (10.0 * max(simplify_m, 1.0)) ** 2
    rings = []
    for pid, members in province_members(communes, geoms.to_numpy()):
        union = (
            cache.union(pid, partial(union_communes, members)) if cache else union_communes(members)
        )
        parts = shapely.get_parts(union)
        rings.append(shapely.get_exterior_ring(parts[shapely.area(parts) >= min_area]))
    lines = np.concatenate(rings) if rings else np.empty(0, dtype=object)
    outline = simplify_to_wgs84(gpd.GeoSeries(lines, crs=metric_crs), metric_crs, simplify_m)
    return to_geojson(outline, precision=precision)


def build_commune_payload(
    communes: gpd.GeoDataFrame,
    *,
    metric_crs: CRS,
    simplify_m: float,
    precision: int | None,
    keep_properties: bool,
    t: Labels,
    cache: MapCache | None = None,
) -> dict[str, Any]:
    """The communes: simplified GeoJSON, names, label points, the shares in the mobile gap
    (villages and people, %) and the popup's summary columns (outlines simplified once for
    all the maps of a run when a ``cache`` is given)."""
    geoms = (
        cache.simplified(communes, metric_crs, simplify_m, simplify_to_wgs84)
        if cache is not None
        else simplify_to_wgs84(communes.geometry, metric_crs, simplify_m)
    )
    if keep_properties:
        props = json.loads(
            pd.DataFrame(communes.drop(columns="geometry")).to_json(orient="records")
        )
        for i, p in enumerate(props):
            p["i"] = i
    else:
        props = [{"i": i} for i in range(len(communes))]
    reps = gpd.GeoSeries(shapely.point_on_surface(geoms), crs=4326)
    cols, labels = _popup_columns(communes, t)
    return {
        "geo": to_geojson(geoms, precision=precision, props=props),
        "name": communes["commune_name"].astype(str).tolist(),
        "lat": round_numbers(pd.Series(reps.y), precision or 6),
        "lon": round_numbers(pd.Series(reps.x), precision or 6),
        "sv": round_numbers(_share(communes, "villages_gap_mobile", "villages"), 1),
        "sp": round_numbers(_share(communes, "population_gap_mobile", "population"), 1),
        "cols": cols,
        "labels": labels,
        "rows": [_popup_values(communes, c) for c in cols],
    }


def _share(communes: pd.DataFrame, part: str, whole: str) -> pd.Series:
    """``100 * part / whole`` in %, NaN where ``whole`` is not positive."""
    total = pd.to_numeric(communes[whole], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, 100 * communes[part].to_numpy(float) / total, np.nan)
    return pd.Series(share)


def _popup_columns(communes: pd.DataFrame, t: Labels) -> tuple[list[str], list[str]]:
    """The summary columns of the commune popup and their labels: the summary, then the
    share of people and of area covered per technology, then the area."""
    cols = [c for c in COMMUNE_COLUMNS if c in communes]
    labels = [t(c) for c in cols]
    for prefix in ("pct_population", "pct_area"):
        for tech in ("2G", "3G", "4G", "5G"):
            col = f"{prefix}_{tech.lower()}"
            if col in communes:
                cols.append(col)
                labels.append(t(prefix, tech=tech))
    if "area_km2" in communes:
        cols.append("area_km2")
        labels.append(t("area_km2"))
    return cols, labels


def _popup_values(communes: pd.DataFrame, column: str) -> list[Any]:
    """One popup row: ids as text, percentages and areas to 0.1, counts whole."""
    if column == "commune_id":
        return communes["commune_id"].astype(str).tolist()
    digits = 1 if column.startswith("pct_") or column == "area_km2" else 0
    return round_numbers(communes[column], digits)


def build_village_payload(
    v: pd.DataFrame,
    *,
    commune_index: dict[str, int],
    ranked: pd.DataFrame | None,
    coverage: Sequence[CoverageSpec],
    carriers: list[str],
    precision: int | None,
    cache: MapCache | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The villages as column arrays (one list per field, the i-th entry of each is the
    i-th village), and every carrier named (coverage layers first, then assigned ones)."""
    first = None
    if ranked is not None and len(ranked):
        first = cache.first_listings(ranked) if cache is not None else first_listings(ranked)
    rank, car, carriers_all = _ranks(v, first, carriers)
    if not len(v):
        return {key: [] for key in _VILLAGE_FIELDS}, carriers_all
    digits = 6 if precision is None else precision
    fd = round_numbers(v["fibre_distance_m"]) if "fibre_distance_m" in v else [None] * len(v)
    vdata = {
        "lat": round_numbers(v["lat"], digits),
        "lon": round_numbers(v["lon"], digits),
        "name": v["name"].astype(str).tolist(),
        "c": [commune_index.get(str(x), -1) for x in v["commune_id"].astype(str)],
        "pop": round_numbers(v["population"]),
        "best": v["best_mobile"].astype(str).tolist(),
        "k": village_kinds(v).tolist(),
        "cov": _coverage_bits(v, [spec.column for spec in coverage]),
        "fd": fd,
        "rank": rank,
        "car": car,
    }
    return vdata, carriers_all


def _ranks(
    v: pd.DataFrame, first: pd.DataFrame | None, carriers: list[str]
) -> tuple[list[Any], list[Any], list[str]]:
    """Per village: overall priority rank and index of the assigned carrier in the carrier
    list (None when not listed), from each village's ``first`` listing
    (:func:`first_listings`); the carrier list with the assigned carriers added."""
    carriers_all = list(carriers)
    if first is None or not len(v) or not len(first):
        return [None] * len(v), [None] * len(v), carriers_all
    vid = v["village_id"].astype(str)
    rank = first["overall_rank"].reindex(vid)
    car = first["carrier"].reindex(vid)
    for name in pd.unique(car.dropna()):
        if name not in carriers_all:
            carriers_all.append(str(name))
    pos = {c: i for i, c in enumerate(carriers_all)}
    return round_numbers(rank), [None if pd.isna(x) else pos[x] for x in car.tolist()], carriers_all


def village_kinds(v: pd.DataFrame) -> np.ndarray:
    """Each village's kind, the index in :data:`~.style.KINDS`: no signal, 2G only, 3G only,
    no fibre, covered (the first that applies; mobile before fibre).

    Examples
    --------
    >>> v = pd.DataFrame({"best_mobile": ["none", "4G", "3G", "4G"],
    ...                   "gap_fibre": [True, True, None, False]})
    >>> village_kinds(v).tolist()
    [0, 3, 2, 4]
    """
    best = v["best_mobile"].astype(str).to_numpy()
    gap_f = (
        v["gap_fibre"].fillna(False).astype(bool).to_numpy()
        if "gap_fibre" in v
        else np.zeros(len(v), bool)
    )
    return np.select(
        [best == "none", best == "2G", best == "3G", gap_f], [0, 1, 2, 3], default=4
    ).astype(int)


def _coverage_bits(v: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """Per village, which coverage layers cover it, as a hex bit mask (bit i = layer i)."""
    if not columns:
        return ["0"] * len(v)
    mask = np.zeros(len(v), dtype=object)
    mask[:] = 0
    for i, col in enumerate(columns):
        if col in v:
            on = v[col].fillna(False).astype(bool).to_numpy()
            mask = mask + np.where(on, 1 << i, 0).astype(object)
    return [format(int(m), "x") for m in mask]

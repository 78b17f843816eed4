"""Per-village coverage and gaps, and commune and province summaries.

Definitions (the column contract, see ``docs/DESIGN.md``):

- ``has_<tech>``: at least one carrier covers the village with that technology.
- ``best_mobile``: the highest technology present, or ``none``.
- ``gap_mobile``: no 3G, 4G or 5G from any carrier, the "thôn lõm sóng" used in
  the provinces' reports (a village with 2G only is in the gap).
- ``fibre_distance_m``: metres to the nearest fibre route; ``gap_fibre`` when
  that distance is more than the reach (``fibre.max_distance_m``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors

__all__ = [
    "COMMUNE_SUMMARY_COLUMNS",
    "aggregate_villages",
    "commune_column_order",
    "dissolve_provinces",
    "province_members",
    "rows_by_province",
    "rows_in_province",
    "summarise_communes",
    "summarise_provinces",
    "union_communes",
]


#: Fixed commune summary columns, in order; ``pct_population_<tech>`` and
#: ``pct_area_<tech>`` follow for each technology present, then
#: ``province_id, province_name, area_km2``.
COMMUNE_SUMMARY_COLUMNS = [
    "commune_id",
    "commune_name",
    "villages",
    "population",
    "villages_gap_mobile",
    "population_gap_mobile",
    "villages_gap_fibre",
    "population_gap_fibre",
    "villages_no_4g",
    "population_no_4g",
]

_COUNTED = ("gap_mobile", "gap_fibre", "no_4g")


def _aggregate(villages: pd.DataFrame, key: str, technologies: Sequence[str]) -> pd.DataFrame:
    pop = villages["population"].astype(float)
    flags = {
        "gap_mobile": villages["gap_mobile"].to_numpy(dtype=bool),
        "gap_fibre": villages["gap_fibre"].fillna(False).to_numpy(dtype=bool)
        if villages["gap_fibre"].dtype == "boolean"
        else villages["gap_fibre"].to_numpy(dtype=bool),
        "no_4g": ~villages["has_4g"].to_numpy(dtype=bool),
    }
    frame = pd.DataFrame(
        {key: villages[key].to_numpy(), "villages": 1, "population": pop.to_numpy()}
    )
    for name, flag in flags.items():
        frame[f"villages_{name}"] = flag.astype(np.int64)
        frame[f"population_{name}"] = np.where(flag, pop, 0.0)
    for tech in technologies:
        frame[f"_pop_{tech}"] = np.where(
            villages[f"has_{tech.lower()}"].to_numpy(dtype=bool), pop, 0.0
        )
    return frame.groupby(key, sort=True).sum()


def aggregate_villages(villages: pd.DataFrame, *, technologies: Sequence[str]) -> pd.DataFrame:
    """The sums per commune that the commune summary is made from, indexed by ``commune_id``.

    A commune's sums depend only on its own villages, in their order: the tables of
    partitions that each hold whole communes, concatenated, give exactly the table of
    all villages (the Dask engine's reduction).
    """
    return _aggregate(villages, "commune_id", technologies)


def summarise_communes(
    villages: pd.DataFrame | None,
    communes: gpd.GeoDataFrame,
    *,
    technologies: Sequence[str],
    area_shares: pd.DataFrame | None = None,
    fibre_given: bool = True,
    aggregated: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Per-commune counts and shares; every commune appears, with zeros when it has no village.

    Parameters
    ----------
    villages
        Output of :func:`classify_villages`.
    communes
        Standardised communes (any CRS) with ``commune_id, commune_name,
        province_id, province_name``.
    technologies
        Technologies present in the coverage layers (``pct_*`` columns are made for these).
    area_shares
        From :func:`coverage_gaps.analysis.areas.measure_covered_area`, indexed by ``commune_id``.
    fibre_given
        Whether a fibre layer was given; when not, the fibre gap columns are empty.
    aggregated
        The villages' sums from :func:`aggregate_villages`, when they were made elsewhere
        (partition by partition); ``villages`` is not used then.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`COMMUNE_SUMMARY_COLUMNS`, ``pct_population_<tech>``, ``pct_area_<tech>``,
        ``province_id``, ``province_name``, ``area_km2``, ``geometry``.

    Examples
    --------
    >>> summary = summarise_communes(villages, communes, technologies=["3G", "4G"])  # doctest: +SKIP
    """
    if aggregated is None:
        assert villages is not None, "give the villages or their sums"
        aggregated = _aggregate(villages, "commune_id", technologies)
    agg = aggregated
    base = pd.DataFrame(
        {
            "commune_id": communes["commune_id"].to_numpy(),
            "commune_name": communes["commune_name"].to_numpy(),
        }
    )
    out = base.merge(agg, left_on="commune_id", right_index=True, how="left", validate="one_to_one")
    count_cols = [c for c in agg.columns if not c.startswith("_")]
    out[count_cols] = out[count_cols].fillna(0)
    out = _finish(out, technologies, fibre_given)
    for tech in technologies:
        col = f"pct_area_{tech.lower()}"
        out[col] = _area_share(area_shares, col, out["commune_id"])
    out["province_id"] = communes["province_id"].to_numpy()
    out["province_name"] = communes["province_name"].to_numpy()
    out["area_km2"] = _area_km2(communes)
    out = out[commune_column_order(technologies)]
    return gpd.GeoDataFrame(out, geometry=communes.geometry.to_numpy(), crs=communes.crs)


def _area_share(
    area_shares: pd.DataFrame | None, column: str, commune_ids: pd.Series
) -> np.ndarray | float:
    """The ``pct_area_<tech>`` of each commune (rounded to 0.01 %), NaN when not measured."""
    if area_shares is None or column not in area_shares.columns:
        return np.nan
    return np.round(area_shares[column].reindex(commune_ids).to_numpy(dtype=float), 2)


def _area_km2(communes: gpd.GeoDataFrame) -> np.ndarray:
    """Each commune's area (km², 3 decimals), measured in UTM when the CRS is geographic."""
    metric = communes.geometry
    if communes.crs is not None and communes.crs.is_geographic:
        metric = communes.geometry.to_crs(communes.geometry.estimate_utm_crs())
    return np.round(metric.area.to_numpy() / 1e6, 3)


def _finish(out: pd.DataFrame, technologies: Sequence[str], fibre_given: bool) -> pd.DataFrame:
    pop = out["population"].to_numpy(dtype=float)
    for tech in technologies:
        covered = out[f"_pop_{tech}"].fillna(0).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"pct_population_{tech.lower()}"] = np.round(
                np.where(pop > 0, 100.0 * covered / pop, np.nan), 2
            )
    ints = ["villages", "villages_gap_mobile", "villages_gap_fibre", "villages_no_4g"]
    out[ints] = out[ints].astype(np.int64)
    people = ["population", "population_gap_mobile", "population_gap_fibre", "population_no_4g"]
    if all(np.all(np.mod(out[c].to_numpy(dtype=float), 1) == 0) for c in people):
        out[people] = out[people].astype(np.int64)
    if not fibre_given:
        out["villages_gap_fibre"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["population_gap_fibre"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out


def summarise_provinces(
    communes_summary: pd.DataFrame, *, technologies: Sequence[str], fibre_given: bool = True
) -> pd.DataFrame:
    """Province totals: sums of the commune rows, shares recomputed from the sums.

    Area shares are weighted by commune area, population shares by population.

    Examples
    --------
    >>> provinces = summarise_provinces(summary, technologies=["4G"])  # doctest: +SKIP
    """
    df = pd.DataFrame(communes_summary.drop(columns="geometry", errors="ignore"))
    sums = [
        "villages",
        "population",
        *(f"{k}_{n}" for n in _COUNTED for k in ("villages", "population")),
    ]
    work = df[["province_id", "province_name", "commune_id", "area_km2", *sums]].copy()
    work[sums] = work[sums].astype(float)
    for tech in technologies:
        t = tech.lower()
        work[f"_pop_{tech}"] = (
            df[f"pct_population_{t}"].fillna(0).to_numpy() / 100.0 * df["population"]
        )
        work[f"_area_{t}"] = df[f"pct_area_{t}"].to_numpy() / 100.0 * df["area_km2"]
        work[f"_area_known_{t}"] = np.where(df[f"pct_area_{t}"].notna(), df["area_km2"], 0.0)
    grouped = work.drop(columns="commune_id").groupby(["province_id", "province_name"], sort=True)
    out = grouped.sum(min_count=1).reset_index()
    out.insert(2, "communes", grouped.size().to_numpy())
    out[sums] = out[sums].fillna(0)
    out = _finish(out, technologies, fibre_given)
    for tech in technologies:
        t = tech.lower()
        with np.errstate(invalid="ignore", divide="ignore"):
            known = out[f"_area_known_{t}"].to_numpy(dtype=float)
            out[f"pct_area_{t}"] = np.round(
                np.where(known > 0, 100.0 * out[f"_area_{t}"] / known, np.nan), 2
            )
    out["area_km2"] = np.round(out["area_km2"], 3)
    out = out.drop(columns=[c for c in out.columns if c.startswith("_")])
    fixed = ["province_id", "province_name", "communes", *COMMUNE_SUMMARY_COLUMNS[2:]]
    pct = [f"pct_{k}_{t.lower()}" for t in technologies for k in ("population", "area")]
    return out[[*fixed, *sorted(pct, key=_pct_order), "area_km2"]]


def _pct_order(name: str) -> tuple[int, str]:
    return (0 if name.startswith("pct_population") else 1, name)


def commune_column_order(technologies: Sequence[str]) -> list[str]:
    pct = [f"pct_population_{t.lower()}" for t in technologies] + [
        f"pct_area_{t.lower()}" for t in technologies
    ]
    return [*COMMUNE_SUMMARY_COLUMNS, *pct, "province_id", "province_name", "area_km2"]


def dissolve_provinces(communes: gpd.GeoDataFrame) -> dict[str, shapely.Geometry]:
    """Each province's communes as one shape (:func:`union_communes`), keyed by
    ``province_id`` as text ("" for communes without one); missing and empty geometries are
    left out. The maps draw the provinces' outlines from these.

    Examples
    --------
    >>> c = gpd.GeoDataFrame({"province_id": ["01", "01", "02"]},
    ...                      geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1),
    ...                                shapely.box(5, 5, 6, 6)])
    >>> {k: round(v.area, 1) for k, v in dissolve_provinces(c).items()}
    {'01': 2.0, '02': 1.0}
    """
    return {
        pid: union_communes(members)
        for pid, members in province_members(communes, communes.geometry.to_numpy())
    }


def province_members(communes: pd.DataFrame, geoms: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """Each province's id as text ("" without ``province_id``) and the geometries ``geoms``
    (one per commune, in any CRS) of its communes, missing and empty ones left out; provinces
    in the order they first appear.

    Examples
    --------
    >>> c = pd.DataFrame({"province_id": [2, 1, 2]})
    >>> [(p, len(m)) for p, m in province_members(c, shapely.points([0, 1, 2], [0, 0, 0]))]
    [('2', 2), ('1', 1)]
    """
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    province = (
        communes["province_id"].astype(str).to_numpy()
        if "province_id" in communes
        else np.full(len(geoms), "")
    )
    geoms, province = geoms[keep], province[keep]
    for pid in pd.unique(province):  # a handful of provinces, not the communes
        yield str(pid), geoms[province == pid]


def rows_by_province(frame: pd.DataFrame, communes: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """Positions (ascending) of the rows of ``frame`` in each province, by their
    ``commune_id``: the province (``province_id`` as text) of the commune of that id in
    ``communes``. Rows of a commune not in ``communes`` are in none. One pass over the rows
    for every province (the outputs pick each province's villages, ranked villages and points
    from it). None when a commune id is listed twice in ``communes`` (a row would belong to
    several provinces: pick by the commune ids then).

    Examples
    --------
    >>> communes = pd.DataFrame({"commune_id": ["a", "b", "c"], "province_id": [1, 2, 1]})
    >>> rows = rows_by_province(pd.DataFrame({"commune_id": ["c", "b", "x", "a"]}), communes)
    >>> {k: v.tolist() for k, v in rows.items()}
    {'1': [0, 3], '2': [1]}
    """
    ids = pd.Index(communes["commune_id"].astype(str).to_numpy())
    if not ids.is_unique:
        return None
    where = ids.get_indexer(pd.Index(frame["commune_id"].astype(str).to_numpy()))
    province = communes["province_id"].astype(str).to_numpy()
    found = where >= 0
    positions = np.flatnonzero(found)
    groups = pd.Series(positions).groupby(province[where[found]], sort=True).indices
    return {str(k): positions[v] for k, v in groups.items()}


def rows_in_province(
    frame: pd.DataFrame, rows: dict[str, np.ndarray] | None, province_id: str, ids: Iterable[str]
) -> pd.DataFrame:
    """The rows of ``frame`` in one province: at its positions in ``rows``
    (:func:`rows_by_province` of ``frame``), or, when that is None, those whose
    ``commune_id`` is one of the province's commune ``ids``.

    Examples
    --------
    >>> frame = pd.DataFrame({"commune_id": ["b", "a", "b"]})
    >>> rows_in_province(frame, {"01": np.array([1])}, "01", ["a"]).index.tolist()
    [1]
    >>> rows_in_province(frame, None, "02", ["b"]).index.tolist()
    [0, 2]
    """
    if rows is None:
        return frame[frame["commune_id"].astype(str).isin(set(ids))]
    return frame.iloc[rows.get(province_id, np.empty(0, dtype=np.int64))]


def union_communes(polygons: np.ndarray) -> shapely.Geometry:
    """The union of communes: as a coverage (fast, for communes that share their edges
    exactly), else the general (slower) union.

    Examples
    --------
    >>> union_communes(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])).area
    2.0
    """
    try:
        return shapely.coverage_union_all(polygons)
    except shapely.errors.GEOSException:  # edges not noded alike: not a clean coverage
        return shapely.union_all(polygons)

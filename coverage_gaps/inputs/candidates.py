"""Candidate sites for the planning (``planning.candidates``): a site list with an optional
cost per candidate, each placed in the commune holding it.

The file is read as a site list (:func:`~coverage_gaps.inputs.sites_list.load_site_list`:
the same columns, aliases and checks), with the planned technology; a ``cost`` column
(``cost``, ``chi phí``, ``kinh phí`` ... or ``columns: {cost: ...}``) is read beside it.
Candidates outside every commune are left out with a warning (the tables report each
site's commune); none left inside is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .._errors import InputDataError, Problem, warn_problem
from ..config.planning import CandidatesSpec, PlanningBudgetSpec
from ..io.checks import list_items
from ..io.readers import read_table, read_vector
from ..io.values import parse_coordinates
from ..vietnam.names import fold
from .sites_list import COLUMN_ALIASES, check_dem, load_site_list

__all__ = [
    "CANDIDATE_COLUMNS",
    "COST_ALIASES",
    "budget_problems",
    "load_candidates",
    "place_in_communes",
]

#: Columns of the loaded candidates besides the site-list ones: ``cost`` (NaN where the file
#: gives none) and the commune holding the candidate.
CANDIDATE_COLUMNS = ("cost", "commune_id", "commune_name")
#: Names a cost column answers to (folded: no accents, case, spaces or punctuation).
COST_ALIASES = ("cost", "costvnd", "chiphi", "kinhphi", "giathanh", "dutoan", "capex")
#: The carrier given to candidates when neither the plan nor the file names one.
_NO_CARRIER = "planned"
_TABLES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")


def _key(name: object) -> str:
    """Folded column name: ``"Chi phí (đồng)"`` → ``"chiphi"`` (a unit in brackets dropped)."""
    bare = re.sub(r"[(\[].*?[)\]]", "", str(name))
    return re.sub(r"[^a-z0-9]", "", fold(bare))


def _raw(spec: CandidatesSpec) -> tuple[pd.DataFrame, bool]:
    """The file's rows as read (to find the cost and carrier columns), and whether it is a
    table."""
    if spec.path.suffix.lower() in _TABLES:
        return read_table(spec.path, role="candidate sites", sheet=spec.sheet), True
    frame = read_vector(spec.path, role="candidate sites", layer=spec.layer, crs=spec.crs)
    return pd.DataFrame(frame.drop(columns="geometry")), False


def _find(frame: pd.DataFrame, mapped: str | None, aliases: tuple[str, ...]) -> str | None:
    """The column named ``mapped``, else the first whose folded name is an alias."""
    if mapped is not None:
        return mapped if mapped in frame.columns else None
    keys = {_key(c): str(c) for c in reversed(list(frame.columns))}
    return next((keys[a] for a in aliases if a in keys), None)


def _has_carrier(frame: pd.DataFrame, columns: Mapping[str, str]) -> bool:
    """Whether the file names a carrier per row (a carrier column, or mcc + net)."""

    def has(field: str) -> bool:
        return _find(frame, columns.get(field), COLUMN_ALIASES[field]) is not None

    return has("carrier") or (has("mcc") and has("net"))


def _costs(values: pd.Series) -> np.ndarray:
    """Costs as numbers: ``1.5e9``, ``1500000000``, ``1.500.000.000``, ``1,5`` ...; a currency
    after the number is ignored; NaN where empty."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype("string").str.strip()
    text = text.str.replace(r"(?<=\d)\s*(?:[^\d\s.,]+)$", "", regex=True)
    plain = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(plain), plain, parse_coordinates(text))


def _cost_column(
    frame: pd.DataFrame, column: str | None, table: bool, source: str
) -> tuple[np.ndarray, list[Problem]]:
    """The cost of each row of the file (NaN where none), and the rows whose cost is not a
    usable number."""
    if column is None:
        return np.full(len(frame), np.nan), []
    raw = frame[column]
    cost = _costs(raw)
    empty = (raw.isna() | (raw.astype("string").str.strip() == "")).to_numpy(dtype=bool)
    bad = np.flatnonzero((~empty & ~np.isfinite(cost)) | (np.isfinite(cost) & (cost < 0)))
    if not bad.size:
        return cost, []
    rows = [f"row {i + 2}" if table else f"feature {i + 1}" for i in bad]
    return cost, [
        Problem(
            source,
            f"column '{column}', {list_items(rows)}",
            f"{bad.size} candidate(s) have a cost that is not a number of 0 or more.",
            "write the cost as a number (e.g. 1500000000 or 1.5e9), or leave it empty "
            "(budget.cost_per_site applies).",
        )
    ]


def _labels(candidates: pd.DataFrame) -> np.ndarray:
    """``row 3 (T1)``: the file row of each candidate, with its id when it has one."""
    rows = candidates["row"].astype(str).to_numpy(dtype=object)
    if "site_id" not in candidates.columns:
        return rows
    ids = candidates["site_id"].fillna("").astype(str).to_numpy(dtype=object)
    return np.where(ids != "", rows + " (" + ids + ")", rows)


def _row_positions(rows: pd.Series) -> np.ndarray:
    """Positions in the file of the loaded rows (their ``row N`` / ``feature N`` labels)."""
    numbers = rows.str.extract(r"(\d+)$", expand=False).astype(int).to_numpy()
    offset = np.where(rows.str.startswith("row").to_numpy(dtype=bool), 2, 1)
    return numbers - offset


def load_candidates(
    spec: CandidatesSpec,
    *,
    working_crs: CRS,
    model: str,
    technology: str,
    carrier: str | None,
    frequency_range_mhz: tuple[float, float],
    dem: Path | None = None,
) -> gpd.GeoDataFrame:
    """Read and check the candidate sites.

    Parameters
    ----------
    spec
        ``planning.candidates``.
    working_crs
        The run's metric CRS.
    model
        ``range``, ``hata`` or ``hata+terrain``: which site-list columns are required.
    technology, carrier
        The plan's. A file naming technologies or carriers per row keeps the matching rows.
    frequency_range_mhz
        The frequencies the models cover.
    dem
        The planning DEM: checked to cover every candidate (model ``hata+terrain``).

    Returns
    -------
    geopandas.GeoDataFrame
        The site-list columns (:data:`~coverage_gaps.inputs.sites_list.SITE_LIST_COLUMNS`)
        and ``cost``, in the working CRS, in file order.

    Raises
    ------
    InputDataError
        Every problem of the file (as for a site list), of the costs and of the DEM.

    Examples
    --------
    >>> load_candidates(CandidatesSpec(path=Path("candidates.csv")), working_crs=CRS(32648),
    ...                 model="hata", technology="4G", carrier=None,
    ...                 frequency_range_mhz=(150, 7125))  # doctest: +SKIP
    """
    columns = dict(spec.columns or {})
    cost_name = columns.pop("cost", None)
    frame, table = _raw(spec)
    src = str(spec.path)
    problems: list[Problem] = []
    cost_col = _find(frame, cost_name, COST_ALIASES)
    if cost_name is not None and cost_col is None:
        problems.append(
            Problem(src, f"columns.cost: '{cost_name}'", "no such column.", "check the name.")
        )
    cost, errors = _cost_column(frame, cost_col, table, src)
    problems += errors
    wanted = carrier if carrier is not None or _has_carrier(frame, columns) else _NO_CARRIER
    try:
        sites = load_site_list(
            spec.path, working_crs=working_crs, model=model,
            frequency_range_mhz=frequency_range_mhz, carrier=wanted, technology=technology,
            columns=columns, crs=spec.crs, sheet=spec.sheet, layer=spec.layer,
        )  # fmt: skip
    except InputDataError as exc:
        raise InputDataError([*exc.problems, *problems]) from None
    if problems:
        raise InputDataError(problems)
    if dem is not None and model == "hata+terrain":
        check_dem(dem, sites=sites, role="DEM (planning.dem)")
    sites["cost"] = cost[_row_positions(sites["row"])]
    return sites


def place_in_communes(
    candidates: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, *, source: str, warn: bool = True
) -> gpd.GeoDataFrame:
    """The candidates inside a commune, each with ``commune_id`` and ``commune_name`` (the
    first commune holding it, edges included); the others are left out, with a warning
    unless ``warn`` is False.

    Raises
    ------
    InputDataError
        When no candidate lies inside a commune.
    """
    hits = gpd.sjoin(
        gpd.GeoDataFrame(geometry=candidates.geometry.to_numpy(), crs=candidates.crs),
        communes[["commune_id", "commune_name", "geometry"]],
        how="inner",
        predicate="intersects",
    )
    first = hits.reset_index().sort_values(["index", "index_right"]).drop_duplicates("index")
    inside = np.zeros(len(candidates), dtype=bool)
    inside[first["index"].to_numpy()] = True
    out = candidates.copy()
    out["commune_id"] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["commune_name"] = pd.Series(pd.NA, index=out.index, dtype="object")
    positions = first["index"].to_numpy()
    out.iloc[positions, out.columns.get_loc("commune_id")] = first["commune_id"].to_numpy()
    out.iloc[positions, out.columns.get_loc("commune_name")] = first["commune_name"].to_numpy()
    outside = np.flatnonzero(~inside)
    labels = list(_labels(out)[outside]) if "row" in out else []
    if warn and inside.any() and outside.size:
        warn_problem(
            Problem(
                source,
                list_items(labels),
                f"{outside.size} candidate(s) lie outside every commune; they are left out.",
                "check their coordinates (lon/lat swapped? another CRS?), or add their communes.",
            )
        )
    elif warn and not inside.any() and len(out):
        raise InputDataError(
            [
                Problem(
                    source,
                    "",
                    f"none of the {len(out)} candidate(s) lies inside a commune.",
                    "check the coordinates and 'crs:' of the candidates (lon/lat swapped?).",
                )
            ]
        )
    return out[inside].reset_index(drop=True)


def budget_problems(
    budget: PlanningBudgetSpec, candidates: gpd.GeoDataFrame, *, source: str
) -> list[Problem]:
    """What makes a money budget unusable with these candidates: a candidate without a cost
    (and no ``cost_per_site``), or a budget below the cheapest candidate."""
    if budget.money is None or not len(candidates):
        return []
    own = candidates["cost"].to_numpy(dtype=float)
    fallback = np.nan if budget.cost_per_site is None else budget.cost_per_site
    cost = np.where(np.isfinite(own), own, fallback)
    labels = _labels(candidates)
    missing = np.flatnonzero(~np.isfinite(cost))
    if missing.size:
        return [
            Problem(
                source,
                list_items(list(labels[missing])),
                f"{missing.size} candidate(s) have no cost, and a money budget needs one.",
                "fill in their cost, or add budget.cost_per_site to 'planning:'.",
            )
        ]
    cheapest = int(np.argmin(cost))
    if budget.money >= cost[cheapest]:
        return []
    return [
        Problem(
            "planning",
            "budget.money",
            f"is {budget.money:g}, below the cheapest candidate ({Path(source).name} "
            f"{labels[cheapest]}, cost {cost[cheapest]:g}); no site can be built.",
            f"raise budget.money to at least {cost[cheapest]:g}.",
        )
    ]

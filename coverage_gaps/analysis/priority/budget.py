"""Which listed villages fit a budget: new sites per carrier, or money with unit costs."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ...config.priority import BudgetSpec

__all__ = ["select_within_budget"]


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
    if budget.sites is not None:
        selected, cost = _select_by_sites(df, budget.sites)
    else:
        selected, cost = _select_by_money(df, budget)
    df["cost"] = np.where(np.isfinite(cost), np.round(cost, 2), np.nan)
    df["in_budget"] = selected
    return df, _summary(df, budget)


def _select_by_sites(df: pd.DataFrame, sites: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Mobile needs by population (ties by overall rank, then id), up to each carrier's
    number of new sites. Returns the selection and the cost in sites."""
    pop = df["population"].to_numpy(dtype=float)
    mobile = df["need"].str.contains("mobile").to_numpy()
    order = np.lexsort((df["village_id"].to_numpy(), df["overall_rank"].to_numpy(), -pop))
    selected = np.zeros(len(df), dtype=bool)
    taken = dict.fromkeys(sites, 0)
    for i in order:  # greedy pass over the listed villages
        c = str(df["carrier"].iat[i])
        if mobile[i] and c in sites and taken[c] < sites[c]:
            selected[i] = True
            taken[c] += 1
    return selected, mobile.astype(float)


def _select_by_money(df: pd.DataFrame, budget: BudgetSpec) -> tuple[np.ndarray, np.ndarray]:
    """Villages by people per unit of money (ties by overall rank, then id), each taken
    when it still fits. Returns the selection and each village's cost (inf: fibre unknown)."""
    assert (
        budget.money is not None
        and budget.cost_per_site is not None
        and budget.cost_per_km_fibre is not None
    )
    pop = df["population"].to_numpy(dtype=float)
    mobile = df["need"].str.contains("mobile").to_numpy()
    fibre = df["need"].str.contains("fibre").to_numpy()
    fkm = np.nan_to_num(df["fibre_distance_m"].to_numpy(dtype=float) / 1000.0, nan=np.inf)
    cost = mobile * budget.cost_per_site + np.where(fibre, fkm * budget.cost_per_km_fibre, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cost > 0, pop / cost, np.where(pop > 0, np.inf, 0.0))
    ratio = np.nan_to_num(ratio, nan=0.0)
    order = np.lexsort((df["village_id"].to_numpy(), df["overall_rank"].to_numpy(), -ratio))
    selected = np.zeros(len(df), dtype=bool)
    left = budget.money
    for i in order:  # greedy pass over the listed villages
        if np.isfinite(cost[i]) and cost[i] <= left:
            selected[i] = True
            left -= cost[i]
    return selected, cost


def _summary(df: pd.DataFrame, budget: BudgetSpec) -> pd.DataFrame:
    """Per carrier (sorted) and in total: budget, villages, people, sites and money used."""
    rows = [_carrier_row(str(c), g, budget) for c, g in df.groupby("carrier", sort=True)]
    summary = pd.DataFrame(rows)
    if len(summary):
        summary = pd.concat(
            [summary, pd.DataFrame([_total_row(summary, budget)])], ignore_index=True
        )
    if budget.money is not None:
        summary["budget_money"] = budget.money
    return summary


def _carrier_row(carrier: str, g: pd.DataFrame, budget: BudgetSpec) -> dict[str, Any]:
    sel = g["in_budget"].to_numpy()
    return {
        "carrier": carrier,
        "budget_sites": budget.sites.get(carrier) if budget.sites is not None else None,
        "villages_selected": int(sel.sum()),
        "people_selected": float(g["population"][sel].sum()),
        "sites_used": int((sel & g["need"].str.contains("mobile").to_numpy()).sum()),
        "cost_selected": float(g["cost"][sel].sum()) if budget.money is not None else None,
        "villages_remaining": int((~sel).sum()),
        "people_remaining": float(g["population"][~sel].sum()),
    }


def _total_row(summary: pd.DataFrame, budget: BudgetSpec) -> dict[str, Any]:
    skip = ("carrier", "budget_sites", "cost_selected")
    total: dict[str, Any] = {
        "carrier": "total",
        **{k: summary[k].sum() for k in summary.columns if k not in skip},
    }
    total["budget_sites"] = sum(budget.sites.values()) if budget.sites is not None else None
    total["cost_selected"] = summary["cost_selected"].sum() if budget.money is not None else None
    return total

"""Where to build: ``planning/`` of a run, and the planning's part of the report.

Files (every table through :mod:`coverage_gaps.io.writers`: formula-safe, reproducible):

- ``sites.csv``, ``sites.gpkg`` (EPSG:4326) and ``sites.xlsx`` (headers in the run's
  language, a legend sheet with the parameters, the gap clusters on a second sheet): the
  chosen sites in order of marginal gain;
- ``villages.csv``: every target village with the site covering it, or the reason none does;
- ``clusters.csv`` and ``clusters.gpkg`` (the lots as polygons): the gap clusters;
- ``predicted.tif``: the chosen sites' predicted best-server power (dBm, float32, nodata
  -9999 beyond every site's reach, working CRS).

CSV and GeoPackage columns are the stable names of
:data:`~coverage_gaps.analysis.planning.SITE_TABLE_COLUMNS` (and the villages' and clusters'
ones). The time spent choosing is not written here (it changes from run to run): ``run.json``
has it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .._version import __version__
from ..io.writers import write_csv, write_geotiff, write_gpkg, write_xlsx
from ..results import PlanningResult, RunResult
from ..vietnam.numbers import format_number
from .i18n import header, legend, text
from .notice import SYNTHETIC_NOTICE

__all__ = [
    "PLANNING_FOLDER",
    "PREDICTED_NODATA",
    "planning_parameters",
    "planning_record",
    "planning_section",
    "write_planning",
]

#: The folder of a run holding the planning's files.
PLANNING_FOLDER = "planning"
#: Nodata of ``planning/predicted.tif``.
PREDICTED_NODATA = -9999.0


def planning_parameters(result: RunResult) -> list[tuple[str, object]]:
    """The parameters of the planning, for the legend sheet."""
    cfg = result.config
    spec, plan = cfg.planning, result.planning
    assert spec is not None and plan is not None
    s = plan.summary
    candidates = (
        str(spec.candidates.path)
        if spec.candidates is not None
        else f"generated: spacing {spec.generate.spacing_m:g} m, within "
        f"{spec.generate.near_gap_m:g} m of a target village"
    )
    params: list[tuple[str, object]] = [
        ("project", cfg.name),
        ("coverage-gaps", __version__),
        ("technology", spec.technology),
        ("carrier", spec.carrier or "any (the mobile gap)"),
        ("targets", s["targets"]),
        ("candidates", candidates),
        ("model", spec.model),
        ("threshold_dbm", s["threshold_dbm"]),
        ("environment", spec.environment),
        ("receiver_height_m", spec.receiver_height_m),
        ("dem", str(spec.dem) if spec.dem is not None else "none"),
        *((f"budget.{k}", v) for k, v in s["budget"].items()),
        ("method", f"{s['method']} ({s['method_requested']} requested)"),
        ("optimal", s["optimal"]),
        ("bound", s["bound"]),
        ("gap", s["gap"]),
        ("min_people", spec.min_people),
    ]
    if cfg.synthetic:
        params.append(("synthetic", SYNTHETIC_NOTICE))
    return params


def _localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(df).rename(columns={c: header(c, lang) for c in df.columns})


def _plain(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame(frame.drop(columns="geometry"))


def write_planning(result: RunResult, folder: Path) -> list[str]:
    """Write ``planning/`` (module docstring); returns the file names."""
    plan = result.planning
    assert plan is not None
    cfg = result.config
    lang = cfg.language
    folder.mkdir()
    note = SYNTHETIC_NOTICE if cfg.synthetic else f"coverage-gaps {__version__}: {cfg.name}"
    sites, clusters = _plain(plan.sites), _plain(plan.clusters)
    write_csv(sites, folder / "sites.csv")
    write_gpkg(plan.sites, folder / "sites.gpkg", "sites", note)
    write_xlsx(
        folder / "sites.xlsx",
        {
            text("planning_sites", lang): _localise(sites, lang),
            text("planning_clusters", lang): _localise(clusters, lang),
        },
        legend=legend(list(sites.columns), lang) + legend(["cluster", "communes"], lang),
        legend_title=text("legend", lang),
        parameters=planning_parameters(result),
    )
    write_csv(_plain(plan.villages), folder / "villages.csv")
    write_csv(clusters, folder / "clusters.csv")
    write_gpkg(plan.clusters, folder / "clusters.gpkg", "clusters", note)
    written = ["sites.csv", "sites.gpkg", "sites.xlsx", "villages.csv", "clusters.csv"]
    written.append("clusters.gpkg")
    if plan.predicted is not None:
        p = plan.predicted
        write_geotiff(
            folder / "predicted.tif",
            p.values,
            transform=p.transform,
            crs=p.crs,
            nodata=PREDICTED_NODATA,
        )
        written.append("predicted.tif")
    return sorted(written)


def planning_record(plan: PlanningResult) -> dict[str, Any]:
    """What ``run.json`` records: the summary and the time spent choosing."""
    return {**plan.summary, "seconds": round(plan.seconds, 3)}


def _budget_words(summary: dict[str, Any], fmt: Callable[[float], str], lang: str) -> str:
    budget = summary["budget"]
    if "sites" in budget:
        return f"{fmt(budget['sites'])} {text('planning_sites_unit', lang)}"
    return fmt(budget["money"])


def _report_sites(sites: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The report's site table: positions to 5 decimals (about 1 m), cost only when known."""
    columns = ["order", "site_id", "commune_name", "new_villages", "new_people",
               "cumulative_people", "cost", "lon", "lat"]  # fmt: skip
    if sites["cost"].isna().all():
        columns.remove("cost")
    table = sites[columns].copy()
    for c in ("lon", "lat"):
        table[c] = [format_number(v, lang=lang, decimals=5) for v in table[c]]
    return table


def planning_section(plan: PlanningResult, *, communes: Sequence[str], lang: str) -> dict[str, Any]:
    """The report's planning section for one province (its ``communes``): the headline over
    the sites standing there ("10 trạm mới phủ sóng cho 37 thôn, 21.480 người"), the target
    villages, the method and its bound, the budget, and the sites and clusters as tables."""

    def fmt(x: float) -> str:
        return format_number(x, lang=lang)

    s = plan.summary
    ids = set(communes)
    here = plan.sites[plan.sites["commune_id"].astype(str).isin(ids)]
    headline = text("planning_headline", lang).format(
        sites=fmt(len(here)),
        villages=fmt(int(here["new_villages"].sum())),
        people=fmt(float(here["new_people"].sum())),
    )
    method = text(f"method_{s['method']}", lang)
    quality = (
        text("planning_optimal", lang).format(method=method)
        if s["optimal"]
        else text("planning_gap", lang).format(
            method=method,
            gap=format_number(100 * (s["gap"] or 0.0), lang=lang, decimals=2) + " %",
            bound=fmt(s["bound"] or 0.0),
        )
    )
    local = plan.villages["commune_id"].astype(str).isin(ids)
    clusters = plan.clusters[plan.clusters["cluster"].isin(plan.villages.loc[local, "cluster"])]
    return {
        "headline": headline,
        "targets": text("planning_targets", lang).format(
            villages=fmt(s["target_villages"]),
            people=fmt(s["target_people"]),
            rule=_rule_words(str(s["targets"]), lang),
            candidates=fmt(s["candidates"]),
        ),
        "quality": quality,
        "budget": text("planning_budget", lang).format(
            budget=_budget_words(s, fmt, lang), spent=fmt(s["spent"])
        ),
        "sites": _plain(here)[
            [
                "order",
                "site_id",
                "commune_name",
                "new_villages",
                "new_people",
                "cumulative_people",
                "cost",
                "lon",
                "lat",
            ]
        ],  # fmt: skip
        "clusters": _plain(clusters)[["cluster", "site_id", "villages", "people", "communes"]].head(
            20
        ),
    }


def _rule_words(rule: str, lang: str) -> str:
    """The targets' rule in the report's words: ``gap_mobile`` by its label ("Lõm sóng"),
    ``not viettel_4g`` as the villages that layer does not cover.

    Examples
    --------
    >>> _rule_words("gap_mobile", "vi"), _rule_words("not viettel_4g", "en")
    ('Lõm sóng', 'not covered by viettel_4g')
    """
    if rule == "gap_mobile":
        return header(rule, lang)
    if rule.startswith("not "):
        layer = rule.removeprefix("not ")
        return f"chưa được {layer} phủ" if lang == "vi" else f"not covered by {layer}"
    return rule

"""The carriers' ranked lists: ``priority/<carrier>.csv/.xlsx/.gpkg``, ``all_carriers.xlsx``,
``sharing.csv`` and ``budget.csv``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .._version import __version__
from ..io.writers import write_csv, write_gpkg, write_xlsx
from ..results import RunResult
from ..vietnam.carriers import carrier_slug
from .i18n import header, legend, text, value_text
from .notice import SYNTHETIC_NOTICE

__all__ = ["LIST_COLUMNS", "SHARING_COLUMNS", "priority_parameters", "write_priority_lists"]

#: Columns of the carriers' lists, in order (``cost`` and ``in_budget`` only with a budget).
LIST_COLUMNS = [
    "rank", "overall_rank", "village_id", "name", "commune_id", "commune_name", "population",
    "households", "best_mobile", "need", "carrier", "assignment_basis", "distance_km",
    "fibre_distance_m", "facility", "relief_m", "score", "score_people", "score_mobile",
    "score_fibre", "score_importance", "score_readiness", "score_cost", "reason", "cost",
    "in_budget", "lon", "lat",
]  # fmt: skip


SHARING_COLUMNS = [
    "village_id", "name", "commune_id", "commune_name", "population", "best_mobile", "covered_by",
    "not_covered_by",
]  # fmt: skip


def _localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(df).rename(columns={c: header(c, lang) for c in df.columns})


def priority_parameters(result: RunResult, lang: str | None = None) -> list[tuple[str, object]]:
    """The parameters that made the lists, for the legend sheet and the report: (project-file
    key, value), values in words written in ``lang`` (default: the run's language)."""
    cfg = result.config
    p = cfg.priority
    lang = lang or cfg.language
    none = value_text("none", lang)

    def path_or_none(path: Path | None) -> str:
        return str(path) if path is not None else none

    params: list[tuple[str, object]] = [
        ("project", cfg.name),
        ("coverage-gaps", __version__),
        ("targets", ", ".join(header(t, lang) for t in p.targets)),
        ("build_technology", p.build_technology),
        ("reference_distance_km", p.reference_distance_km),
        ("facility_distance_m", p.facility_distance_m),
        ("fibre.max_distance_m",
         cfg.fibre.max_distance_m if cfg.fibre else value_text("no_fibre_layer", lang)),
        *((f"weight.{k}", v) for k, v in p.weights.items()),
        ("sites layer", path_or_none(cfg.sites.path if cfg.sites else None)),
        ("facilities layer", path_or_none(cfg.facilities.path if cfg.facilities else None)),
        ("assignments", path_or_none(p.assignments.path if p.assignments else None)),
        ("dem", path_or_none(p.dem)),
    ]  # fmt: skip
    if p.budget is not None:
        b = p.budget
        if b.sites is not None:
            params += [(f"budget.sites.{k}", v) for k, v in b.sites.items()]
        else:
            params += [("budget.money", b.money), ("budget.cost_per_site", b.cost_per_site),
                       ("budget.cost_per_km_fibre", b.cost_per_km_fibre)]  # fmt: skip
    for c in cfg.coverage:
        kind = (
            value_text("threshold", lang, dbm=f"{c.threshold_dbm:g}")
            if c.is_raster
            else value_text("polygons", lang)
        )
        if c.is_sites:
            kind = value_text("predicted", lang, model=c.model, dbm=f"{c.threshold_dbm:g}")
        params.append((f"layer.{c.column}", f"{c.path.name} ({kind})"))
    if cfg.synthetic:
        params.append(("synthetic", SYNTHETIC_NOTICE))
    return params


def write_priority_lists(result: RunResult, folder: Path) -> list[str]:
    """Write ``priority/``: per carrier CSV, XLSX and GeoPackage; ``all_carriers.xlsx``;
    ``sharing.csv``; ``budget.csv`` when a budget is given. Returns the file names."""

    pr = result.priority
    assert pr is not None
    lang = result.config.language
    folder.mkdir()
    cols = [c for c in LIST_COLUMNS if c in pr.ranked.columns]
    params = priority_parameters(result)
    leg = legend(cols, lang)
    sheets: dict[str, pd.DataFrame] = {}
    written: list[str] = []
    note = SYNTHETIC_NOTICE if result.config.synthetic else f"coverage-gaps {__version__}"
    for carrier in pr.carriers:
        rows = pr.ranked[pr.ranked["carrier"] == carrier]
        table = _localise(pd.DataFrame(rows[cols]), lang)
        slug = carrier_slug(carrier)
        write_csv(table, folder / f"{slug}.csv")
        write_xlsx(folder / f"{slug}.xlsx", {carrier: table}, legend=leg,
                   legend_title=text("legend", lang), parameters=params)  # fmt: skip
        write_gpkg(gpd.GeoDataFrame(rows[[*cols, "geometry"]], crs=rows.crs), folder / f"{slug}.gpkg",
                    slug, note)  # fmt: skip
        sheets[carrier] = table
        written += [f"{slug}.csv", f"{slug}.xlsx", f"{slug}.gpkg"]
    sharing = _localise(pr.sharing[SHARING_COLUMNS], lang)
    write_csv(sharing, folder / "sharing.csv")
    sheets[text("sharing", lang)] = sharing
    write_xlsx(folder / "all_carriers.xlsx", sheets,
               legend=leg + legend(["covered_by", "not_covered_by"], lang),
               legend_title=text("legend", lang), parameters=params)  # fmt: skip
    written += ["sharing.csv", "all_carriers.xlsx"]
    if pr.budget is not None:
        write_csv(pr.budget, folder / "budget.csv")
        written.append("budget.csv")
    return sorted(written)

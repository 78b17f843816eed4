"""The where-to-build section of a province's report (when the run has ``planning:``): the
headline over the sites standing in the province ("10 trạm mới phủ sóng cho 37 thôn, 21.480
người"), the target villages, the method and how far from the optimum, the budget, and the
sites and the gap clusters as tables (docs/PLANNING.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ...results import PlanningResult
from ..i18n import header, text
from ..planning import planning_section as planning_content

__all__ = ["PlanningSection", "planning_section"]


@dataclass(frozen=True)
class PlanningSection:
    """What the planning section shows: its title, the headline, a line on the targets, the
    method and the budget, and the sites and clusters (``columns`` and ``rows``)."""

    title: str
    headline: str
    lines: list[str]
    sites_columns: list[str]
    sites: list[list[object]]
    clusters_title: str
    clusters_columns: list[str]
    clusters: list[list[object]]


def planning_section(
    plan: PlanningResult, *, communes: Sequence[str], lang: str
) -> PlanningSection:
    """The planning section of one province (its ``communes``), in ``lang``."""
    content = planning_content(plan, communes=communes, lang=lang)
    sites, clusters = content["sites"], content["clusters"]
    return PlanningSection(
        title=text("planning", lang),
        headline=content["headline"],
        lines=[content["targets"], content["quality"], content["budget"]],
        sites_columns=[header(str(c), lang) for c in sites.columns],
        sites=_rows(sites),
        clusters_title=text("planning_clusters", lang),
        clusters_columns=[header(str(c), lang) for c in clusters.columns],
        clusters=_rows(clusters),
    )


def _rows(frame: pd.DataFrame) -> list[list[object]]:
    return [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]

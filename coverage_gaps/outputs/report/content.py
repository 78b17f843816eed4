"""What a province's report says, independent of its format: the headline, the tables
(headers in the report's language, from :mod:`coverage_gaps.outputs.i18n`), the pictures,
the parameters and the inputs. :mod:`.page` writes it as HTML, :mod:`.word` as Word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..._version import __version__
from ...analysis.summaries import rows_by_province, rows_in_province
from ...results import PlanningResult
from ...vietnam.numbers import format_number
from ..i18n import header, parameter_label, text
from .charts import Picture, draw_charts, draw_gap_map
from .evidence import EvidenceSection, evidence_section
from .planning import PlanningSection, planning_section

__all__ = ["Headline", "ProvinceReport", "ReportInputs", "Table", "build_report", "format_cell"]

#: Columns of the "top 20" table.
TOP_COLUMNS = ["overall_rank", "village_id", "name", "commune_name", "population", "carrier",
               "score", "reason"]  # fmt: skip
#: Columns of the commune table (those present).
COMMUNE_COLUMNS = ["commune_id", "commune_name", "villages", "population", "villages_gap_mobile",
                   "population_gap_mobile", "villages_gap_fibre", "population_gap_fibre",
                   "villages_no_4g", "pct_population_4g", "pct_area_4g"]  # fmt: skip
#: Relative widths of text columns in the Word tables (other columns 1).
TEXT_WIDTHS = {"name": 2.0, "commune_name": 2.0, "reason": 5.0, "carrier": 1.4,
               "parameter": 2.2, "key": 1.8, "value": 4.0, "role": 1.8, "file": 4.0,
               "sha256": 3.6}  # fmt: skip
#: Columns at least this wide hold long text.
LONG_WIDTH = 3.0


@dataclass(frozen=True)
class Table:
    """A table of the report: headers in the report's language and plain values."""

    id: str
    title: str
    columns: list[str]
    rows: list[list[object]]
    #: Printed on a landscape page.
    wide: bool = False
    #: Relative column widths (Word; the browser sizes HTML tables itself).
    widths: list[float] = field(default_factory=list)

    @property
    def long(self) -> list[bool]:
        """Columns of long text (reasons, paths, checksums), which may break anywhere."""
        return [w >= LONG_WIDTH for w in self.widths] or [False] * len(self.columns)


@dataclass(frozen=True)
class Headline:
    """One line of the headline: a count of villages, what they lack, and their people."""

    id: str
    count: float
    label: str
    people: float | None


@dataclass(frozen=True)
class ProvinceReport:
    """Everything one province's report shows, in its language."""

    lang: str
    title: str
    meta: str
    synthetic: str | None
    headline: list[Headline]
    totals: str
    gap_map: Picture | None
    tables: list[Table]
    charts: list[Picture]
    fmt: Callable[[object], str]
    #: The measured-evidence section (runs with ``measurements:``).
    evidence: EvidenceSection | None = None
    #: Where to build (runs with ``planning:``).
    planning: PlanningSection | None = None


@dataclass(frozen=True)
class ReportInputs:
    """The data a report is made from (the same for every province of a run)."""

    project: str
    provinces: pd.DataFrame
    communes: pd.DataFrame  # a GeoDataFrame draws the static map
    #: the villages (or the population per commune and coverage pattern standing for them,
    #: ``RunResult.village_groups``): the charts
    villages: pd.DataFrame
    ranked: pd.DataFrame | None
    budget: pd.DataFrame | None
    carriers: Sequence[str]
    parameters: Sequence[tuple[str, object]]
    inputs: Sequence[Mapping[str, Any]]
    synthetic: bool
    fibre: bool
    lang: str = "vi"
    run_date: str | None = None
    #: Coverage columns -> names (``viettel_4g`` -> ``Viettel 4G``).
    layers: Mapping[str, str] = field(default_factory=dict)
    #: villages with ``lon``, ``lat``, ``gap_mobile`` and ``gap_fibre``, for the static map
    #: (default: ``villages``)
    points: pd.DataFrame | None = None
    #: The measured evidence (:func:`.evidence.evidence_input`; None without measurements).
    evidence: Mapping[str, Any] | None = None
    #: Where to build (None without ``planning:``).
    planning: PlanningResult | None = None

    def in_province(self, table: str, province_id: str, ids: pd.Series) -> pd.DataFrame:
        """The rows of ``table`` (``"villages"``, ``"points"``, ``"ranked"``) in the communes of
        one province, whose commune ids are ``ids``: taken at positions worked out once per
        table for every province (:func:`~coverage_gaps.analysis.summaries.rows_by_province`;
        testing each row's commune for each province took 0.5 s a national run), or by
        the ids when a commune id is listed twice."""
        return rows_in_province(self._table(table), self._province_rows[table], province_id, ids)

    def _table(self, table: str) -> pd.DataFrame:
        frame = {"villages": self.villages, "points": self.points, "ranked": self.ranked}[table]
        if frame is None and table == "points":
            return self.villages
        if frame is None:
            raise ValueError(f"the report has no {table} table")
        return frame

    @cached_property
    def _province_rows(self) -> dict[str, dict[str, np.ndarray] | None]:
        """:func:`~coverage_gaps.analysis.summaries.rows_by_province` of each table, made
        when first asked for (by each page writer for itself)."""
        rows = {"villages": rows_by_province(self.villages, self.communes)}
        rows["points"] = (
            rows_by_province(self.points, self.communes)
            if self.points is not None
            else rows["villages"]
        )
        if self.ranked is not None:
            rows["ranked"] = rows_by_province(self.ranked, self.communes)
        return rows


def format_cell(lang: str) -> Callable[[object], str]:
    """The cell formatter: ✓ for true, numbers written the ``lang`` way (whole numbers
    without decimals, others with two; NaN empty), anything else as text.

    Examples
    --------
    >>> fmt = format_cell("vi")
    >>> fmt(1234), fmt(0.5), fmt(True), fmt(None), fmt("Thôn 1")
    ('1.234', '0,50', '✓', '', 'Thôn 1')
    """

    def fmt(value: object) -> str:
        if value is None or value is pd.NA:
            return ""
        if isinstance(value, (bool, np.bool_)):
            return "✓" if value else ""
        if isinstance(value, (int, np.integer)):
            return format_number(int(value), lang=lang)
        if isinstance(value, (float, np.floating)):
            x = float(value)
            whole = x.is_integer() and abs(x) >= 1
            return format_number(x, lang=lang, decimals=0 if whole else 2)
        return str(value)

    return fmt


def _plain(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _table(df: pd.DataFrame, *, id: str, title: str, lang: str, wide: bool = False) -> Table:
    return Table(
        id=id,
        title=title,
        columns=[header(c, lang) for c in df.columns],
        rows=[[_plain(v) for v in row] for row in df.itertuples(index=False)],
        wide=wide,
        widths=[TEXT_WIDTHS.get(str(c), 1.0) for c in df.columns],
    )


def build_report(data: ReportInputs, province: Any) -> ProvinceReport:
    """The report of one province (a row of ``data.provinces``)."""
    lang = data.lang
    pid = str(province.province_id)
    communes = data.communes[data.communes["province_id"].astype(str) == pid]
    ids = communes["commune_id"].astype(str)
    villages = data.in_province("villages", pid, ids)
    points = data.in_province("points", pid, ids)
    ranked = data.in_province("ranked", pid, ids) if data.ranked is not None else None
    fmt = format_cell(lang)
    name = str(province.province_name)
    run_date = data.run_date or dt.date.today().isoformat()
    return ProvinceReport(
        lang=lang,
        title=f"{text('report_title', lang)}: {name}",
        meta=f"{text('run_date', lang)}: {run_date} · coverage-gaps {__version__} · {data.project}",
        synthetic=text("synthetic", lang) if data.synthetic else None,
        headline=_headline(province, fibre=data.fibre, lang=lang),
        totals=text("totals", lang).format(
            villages=fmt(province.villages),
            people=fmt(province.population),
            communes=fmt(province.communes),
        ),  # fmt: skip
        gap_map=draw_gap_map(communes, points, lang=lang)
        if isinstance(communes, gpd.GeoDataFrame)
        else None,
        tables=_tables(data, communes, ranked),
        charts=draw_charts(communes, villages, data.carriers, lang),
        fmt=fmt,
        evidence=evidence_section(points, data.evidence, lang)
        if data.evidence is not None
        else None,
        planning=planning_section(data.planning, communes=list(ids), lang=lang)
        if data.planning is not None
        else None,
    )


def _headline(row: Any, *, fibre: bool, lang: str) -> list[Headline]:
    lines = [
        Headline("n-gap-mobile", row.villages_gap_mobile, text("headline_mobile", lang),
                 row.population_gap_mobile),
        Headline("n-gap-fibre", row.villages_gap_fibre, text("headline_fibre", lang),
                 row.population_gap_fibre),
        Headline("n-no-4g", row.villages_no_4g, text("headline_no4g", lang),
                 row.population_no_4g),
    ]  # fmt: skip
    return [h for h in lines if fibre or h.id != "n-gap-fibre"]


def _tables(data: ReportInputs, communes: pd.DataFrame, ranked: pd.DataFrame | None) -> list[Table]:
    """Carriers, budget (when there is one), the top 20, communes, parameters, inputs."""
    lang = data.lang
    tables = [
        _table(carrier_table(ranked, data.carriers), id="carriers",
               title=text("carriers", lang), lang=lang),
    ]  # fmt: skip
    if data.budget is not None:
        budget = data.budget.replace({"carrier": {"total": text("total", lang)}})
        tables.append(_table(budget, id="budget", title=text("budget", lang), lang=lang))
    tables += [
        _table(top_table(ranked), id="top", title=text("top", lang), lang=lang, wide=True),
        _table(commune_table(communes), id="communes", title=text("communes", lang), lang=lang,
               wide=True),
        _parameter_table(data),
        _input_table(data),
    ]  # fmt: skip
    return tables


def commune_table(communes: pd.DataFrame) -> pd.DataFrame:
    """The province's communes with their counts, by commune id."""
    columns = [k for k in COMMUNE_COLUMNS if k in communes.columns]
    return pd.DataFrame(communes[columns]).sort_values("commune_id")


def carrier_table(ranked: pd.DataFrame | None, carriers: Sequence[str]) -> pd.DataFrame:
    """Per carrier: listed villages, their people, and how many need mobile and fibre."""
    if ranked is None or not len(ranked):
        return pd.DataFrame({"carrier": sorted(carriers), "villages": 0, "population": 0})
    need = ranked["need"]
    counts = pd.DataFrame({
        "villages": 1,
        "population": ranked["population"],
        "need_mobile": need.str.contains("mobile"),
        "need_fibre": need.str.contains("fibre"),
    })  # fmt: skip
    per = counts.groupby(ranked["carrier"], sort=True).sum()  # one pass
    return per.reindex(sorted(carriers), fill_value=0).reset_index(names="carrier")


def top_table(ranked: pd.DataFrame | None) -> pd.DataFrame:
    """The 20 best-scored listed villages of the province (ties by village id)."""
    if ranked is None or not len(ranked):
        return pd.DataFrame(columns=TOP_COLUMNS)
    top = ranked.sort_values(["score", "village_id"], ascending=[False, True]).head(20)
    return pd.DataFrame(top[TOP_COLUMNS])


def _parameter_table(data: ReportInputs) -> Table:
    lang = data.lang
    rows: list[list[object]] = [
        [parameter_label(k, lang, layers=dict(data.layers)), k, _plain(v)]
        for k, v in data.parameters
    ]
    return Table(
        id="parameters",
        title=text("inputs", lang),
        columns=[text("parameter", lang), text("key", lang), text("value", lang)],
        rows=rows,
        wide=True,
        widths=[TEXT_WIDTHS["parameter"], TEXT_WIDTHS["key"], TEXT_WIDTHS["value"]],
    )


def _input_table(data: ReportInputs) -> Table:
    lang = data.lang
    rows: list[list[object]] = [
        [parameter_label(str(i["role"]), lang, layers=dict(data.layers)), str(i["path"]),
         str(i["sha256"])]
        for i in data.inputs
    ]  # fmt: skip
    return Table(
        id="checksums",
        title="",
        columns=[text("role", lang), text("file", lang), "SHA-256"],
        rows=rows,
        wide=True,
        widths=[TEXT_WIDTHS["role"], TEXT_WIDTHS["file"], TEXT_WIDTHS["sha256"]],
    )

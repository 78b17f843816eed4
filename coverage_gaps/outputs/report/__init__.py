"""The report of a run, per province: ``report.html`` (printable on A4) and ``report.docx``
(Word), or with several provinces ``reports/<province_id>.html`` and ``.docx`` and an
index ``report.html``.

Both formats show the same content (:mod:`.content`): the headline, a static map of the gap
villages (:mod:`.charts`), the carriers, the budget, the measured evidence (:mod:`.evidence`), where to build (:mod:`.planning`), the
top 20 villages, the charts, the communes, the parameters and the inputs, every label in the run's language
(:mod:`coverage_gaps.outputs.i18n`) and every number written by
:func:`coverage_gaps.vietnam.numbers.format_number`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from ...results import RunResult
from ..i18n import text
from ..lists import priority_parameters
from .content import ProvinceReport, ReportInputs, Table, build_report
from .evidence import EvidenceSection, evidence_input
from .page import PROGRESS_MARKS, render_page
from .planning import PlanningSection
from .word import render_word

__all__ = [
    "EvidenceSection",
    "PROGRESS_MARKS",
    "PlanningSection",
    "ProvinceReport",
    "ReportInputs",
    "Table",
    "build_reports",
    "render_page",
    "render_reports",
    "render_word",
    "report_inputs",
    "report_provinces",
    "write_province_report",
    "write_report_index",
    "write_reports",
]


def build_reports(data: ReportInputs) -> dict[str, ProvinceReport]:
    """The report of each province: ``{province_id: report}``."""
    return {
        str(row.province_id): build_report(data, row)
        for row in data.provinces.itertuples(index=False)
    }


def render_reports(data: ReportInputs) -> dict[str, str]:
    """The HTML page of each province: ``{province_id: html}``.

    Examples
    --------
    >>> pages = render_reports(report_inputs(result, inputs=[]))  # doctest: +SKIP
    """
    return {pid: render_page(report) for pid, report in build_reports(data).items()}


def report_inputs(
    result: RunResult, *, inputs: list[dict[str, Any]], run_date: str | None = None
) -> ReportInputs:
    """What the reports of ``result`` are made from."""
    cfg = result.config
    pr = result.priority
    villages = pd.DataFrame(result.villages.drop(columns="geometry", errors="ignore"))
    return ReportInputs(
        project=cfg.name,
        provinces=result.provinces,
        communes=result.communes,
        # the population per commune and coverage pattern stands for a table not gathered
        villages=result.village_groups if result.village_groups is not None else villages,
        points=villages,
        ranked=pd.DataFrame(pr.ranked.drop(columns="geometry")) if pr is not None else None,
        budget=pr.budget if pr is not None else None,
        carriers=sorted({c.carrier for c in cfg.coverage}),
        parameters=priority_parameters(result),
        inputs=inputs,
        synthetic=cfg.synthetic,
        fibre=cfg.fibre is not None,
        lang=cfg.language,
        run_date=run_date,
        layers={c.column: f"{c.carrier} {c.technology}" for c in cfg.coverage},
        evidence=evidence_input(result),
        planning=result.planning,
    )


def write_reports(
    result: RunResult,
    folder: Path,
    *,
    inputs: list[dict[str, Any]],
    run_date: str | None = None,
) -> list[Path]:
    """``report.html`` and ``report.docx`` (one province), or ``reports/<province_id>.html``
    and ``.docx`` and an index ``report.html`` (several provinces). Returns the files."""
    data = report_inputs(result, inputs=inputs, run_date=run_date)
    pids = report_provinces(data)
    if len(pids) == 1:
        return write_province_report(data, pids[0], folder, alone=True)
    written = [p for pid in pids for p in write_province_report(data, pid, folder)]
    return [write_report_index(result, folder), *written]


def report_provinces(data: ReportInputs) -> list[str]:
    """The provinces that get a report, sorted."""
    return sorted(set(data.provinces["province_id"].astype(str)))


def write_province_report(
    data: ReportInputs, province_id: str, folder: Path, *, alone: bool = False
) -> list[Path]:
    """``reports/<province_id>.html`` and ``.docx`` (``report.html`` and ``.docx`` when the
    run has one province: ``alone``). Returns the files."""
    rows = data.provinces[data.provinces["province_id"].astype(str) == province_id]
    report = build_report(data, next(rows.itertuples(index=False)))
    if alone:
        return _write_report(report, folder / "report")
    (folder / "reports").mkdir(exist_ok=True)
    return _write_report(report, folder / "reports" / province_id)


def write_report_index(result: RunResult, folder: Path) -> Path:
    """``report.html`` of a run with several provinces: a link to each province's report."""
    names = dict(zip(result.provinces["province_id"].astype(str),
                     result.provinces["province_name"].astype(str), strict=True))  # fmt: skip
    links = []
    for pid in sorted(names):
        ref = f"reports/{html.escape(pid)}"
        links.append(
            f'<li><a href="{ref}.html">{html.escape(names[pid])}</a> · '
            f'<a href="{ref}.docx">Word</a></li>'
        )
    lang = result.config.language
    title = f"{text('report_title', lang)}: {result.config.name}"
    index = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><ul>{''.join(links)}</ul></body></html>\n"
    )
    (folder / "report.html").write_text(index, encoding="utf-8")
    return folder / "report.html"


def _write_report(report: ProvinceReport, stem: Path) -> list[Path]:
    page, word = stem.parent / f"{stem.name}.html", stem.parent / f"{stem.name}.docx"
    page.write_text(render_page(report), encoding="utf-8")
    word.write_bytes(render_word(report))
    return [page, word]

"""The measured-evidence section of a province's report (when the run has
``measurements:``): a line per carrier and technology ("Viettel: 7 thôn khai báo có sóng 4G
nhưng đo không đạt"), the villages per verdict, and the rules in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...analysis.evidence import VERDICTS
from ...results import RunResult
from ...vietnam.numbers import format_number
from ..i18n import header, map_text, text

__all__ = ["EvidenceSection", "evidence_input", "evidence_section"]


@dataclass(frozen=True)
class EvidenceSection:
    """What the evidence section shows: its title, a line per layer judged, the villages per
    verdict (``columns`` and ``rows`` of a table) and the rules."""

    title: str
    lines: list[str]
    columns: list[str]
    rows: list[list[object]]
    rules: str


def evidence_input(result: RunResult) -> dict[str, Any] | None:
    """What :func:`evidence_section` needs of a run's measured evidence (None without it):
    ``layers``, ``(column, carrier, technology)`` of each layer that has tests, and ``rules``,
    the rules as ``ChallengeRules.as_dict``."""
    if result.evidence is None:
        return None
    tested = sorted({int(i) for i in result.evidence.tests["layer"].unique()})
    layers = [result.evidence.layers[i] for i in tested]
    return {
        "layers": [(x.column, x.carrier, x.technology) for x in layers],
        "rules": result.evidence.rules.as_dict(),
    }


def evidence_section(
    villages: pd.DataFrame, evidence: Mapping[str, Any], lang: str
) -> EvidenceSection:
    """The evidence section of one province from its ``villages`` (with the
    ``<layer>_measured`` verdict columns) and :func:`evidence_input`."""
    lines: list[str] = []
    rows: list[list[object]] = []
    for column, carrier, tech in evidence["layers"]:
        verdicts = villages.get(f"{column}_measured")
        if verdicts is None:
            continue
        counts = verdicts.value_counts()
        n = {v: int(counts.get(v, 0)) for v in VERDICTS}
        lines.append(
            text("evidence_line", lang).format(
                carrier=carrier, tech=tech, n=format_number(n["challenged"], lang=lang)
            )
        )
        rows.append([carrier, tech, *(n[v] for v in VERDICTS)])
    rules = evidence["rules"]
    return EvidenceSection(
        title=text("evidence", lang),
        lines=lines or [text("evidence_none", lang)],
        columns=[
            header("carrier", lang),
            text("technology", lang),
            *(map_text(f"verdict_{v}", lang) for v in VERDICTS),
        ],
        rows=rows,
        rules=text("evidence_rules", lang).format(
            min_tests=rules["min_tests"],
            radius=format_number(float(rules["village_radius_m"]), lang=lang, decimals=0),
            share=format_number(100 * float(rules["min_failing_share"]), lang=lang, decimals=0),
            hours=format_number(float(rules["min_hours_apart"]), lang=lang, decimals=0),
        ),
    )

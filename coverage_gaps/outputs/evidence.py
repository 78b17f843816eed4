"""The measured-evidence files of a run: ``challenges.csv`` / ``.xlsx``, ``h3_cells.csv``,
``measurements/<carrier>.csv`` (each carrier's evidence pack), and the ``evidence`` entry of
``run.json`` (the rules in force and the counts per verdict).

Written only when the project has ``measurements:``. Every file goes through
:mod:`coverage_gaps.io.writers`: UTF-8 with BOM, formula-safe, the same bytes for the same
inputs. Times are written in UTC as ISO 8601 (``2025-10-03T07:30:00Z``). See
``docs/EVIDENCE.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .._version import __version__
from ..analysis.evidence import CHALLENGE_COLUMNS, VERDICTS, count_verdicts, gather_evidence
from ..io.writers import write_csv, write_xlsx
from ..results import EvidenceResult, RunResult
from ..vietnam.carriers import carrier_slug
from .i18n import evidence_legend, text
from .notice import SYNTHETIC_NOTICE

__all__ = [
    "CELL_COLUMNS",
    "challenges_table",
    "evidence_record",
    "h3_cells_table",
    "write_evidence",
]

#: Columns of ``h3_cells.csv``: every tested H3 cell, per carrier and technology.
CELL_COLUMNS = [
    "h3_cell",
    "carrier",
    "technology",
    "tests",
    "failing",
    "tests_outside",
    "passing_outside",
    "hours_apart",
    "verdict",
]

#: Village columns added to the challenges table after ``h3_cell`` (empty on H3 rows).
_VILLAGE_NAMES = ["name", "commune_id", "commune_name"]


def write_evidence(result: RunResult, folder: Path) -> list[str]:
    """Write ``challenges.csv``, ``challenges.xlsx``, ``h3_cells.csv`` and
    ``measurements/<carrier>.csv`` into ``folder``; return the names written (none when the
    run has no measurements)."""
    evidence = result.evidence
    if evidence is None:
        return []
    lang = result.config.language
    table = challenges_table(evidence, result.villages)
    write_csv(table, folder / "challenges.csv")
    params: list[tuple[str, object]] = [
        ("project", result.config.name),
        ("coverage-gaps", __version__),
        *((f"challenges.{k}", _plain(v)) for k, v in evidence.rules.as_dict().items()),
        *((f"layer.{x.column}", f"{x.source}, {x.threshold_dbm:g} dBm") for x in evidence.layers),
    ]
    if result.config.synthetic:
        params.append(("synthetic", SYNTHETIC_NOTICE))
    write_xlsx(
        folder / "challenges.xlsx",
        {text("challenges", lang): table},
        legend=evidence_legend(list(table.columns), lang),
        legend_title=text("legend", lang),
        parameters=params,
    )
    write_csv(h3_cells_table(evidence), folder / "h3_cells.csv")
    written = ["challenges.csv", "challenges.xlsx", "h3_cells.csv"]
    packs = gather_evidence(evidence)
    (folder / "measurements").mkdir()
    for carrier in sorted({evidence.layers[i].carrier for i in _tested(evidence)}):
        pack = packs.get(carrier)
        name = f"measurements/{carrier_slug(carrier)}.csv"
        write_csv(_pack_table(pack, evidence), folder / name)
        written.append(name)
    return written


def challenges_table(evidence: EvidenceResult, villages: pd.DataFrame) -> pd.DataFrame:
    """The challenges, with the village's name and commune on village rows and times as
    ISO 8601 UTC text."""
    table = evidence.challenges.reset_index(drop=True).copy()
    names = [c for c in _VILLAGE_NAMES if c in villages]
    lookup = pd.DataFrame(villages[["village_id", *names]]).astype({"village_id": str})
    lookup = lookup.drop_duplicates("village_id")
    table = table.merge(lookup, on="village_id", how="left")
    for column in names:
        table[column] = table[column].astype(object).where(table[column].notna(), "")
    for column in ("first_test_utc", "last_test_utc"):
        table[column] = _iso(table[column])
    at = CHALLENGE_COLUMNS.index("h3_cell") + 1
    columns = [*CHALLENGE_COLUMNS[:at], *names, *CHALLENGE_COLUMNS[at:]]
    return table[columns]


def h3_cells_table(evidence: EvidenceResult) -> pd.DataFrame:
    """Every tested H3 cell with its verdict, per carrier and technology."""
    cells = pd.DataFrame(evidence.cells)
    out = pd.DataFrame({c: cells[c] for c in CELL_COLUMNS})
    for column in ("h3_cell", "carrier", "technology", "verdict"):
        out[column] = out[column].astype(str)
    out["hours_apart"] = out["hours_apart"].round(2)
    return out.sort_values(["carrier", "technology", "h3_cell"], kind="stable").reset_index(
        drop=True
    )


def evidence_record(evidence: EvidenceResult | None) -> dict[str, Any] | None:
    """The ``evidence`` entry of ``run.json``: the rules in force, the layers judged, the
    tests used, and the units per verdict (totals, then per carrier and technology)."""
    if evidence is None:
        return None
    counts = count_verdicts(evidence)
    totals = {
        level: {
            v: int(counts.loc[(counts["level"] == level) & (counts["verdict"] == v), "count"].sum())
            for v in (VERDICTS if level == "village" else VERDICTS[:4])
        }
        for level in ("village", "h3")
    }
    return {
        "rules": {k: _plain(v) for k, v in evidence.rules.as_dict().items()},
        "layers": [
            {
                "carrier": x.carrier,
                "technology": x.technology,
                "source": x.source,
                "threshold_dbm": x.threshold_dbm,
            }
            for x in evidence.layers
        ],  # fmt: skip
        "tests": len(evidence.tests),
        "tests_failing": int(evidence.tests["failing"].sum()),
        "challenges": {
            level: int((evidence.challenges["level"] == level).sum()) for level in ("village", "h3")
        },
        "verdicts": totals,
        "verdicts_by_layer": [
            {k: (int(v) if k == "count" else str(v)) for k, v in row.items()}
            for row in counts.to_dict("records")
        ],
    }


def _tested(evidence: EvidenceResult) -> list[int]:
    return sorted({int(i) for i in evidence.tests["layer"].unique()})


def _pack_table(pack: pd.DataFrame | None, evidence: EvidenceResult) -> pd.DataFrame:
    """An evidence pack with its times as ISO 8601 UTC text (the columns even when empty)."""
    if pack is None:
        drop = {"geometry", "layer", "h3_index", "cell", "declared"}
        columns = [c for c in evidence.tests.columns if c not in drop]
        columns += ["h3_cell", "h3_challenged", "challenged_villages"]
        return pd.DataFrame(columns=columns)
    out = pack.copy()
    out["time_utc"] = _iso(out["time_utc"])
    for column in ("source", "carrier", "technology"):
        out[column] = out[column].astype(str)
    return out


def _iso(times: pd.Series) -> pd.Series:
    """UTC times as ``2025-10-03T07:30:00Z`` ("" where missing)."""
    stamps = pd.to_datetime(times, utc=True)
    return stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")


def _plain(value: object) -> object:
    """A rule's value as JSON/XLSX takes it (a mapping as ``4G: 5, 5G: 7`` in a sheet)."""
    if isinstance(value, dict):
        return {str(k): float(v) for k, v in value.items()}
    return value

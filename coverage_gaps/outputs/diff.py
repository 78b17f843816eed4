"""Progress between two runs: which villages gained or lost coverage, per carrier and technology.

The ministry tracks the closure of "lõm sóng" villages against deadlines: compare the run
before with the run after (same village ids) and list every change.

Examples
--------
>>> changes, summary = compare_runs("outputs/2025-08", "outputs/2025-11")  # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputDataError, Problem
from ..io.runfolder import RUN_RECORD, read_run_record, record_outputs
from ..io.writers import write_csv
from ..vietnam.carriers import carrier_slug
from .i18n import header, text
from .report import PROGRESS_MARKS

__all__ = ["compare_runs", "write_diff"]

_FLAG = re.compile(r"^(has_[2-5]g|[a-z0-9_]+_[2-5]g)$")
_MARK_OPEN, _MARK_CLOSE = PROGRESS_MARKS


def _read_run(folder: Path) -> pd.DataFrame:
    path = Path(folder) / "villages.csv"
    if not path.is_file():
        raise InputDataError(
            [
                Problem(
                    str(folder),
                    "",
                    "the folder is not a coverage-gaps result (no villages.csv).",
                    "give the output folders of two runs.",
                )
            ]
        )
    head = pd.read_csv(path, encoding="utf-8-sig", nrows=0).columns
    missing = [c for c in ("village_id", "name", "commune_id", "commune_name", "gap_mobile", "gap_fibre")
               if c not in head]  # fmt: skip
    if missing:
        raise InputDataError(
            [
                Problem(
                    str(path),
                    "",
                    f"the file is not a coverage-gaps village table (no {', '.join(missing)}).",
                    "give the output folders of two runs.",
                )
            ]  # fmt: skip
        )
    df = pd.read_csv(
        path, encoding="utf-8-sig", dtype={"village_id": str, "commune_id": str, "name": str}
    )
    for col in df.columns:
        if _FLAG.match(col) or col in ("gap_mobile", "gap_fibre"):
            df[col] = df[col].map({True: True, False: False, "True": True, "False": False})
    return df.set_index("village_id")


def compare_runs(old: str | Path, new: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every change of coverage between two runs, and a summary per layer.

    Returns
    -------
    changes
        One row per village and changed flag: ``village_id, name, commune_id, commune_name,
        layer, change`` where ``layer`` is ``mobile`` (the 3G/4G/5G gap), ``fibre``, ``has_4g``
        or a carrier column such as ``viettel_4g``, and ``change`` is ``covered`` or ``lost``.
    summary
        One row per layer: ``newly_covered``, ``newly_lost``, ``still_not_covered``; plus
        villages only in one of the runs.
    """
    a, b = _read_run(Path(old)), _read_run(Path(new))
    only_old = len(a.index.difference(b.index))
    only_new = len(b.index.difference(a.index))
    common = b.index.intersection(a.index).sort_values()
    a, bb = a.loc[common], b.loc[common]
    layers: list[tuple[str, np.ndarray, np.ndarray]] = [
        ("mobile", ~a["gap_mobile"].to_numpy(dtype=bool), ~bb["gap_mobile"].to_numpy(dtype=bool))
    ]
    if a["gap_fibre"].notna().all() and bb["gap_fibre"].notna().all():
        layers.append(
            ("fibre", ~a["gap_fibre"].to_numpy(dtype=bool), ~bb["gap_fibre"].to_numpy(dtype=bool))
        )
    flags = sorted(c for c in b.columns if _FLAG.match(c) and c in a.columns)
    flags = [c for c in flags if c.startswith("has_")] + [
        c for c in flags if not c.startswith("has_")
    ]
    layers += [(c, a[c].to_numpy(dtype=bool), bb[c].to_numpy(dtype=bool)) for c in flags]
    rows = []
    summary = []
    for layer, before, after in layers:
        covered = ~before & after
        lost = before & ~after
        still = ~before & ~after
        summary.append(
            {
                "layer": layer,
                "newly_covered": int(covered.sum()),
                "newly_lost": int(lost.sum()),
                "still_not_covered": int(still.sum()),
            }  # fmt: skip
        )
        for mask, change in ((covered, "covered"), (lost, "lost")):
            if mask.any():
                sel = bb[mask]
                rows.append(
                    pd.DataFrame(
                        {
                            "village_id": sel.index.to_numpy(),
                            "name": sel["name"].to_numpy(),
                            "commune_id": sel["commune_id"].to_numpy(),
                            "commune_name": sel["commune_name"].to_numpy(),
                            "layer": layer,
                            "change": change,
                        }
                    )  # fmt: skip
                )
    changes = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(
            columns=["village_id", "name", "commune_id", "commune_name", "layer", "change"]
        )
    )
    order = {name: i for i, (name, _, _) in enumerate(layers)}
    changes = changes.sort_values(
        ["layer", "change", "village_id"],
        key=lambda s: s.map(order) if s.name == "layer" else s,
        kind="stable",
    ).reset_index(drop=True)
    summary_df = pd.DataFrame(summary)
    summary_df.attrs["villages_only_in_old"] = only_old
    summary_df.attrs["villages_only_in_new"] = only_new
    return changes, summary_df


def _layer_names(folder: Path) -> dict[str, str]:
    """Coverage columns of a run -> their names (``viettel_4g`` -> ``Viettel 4G``)."""
    if not (folder / RUN_RECORD).is_file():
        return {}
    coverage = read_run_record(folder).get("config", {}).get("coverage", [])
    return {
        f"{carrier_slug(c['carrier'])}_{str(c['technology']).lower()}": (
            f"{c['carrier']} {c['technology']}"
        )
        for c in coverage
        if isinstance(c, dict) and "carrier" in c and "technology" in c
    }


def _layer_label(layer: str, lang: str, names: dict[str, str]) -> str:
    """``mobile``, ``fibre``, ``has_4g`` or a coverage column, in words."""
    if layer in ("mobile", "fibre"):
        return text(layer, lang)
    return header(layer, lang) if layer.startswith("has_") else names.get(layer, layer)


def _progress_html(summary: pd.DataFrame, old: Path, lang: str, names: dict[str, str]) -> str:
    cols = ["layer", "newly_covered", "newly_lost", "still_not_covered"]
    head = "".join(f"<th>{html.escape(header(c, lang))}</th>" for c in cols)
    body = "".join(
        f"<tr><td>{html.escape(_layer_label(str(r['layer']), lang, names))}</td>"
        + "".join(f'<td class="n">{int(r[c])}</td>' for c in cols[1:])
        + "</tr>"
        for r in summary.to_dict("records")
    )
    since = f"{text('progress', lang)} ({html.escape(str(old))})"
    return f'{_MARK_OPEN}<h2>{since}</h2><table id="progress"><tr>{head}</tr>{body}</table>{_MARK_CLOSE}'


def _run_language(folder: Path) -> str:
    """The language a run was made in (``vi`` when its record does not say)."""
    if not (folder / RUN_RECORD).is_file():
        return "vi"
    language = read_run_record(folder).get("config", {}).get("language")
    return str(language) if language in ("vi", "en") else "vi"


def write_diff(
    old: str | Path, new: str | Path, *, lang: str | None = None
) -> tuple[Path, pd.DataFrame]:
    """Write ``diff/changes.csv`` and ``diff/summary.csv`` in the new run and add a
    progress section to its report(s). Files are replaced atomically.

    ``lang``: labels in ``vi`` or ``en``; by default the new run's language.
    Returns the ``diff`` folder and the summary.
    """
    new = Path(new)
    changes, summary = compare_runs(old, new)
    lang = lang or _run_language(new)
    folder = new / "diff"
    tmp = new / f".diff.partial-{os.getpid()}"
    tmp.mkdir(exist_ok=True)
    loc = changes.rename(
        columns={c: header(c, lang) for c in ("village_id", "name", "commune_id", "commune_name")}
    )
    write_csv(loc, tmp / "changes.csv")
    write_csv(summary, tmp / "summary.csv")
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)
    section = _progress_html(summary, Path(old), lang, _layer_names(new))
    rewritten: list[Path] = []
    for page in [new / "report.html", *sorted((new / "reports").glob("*.html"))]:
        if not page.is_file():
            continue
        html_text = page.read_text(encoding="utf-8")
        if _MARK_OPEN in html_text:
            start = html_text.index(_MARK_OPEN)
            end = html_text.index(_MARK_CLOSE) + len(_MARK_CLOSE)
            html_text = html_text[:start] + section + html_text[end:]
        else:
            html_text = html_text.replace("</body>", section + "</body>")
        part = page.with_name(f".{page.name}.partial")
        part.write_text(html_text, encoding="utf-8")
        os.replace(part, page)
        rewritten.append(page)
    if rewritten and (new / RUN_RECORD).is_file():
        record_outputs(new, rewritten)
    return folder, summary

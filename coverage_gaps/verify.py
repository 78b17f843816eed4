"""Check a finished run against its ``run.json``: every output file unchanged, and whether
the inputs still match the checksums they had when the run was made."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ._errors import InputDataError, Problem
from ._io import sha256_file

__all__ = ["VerifyReport", "record_outputs", "verify_run"]


@dataclass
class VerifyReport:
    """What :func:`verify_run` found; ``ok`` when every output matches."""

    outputs_checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    inputs_changed: list[str] = field(default_factory=list)
    inputs_missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def verify_run(folder: str | Path) -> VerifyReport:
    """Re-compute the sha256 of every output listed in ``run.json`` and of every input.

    Raises
    ------
    InputDataError
        When the folder has no readable ``run.json``.

    Examples
    --------
    >>> verify_run("outputs/demo/results").ok  # doctest: +SKIP
    True
    """
    folder = Path(folder)
    manifest_path = folder / "run.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        outputs = manifest["outputs"]
        inputs = manifest["inputs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputDataError(
            [
                Problem(
                    str(manifest_path),
                    "",
                    f"is missing or not a coverage-gaps run record ({exc}).",
                    "give the output folder of a run.",
                )
            ]  # fmt: skip
        ) from None
    report = VerifyReport()
    listed = set()
    for item in outputs:
        rel = item["path"]
        listed.add(rel)
        path = folder / rel
        report.outputs_checked += 1
        if not path.is_file():
            report.missing.append(rel)
        elif sha256_file(path) != item["sha256"]:
            report.changed.append(rel)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if (
            path.is_file()
            and rel not in listed
            and rel != "run.json"
            and not rel.startswith("diff/")
        ):
            report.extra.append(rel)
    for item in inputs:
        path = Path(item["path"])
        if not path.is_file():
            report.inputs_missing.append(str(path))
        elif sha256_file(path) != item["sha256"]:
            report.inputs_changed.append(str(path))
    return report


def record_outputs(
    folder: str | Path, written: list[Path], *, replace_prefixes: tuple[str, ...] = ()
) -> None:
    """Record the checksums of files rewritten in a finished run (a re-rendered map, a report
    with a progress section) in its ``run.json``, atomically, so that ``verify`` still passes.

    Entries whose path starts with one of ``replace_prefixes`` are dropped first.
    """
    folder = Path(folder)
    run_json = folder / "run.json"
    run = json.loads(run_json.read_text(encoding="utf-8"))
    names = {p.relative_to(folder).as_posix() for p in written}
    outputs = [
        o
        for o in run.get("outputs", [])
        if o["path"] not in names
        and not (replace_prefixes and o["path"].startswith(replace_prefixes))
    ]
    for p in written:
        outputs.append(
            {
                "path": p.relative_to(folder).as_posix(),
                "bytes": p.stat().st_size,
                "sha256": sha256_file(p),
            }
        )
    run["outputs"] = sorted(outputs, key=lambda o: o["path"])
    tmp = run_json.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(run, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(run_json)

"""The run folder and its ``run.json``: the one place that writes and reads the record.

``run.json`` lists the inputs (with sha256), the resolved configuration, versions,
counts, warnings, timings and the checksum of every output file. This module
writes it (:func:`write_run_record`), reads it (:func:`read_run_record`), updates
it when a finished run's files are re-rendered (:func:`record_outputs`) and
checks a run against it (:func:`verify_run`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import InputDataError, Problem
from .._machine import available_cores

__all__ = [
    "RUN_RECORD",
    "VerifyReport",
    "dataset_files",
    "outputs_listing",
    "read_run_record",
    "record_outputs",
    "sha256_file",
    "verify_run",
    "write_run_record",
]

#: The file that makes a folder a coverage-gaps run.
RUN_RECORD = "run.json"
#: Files that travel with a shapefile or MapInfo table.
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")


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
    manifest = read_run_record(folder)
    outputs, inputs = manifest["outputs"], manifest["inputs"]
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
            and rel != RUN_RECORD
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


def read_run_record(folder: str | Path) -> dict[str, Any]:
    """The ``run.json`` of a finished run.

    Raises
    ------
    InputDataError
        When the folder has no readable ``run.json`` listing inputs and outputs.
    """
    path = Path(folder) / RUN_RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record["outputs"], list) or not isinstance(record["inputs"], list):
            raise TypeError("'outputs' and 'inputs' must be lists")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputDataError(
            [
                Problem(
                    str(path),
                    "",
                    f"the file is missing or is not a coverage-gaps run record ({exc}).",
                    "give the output folder of a run.",
                )
            ]
        ) from None
    return dict(record)


def write_run_record(folder: str | Path, record: Mapping[str, Any]) -> Path:
    """Write ``run.json`` into ``folder`` (UTF-8, indented), replacing it atomically."""
    path = Path(folder) / RUN_RECORD
    tmp = path.with_name(f".{RUN_RECORD}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def outputs_listing(folder: Path) -> list[dict[str, Any]]:
    """Path, size and sha256 of every file under ``folder``, sorted by path."""
    files = [f for f in sorted(folder.rglob("*")) if f.is_file()]
    return [
        {"path": f.relative_to(folder).as_posix(), "bytes": f.stat().st_size, "sha256": digest}
        for f, digest in zip(files, sha256_files(files), strict=True)
    ]


def sha256_files(paths: Sequence[Path]) -> list[str]:
    """:func:`sha256_file` of each of ``paths``, in order, on a thread per core (hashlib
    releases the GIL on large blocks: a national run's outputs and inputs are hundreds of
    megabytes).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_files([p])[0][:16]
    'ba7816bf8f01cfea'
    """
    if len(paths) < 2:
        return [sha256_file(p) for p in paths]
    with ThreadPoolExecutor(min(available_cores(), len(paths)), "sha256") as pool:
        return list(pool.map(sha256_file, paths))


def record_outputs(
    folder: str | Path, written: list[Path], *, replace_prefixes: tuple[str, ...] = ()
) -> None:
    """Record the checksums of files rewritten in a finished run (a re-rendered map, a report
    with a progress section) in its ``run.json``, atomically, so that ``verify`` still passes.

    Entries whose path starts with one of ``replace_prefixes`` are dropped first.
    """
    folder = Path(folder)
    run = read_run_record(folder)
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
    write_run_record(folder, run)


def dataset_files(path: Path) -> list[Path]:
    """The files that make up one dataset (a shapefile has sidecars; a folder of GeoParquet
    parts, its parts)."""
    if path.is_dir():
        return sorted(f for f in path.rglob("*") if f.is_file())
    files = [path]
    if path.suffix.lower() in (".shp", ".tab", ".mif"):
        for suffix in (*_SIDECARS, ".dat", ".map", ".id", ".ind", ".mid"):
            for cand in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
                if cand.exists() and cand not in files:
                    files.append(cand)
    return files


def sha256_file(path: Path, *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()

"""The pages of each province (its report, HTML and Word, and its map), written by several
processes at once.

A national run writes a report and a map for each of the 34 provinces: about two thirds of
its time, one province after the other, on one core. Each page depends only on the run's
results, so the provinces are shared among worker processes, one per core, while the parent
writes the tables and lists. The workers are forked: they inherit the results in memory
(copy-on-write), nothing is pickled but each province's code and the names of the files
written. The largest provinces go first, so the workers finish together.

Every file is the one a single process writes (``tests/test_pages.py`` compares byte by
byte): a page depends only on its province's data, and each worker's map cache gives the
same results as a fresh one (:mod:`.maps.cache`). Where ``fork`` is not available (Windows,
or ``jobs=1``), the pages are written in the parent, in the same order.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .._errors import Problem, collect_warnings, warn_problems
from .maps import MapData, with_map_cache, write_province_map
from .report import ReportInputs, write_province_report

__all__ = [
    "PageJob",
    "PagesWritten",
    "available_cores",
    "largest_first",
    "write_province_pages",
]


@dataclass(frozen=True)
class PageJob:
    """What the province pages are made from: the reports' and the maps' data (either may
    be None: not written), the folder, and the maps' options."""

    reports: ReportInputs | None
    maps: MapData | None
    folder: Path
    map_options: dict[str, Any] = field(default_factory=dict)
    #: The provinces that get a map (all of them, unless the map's data lacks one).
    map_provinces: frozenset[str] = frozenset()


@dataclass
class PagesWritten:
    """The files written, the problems met drawing the maps, and the seconds spent on the
    reports and on the maps (summed over the workers)."""

    files: list[Path] = field(default_factory=list)
    map_issues: list[Problem] = field(default_factory=list)
    report_s: float = 0.0
    map_s: float = 0.0


@dataclass(frozen=True)
class _Done:
    """One province's pages, as a worker sends them back."""

    files: list[Path]
    map_issues: list[Problem]
    report_issues: list[Problem]
    report_s: float
    map_s: float


def available_cores() -> int:
    """The cores this process may run on (the affinity mask where the system has one).

    Examples
    --------
    >>> available_cores() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def write_province_pages(
    job: PageJob, provinces: list[str], *, jobs: int, progress: bool = False
) -> Iterator[PagesWritten]:
    """Write the report and the map of each of ``provinces`` while the block runs.

    With ``jobs`` > 1 (and ``fork`` available) the pages are written by that many worker
    processes, started on entering the block, so the parent's own writing in the block runs
    beside them; otherwise they are written by the parent when the block ends. The returned
    :class:`PagesWritten` is filled when the block ends, after every page is written; a
    failure in a worker is raised there.

    ``provinces`` must be sorted largest first for the workers to finish together (see
    :func:`largest_first`).
    """
    written = PagesWritten()
    workers = min(jobs, len(provinces))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield written
        _install(job)
        for pid in provinces:
            _gather(written, _write_installed(pid))
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_install,
                             initargs=(job,)) as pool:  # fmt: skip
        futures = [pool.submit(_write_installed, pid) for pid in provinces]
        try:
            yield written
            _wait(futures, written, progress=progress)
        finally:
            for f in futures:
                f.cancel()


def largest_first(villages_per_province: dict[str, int]) -> list[str]:
    """Province codes by decreasing villages (then by code): the order that lets a pool of
    workers finish together.

    Examples
    --------
    >>> largest_first({"01": 10, "02": 30, "04": 30})
    ['02', '04', '01']
    """
    return sorted(villages_per_province, key=lambda pid: (-villages_per_province[pid], pid))


def _wait(futures: list[Future[_Done]], written: PagesWritten, *, progress: bool) -> None:
    """Gather the workers' results as they come, with a bar counting the provinces."""
    bar = tqdm(as_completed(futures), total=len(futures), desc="writing province pages",
               unit="province", disable=not progress, leave=False)  # fmt: skip
    for future in bar:
        _gather(written, future.result())
    written.files.sort()


def _gather(written: PagesWritten, done: _Done) -> None:
    written.files += done.files
    written.map_issues += done.map_issues
    written.report_s += done.report_s
    written.map_s += done.map_s
    warn_problems(done.report_issues)


#: The job of this worker process (set once by :func:`_install` when the worker starts).
_JOB: PageJob | None = None


def _install(job: PageJob) -> None:
    """Keep ``job`` in the worker (inherited by ``fork``, not pickled), with a map cache
    that the worker's provinces share."""
    global _JOB
    maps = with_map_cache(job.maps) if job.maps is not None else None
    _JOB = replace(job, maps=maps)


def _write_installed(province_id: str) -> _Done:
    assert _JOB is not None, "the worker was started without its job"
    return _write_pages(_JOB, province_id)


def _write_pages(job: PageJob, province_id: str) -> _Done:
    """The report and the map of one province."""
    files: list[Path] = []
    t0 = time.perf_counter()
    with collect_warnings() as report_issues:
        if job.reports is not None:
            files += write_province_report(job.reports, province_id, job.folder)
    t1 = time.perf_counter()
    with collect_warnings() as map_issues:
        if job.maps is not None and province_id in job.map_provinces:
            files.append(write_province_map(job.maps, province_id, job.folder, **job.map_options))
    t2 = time.perf_counter()
    return _Done(files, map_issues, report_issues, t1 - t0, t2 - t1)

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
same results as a fresh one (:mod:`.maps.cache`). Workers are forked on Linux only (macOS's
system libraries are not fork-safe, Windows has no fork); elsewhere, or with ``jobs=1``, the
pages are written in the parent, in the same order. A worker that dies (out of memory) fails
the run with an :class:`OutputError` that says to rerun with fewer jobs.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .._errors import OutputError, Problem, collect_warnings, warn_problems
from .._machine import available_cores
from .maps import MapData, with_map_cache, write_overview_map, write_province_map
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
    #: Write the national overview ``map.html`` too (one more page, the largest).
    overview: bool = False


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


@contextmanager
def write_province_pages(
    job: PageJob, provinces: list[str], *, jobs: int, progress: bool = False
) -> Iterator[PagesWritten]:
    """Write the report and the map of each of ``provinces`` (and the overview map when
    ``job.overview``) while the block runs.

    With ``jobs`` > 1 (and ``fork`` available) the pages are written by that many worker
    processes, started on entering the block, so the parent's own writing in the block runs
    beside them; otherwise they are written by the parent when the block ends. The returned
    :class:`PagesWritten` is filled when the block ends, after every page is written; a
    failure in a worker is raised there.

    ``provinces`` must be sorted largest first for the workers to finish together (see
    :func:`largest_first`).
    """
    written = PagesWritten()
    pages = [OVERVIEW] * job.overview + provinces  # the overview first: the longest page
    order = sorted(provinces) + [OVERVIEW] * job.overview  # as one process writes them
    workers = min(jobs, len(pages))
    if workers < 2 or not FORK_SAFE:
        yield written
        one = _with_cache(job)
        _gather(written, {page: _write_pages(one, page) for page in order}, order)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_install,
                             initargs=(job,)) as pool:  # fmt: skip
        futures = {pool.submit(_write_installed, page): page for page in pages}
        try:
            yield written
            _gather(written, _wait(futures, progress=progress), order)
        except BrokenProcessPool as err:
            raise OutputError(
                f"{job.folder}: a process writing the provinces' pages died ({err}); "
                "it may have run out of memory. Fix: rerun with --jobs 1 (or fewer jobs)."
            ) from err
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def largest_first(villages_per_province: dict[str, int]) -> list[str]:
    """Province codes by decreasing villages (then by code): the order that lets a pool of
    workers finish together.

    Examples
    --------
    >>> largest_first({"01": 10, "02": 30, "04": 30})
    ['02', '04', '01']
    """
    return sorted(villages_per_province, key=lambda pid: (-villages_per_province[pid], pid))


def _wait(futures: dict[Future[_Done], str], *, progress: bool) -> dict[str, _Done]:
    """The workers' results as they come, with a bar counting the pages."""
    bar = tqdm(as_completed(futures), total=len(futures), desc="writing province pages",
               unit="page", disable=not progress, leave=False)  # fmt: skip
    return {futures[future]: future.result() for future in bar}


def _gather(written: PagesWritten, done: dict[str, _Done], order: list[str]) -> None:
    """The pages' files, problems and seconds into ``written``, in ``order`` (the files
    sorted), whatever order the workers finished in. A problem met by several workers
    (each loads a map layer once) is kept once, where one process meets it first."""
    for page in order:
        written.files += done[page].files
        written.map_issues += [i for i in done[page].map_issues if i not in written.map_issues]
        written.report_s += done[page].report_s
        written.map_s += done[page].map_s
        warn_problems(done[page].report_issues)
    written.files.sort()


#: Where forking a process that holds the run is safe: Linux (macOS's system libraries are
#: not fork-safe, Windows has no fork); elsewhere the pages are written in turn.
FORK_SAFE = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()

#: The page name of the national overview map among the provinces' codes.
OVERVIEW = "map.html"

#: The job of this worker process (set once by :func:`_install` when the worker starts).
_JOB: PageJob | None = None


def _install(job: PageJob) -> None:
    """Keep ``job`` in the worker (inherited by ``fork``, not pickled), with a map cache
    that the worker's provinces share. Ctrl-C is the parent's to handle: it stops the
    pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _JOB
    _JOB = _with_cache(job)


def _with_cache(job: PageJob) -> PageJob:
    """``job`` with a map cache that the pages written by one process share."""
    return replace(job, maps=with_map_cache(job.maps)) if job.maps is not None else job


def _write_installed(province_id: str) -> _Done:
    assert _JOB is not None, "the worker was started without its job"
    return _write_pages(_JOB, province_id)


def _write_pages(job: PageJob, province_id: str) -> _Done:
    """The report and the map of one province, or the overview map."""
    if province_id == OVERVIEW:
        return _write_overview(job)
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


def _write_overview(job: PageJob) -> _Done:
    """The national overview ``map.html``."""
    assert job.maps is not None
    t0 = time.perf_counter()
    with collect_warnings() as map_issues:
        path = write_overview_map(job.maps, job.folder, **job.map_options)
    return _Done([path], map_issues, [], 0.0, time.perf_counter() - t0)

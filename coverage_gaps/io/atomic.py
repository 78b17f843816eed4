"""Atomic output folders: a run is written beside the target, then renamed into place.

A run killed at any moment leaves either the previous complete output or the
new complete one, plus at most a hidden ``.NAME.partial-*`` folder that is never
mistaken for a result (and is removed by the next run).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from filelock import FileLock, Timeout

from .._errors import OutputError
from .runfolder import RUN_RECORD

__all__ = ["atomic_output_dir", "atomic_file", "check_output_dir"]


def check_output_dir(target: Path, *, inputs: Sequence[Path] = ()) -> None:
    """Refuse targets that are files, folders that are not ours and not empty, and folders
    holding an input (replacing them would delete it)."""
    resolved = target.resolve()
    for f in inputs:
        f = Path(f).resolve()
        if resolved == f or resolved in f.parents:
            raise OutputError(
                f"output folder {target} holds the input {f}; writing the results there would "
                "replace it. Fix: choose an output folder that holds no input, e.g. outputs/NAME."
            )
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"output path {target} is an existing file, not a folder. "
            "Fix: choose another 'output:' (or --output) or move the file away."
        )
    if target.is_dir() and any(target.iterdir()) and not (target / RUN_RECORD).is_file():
        raise OutputError(
            f"output folder {target} already holds files that are not a coverage-gaps result "
            f"(no {RUN_RECORD}); refusing to replace them. Fix: choose an empty or new folder."
        )


@contextlib.contextmanager
def _lock(parent: Path, name: str) -> Iterator[None]:
    """Hold an exclusive lock for one output folder; a second run refuses at once.

    A lock file beside the folder (``filelock``: ``fcntl`` on POSIX, ``msvcrt`` on Windows).
    """
    lock = FileLock(parent / f".{name}.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputError(
            f"another coverage-gaps run is writing to {parent / name} right now. "
            "Fix: wait for it to finish, or choose another output folder."
        ) from None
    try:
        yield
    finally:
        lock.release()


def _recover(parent: Path, name: str) -> None:
    """Tidy what an interrupted run left: restore a previous result, drop partial folders."""
    target = parent / name
    for old in sorted(parent.glob(f".{name}.old-*")):
        if not target.exists() and (old / RUN_RECORD).is_file():
            os.replace(old, target)  # killed between the two renames: put the old result back
        else:
            shutil.rmtree(old, ignore_errors=True)
    for stale in parent.glob(f".{name}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def atomic_output_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces ``target`` atomically.

    On any exception the temporary folder is removed and ``target`` is untouched.
    Only one run at a time may write a given target.
    """
    target = target.resolve()
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _lock(parent, target.name):
        _recover(parent, target.name)
        check_output_dir(target)
        tmp = parent / f".{target.name}.partial-{os.getpid()}"
        tmp.mkdir()
        try:
            yield tmp
            old = parent / f".{target.name}.old-{os.getpid()}"
            if target.exists():
                os.replace(target, old)
            os.replace(tmp, target)
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    On any exception the temporary file is removed and ``target`` is untouched.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}{target.suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

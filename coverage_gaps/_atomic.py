"""Atomic output folders: a run is written beside the target, then renamed into place.

A run killed at any moment leaves either the previous complete output or the
new complete one, plus at most a hidden ``.NAME.partial-*`` folder that is never
mistaken for a result (and is removed by the next run).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ._errors import OutputError

__all__: list[str] = []

MARKER = "run.json"


def check_output_dir(target: Path) -> None:
    """Refuse targets that are files, or folders that are not ours and not empty."""
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"output path {target} is an existing file, not a folder. "
            "Fix: choose another 'output:' (or --output) or move the file away."
        )
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise OutputError(
            f"output folder {target} already holds files that are not a coverage-gaps result "
            f"(no {MARKER}); refusing to replace them. Fix: choose an empty or new folder."
        )


@contextlib.contextmanager
def atomic_output_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces ``target`` atomically.

    On any exception the temporary folder is removed and ``target`` is untouched.
    """
    target = target.resolve()
    check_output_dir(target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob(f".{target.name}.partial-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = parent / f".{target.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != os.getpid()

"""What the machine offers this process: one place that counts the cores."""

from __future__ import annotations

import contextlib
import os
import sys
import threading

__all__ = ["available_cores", "lower_thread_priority"]


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


#: How much lower than the rest of the process background threads run (Linux niceness).
BACKGROUND_NICENESS = 10


def lower_thread_priority() -> None:
    """Make the calling thread run only when the process's other threads leave a core idle
    (Linux schedules threads one by one: its niceness raised by
    :data:`BACKGROUND_NICENESS`, to 19 at most); elsewhere, or where the system refuses,
    nothing changes (it only speeds a run up). For a pool's initializer: a thread cannot
    take its priority back.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(1, initializer=lower_thread_priority) as pool:
    ...     pool.submit(sum, [1, 2]).result()
    3
    """
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        niceness = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(niceness + BACKGROUND_NICENESS, 19))

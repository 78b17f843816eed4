"""What the machine offers this process: one place that counts the cores."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator

__all__ = ["available_cores", "frozen_heap", "lower_thread_priority"]


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


@contextlib.contextmanager
def frozen_heap() -> Iterator[Callable[[], None]]:
    """Keep the objects alive at chosen moments out of the cyclic garbage collector's
    sight until the block ends: ``freeze()`` (yielded, and called on entering) moves every
    object alive then to the collector's permanent generation (:func:`gc.freeze`); leaving
    the block gives them back (:func:`gc.unfreeze`).

    A run holds millions of long-lived objects (the modules, the loaded tables, the
    results); each full collection walked all of them again (about 0.1 s each, 1.9 s a
    national run over the run and its page writers), and in a forked page writer the walk
    also wrote to every page of the heap it shares with the run. Objects freed while frozen
    are still freed (reference counting); only cycles among them wait for the end of the
    block.

    Examples
    --------
    >>> with frozen_heap() as freeze:
    ...     kept = [[1, 2]]
    ...     freeze()
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count()
    0
    """
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()

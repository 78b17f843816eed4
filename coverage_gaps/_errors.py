"""Exception hierarchy and the `Problem` record used to report bad input.

Every error a user can cause derives from :class:`CoverageGapsError` *and* from
the matching builtin, so ``except ValueError`` keeps working for callers that do
not know this package.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "CoverageGapsError",
    "CoverageGapsWarning",
    "InputDataError",
    "OutputError",
    "Problem",
    "collect_warnings",
    "warn_problem",
    "warn_problems",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input.

    Parameters
    ----------
    source
        The file (or ``config`` key) the problem is in.
    where
        The feature, row, column or key concerned ("" when it is the whole file).
    what
        What is wrong, in plain words.
    fix
        How to fix it.
    """

    source: str
    where: str
    what: str
    fix: str = ""

    def __str__(self) -> str:
        loc = f"{self.source}: {self.where}" if self.where else self.source
        text = f"{loc}: {self.what}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class CoverageGapsError(Exception):
    """Base class of every error raised on purpose by coverage-gaps."""


class InputDataError(CoverageGapsError, ValueError):
    """One or more inputs are missing, unreadable or invalid.

    ``problems`` lists every problem found, so that a user fixes them all in one
    go rather than one per run.
    """

    def __init__(self, problems: Iterable[Problem] | str, *, source: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(source or "input", "", problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found in the inputs:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class ConfigError(InputDataError):
    """The YAML project file is invalid."""


class OutputError(CoverageGapsError, OSError):
    """Outputs cannot be written where asked (path is a file, folder busy, ...)."""


class CoverageGapsWarning(UserWarning):
    """A finding about an input that does not stop the run (a repaired geometry, villages
    outside a raster, text read in a legacy encoding, ...).

    Raised with :func:`warn_problem`; :func:`collect_warnings` gathers them as
    :class:`Problem` records (the pipeline writes them to ``run.json``).
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def warn_problem(problem: Problem, *, stacklevel: int = 2) -> None:
    """Emit ``problem`` as a :class:`CoverageGapsWarning`.

    Examples
    --------
    >>> with collect_warnings() as found:
    ...     warn_problem(Problem("v.csv", "row 3", "population is empty."))
    >>> [p.where for p in found]
    ['row 3']
    """
    warnings.warn(CoverageGapsWarning(problem), stacklevel=stacklevel + 1)


def warn_problems(problems: Iterable[Problem]) -> None:
    """Emit each of ``problems`` as a :class:`CoverageGapsWarning`."""
    for problem in problems:
        warn_problem(problem, stacklevel=3)


@contextlib.contextmanager
def collect_warnings() -> Iterator[list[Problem]]:
    """Gather every :class:`CoverageGapsWarning` raised inside the block, in order.

    The list is filled when the block ends (also when it raises). Other warnings
    are passed on unchanged, so that a library's deprecation notice is never
    swallowed.
    """
    found: list[Problem] = []
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield found
    finally:
        for w in caught:
            if isinstance(w.message, CoverageGapsWarning):
                found.append(w.message.problem)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)

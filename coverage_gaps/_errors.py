"""Exception hierarchy and the `Problem` record used to report bad input.

Every error a user can cause derives from :class:`CoverageGapsError` *and* from
the matching builtin, so ``except ValueError`` keeps working for callers that do
not know this package.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "CoverageGapsError",
    "InputDataError",
    "OutputError",
    "Problem",
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

"""The maximum-coverage problem as the solvers see it: checked inputs, costs and the budget.

A :class:`Budget` is either a number of sites or an amount of money; :func:`prepare_problem`
checks the coverage matrix, the people, the costs and the budget together (every problem
found is reported at once, as :class:`~coverage_gaps.InputDataError`) and returns a
:class:`CoverageProblem` the solvers share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import sparse

from ..._errors import InputDataError, Problem

__all__ = ["SOURCE", "Budget", "CoverageProblem", "prepare_problem"]

#: The name bad planning input is reported under (the project file's ``planning:`` section).
SOURCE = "planning"
#: Relative slack when comparing money against the budget (costs are sums of floats).
BUDGET_SLACK = 1e-9


@dataclass(frozen=True)
class Budget:
    """What may be spent: a number of sites, or money.

    Parameters
    ----------
    sites
        At most this many new sites (every candidate counts 1).
    money
        At most this much money in total (same unit as the candidates' costs).
    cost_per_site
        The cost of a candidate whose own cost is missing (NaN); a per-candidate cost wins.

    Examples
    --------
    >>> Budget(sites=10).limit
    10.0
    >>> Budget(money=3e10, cost_per_site=1.5e9).describe()
    'money 3e+10'
    """

    sites: int | None = None
    money: float | None = None
    cost_per_site: float | None = None

    @property
    def by_sites(self) -> bool:
        """Whether the budget counts sites (rather than money)."""
        return self.sites is not None

    @property
    def limit(self) -> float:
        """The budget as one number: sites, or money."""
        return float(self.sites if self.sites is not None else self.money or 0.0)

    def describe(self) -> str:
        """The budget in words, for messages."""
        return f"{self.sites} sites" if self.by_sites else f"money {self.money:g}"


@dataclass(frozen=True)
class CoverageProblem:
    """A checked maximum-coverage problem.

    Attributes
    ----------
    coverage
        Candidates x target villages, True where the candidate would cover the village (CSR).
    people
        People per target village (float64, >= 0).
    weight
        Cost of each candidate against the budget: 1 for a budget in sites, money otherwise.
    money
        Money cost of each candidate (NaN where unknown), reported in the tables.
    limit
        The budget (sites or money).
    min_people
        A site adding fewer new people than this is not proposed.
    candidate_ids, village_ids
        Labels of the rows and columns, for the tables.
    in_range
        Candidates x villages in range when terrain is ignored (None: not known).
    """

    coverage: sparse.csr_array
    people: np.ndarray
    weight: np.ndarray
    money: np.ndarray
    limit: float
    min_people: float
    candidate_ids: pd.Index
    village_ids: pd.Index
    in_range: sparse.csr_array | None

    @property
    def shape(self) -> tuple[int, int]:
        """(candidates, villages)."""
        return (len(self.candidate_ids), len(self.village_ids))

    @property
    def unit_costs(self) -> bool:
        """Whether every candidate weighs the same against the budget."""
        return bool(self.weight.size == 0 or np.all(self.weight == self.weight[0]))

    def fits(self, spent: float) -> bool:
        """Whether ``spent`` is within the budget (with float slack)."""
        return spent <= self.limit * (1 + BUDGET_SLACK) + BUDGET_SLACK


def _as_bool_csr(matrix: object, name: str, problems: list[Problem]) -> sparse.csr_array:
    """A sparse boolean CSR array, canonical (sorted indices, no duplicates, no explicit False)."""
    try:
        out = sparse.csr_array(matrix, dtype=bool)
    except (TypeError, ValueError) as exc:
        problems.append(Problem(SOURCE, name, f"is not a matrix ({exc}).", ""))
        return sparse.csr_array((0, 0), dtype=bool)
    out.sum_duplicates()
    out.eliminate_zeros()
    out.sort_indices()
    return out


def _labels(ids: Sequence[object] | pd.Index | None, n: int, name: str) -> pd.Index:
    """Row or column labels (0..n-1 when none are given)."""
    index = pd.RangeIndex(n) if ids is None else pd.Index(ids)
    if len(index) != n:
        raise InputDataError([Problem(SOURCE, name, f"has {len(index)} labels for {n} rows.", "")])
    return index


def _rows(ids: pd.Index, bad: np.ndarray) -> str:
    """The first few labels where ``bad`` holds, for a message."""
    shown = [str(v) for v in ids[bad][:5]]
    more = int(bad.sum()) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _check_people(people: np.ndarray, ids: pd.Index, problems: list[Problem]) -> None:
    bad = ~np.isfinite(people) | (people < 0)
    if bad.any():
        problems.append(
            Problem(
                SOURCE,
                f"villages {_rows(ids, bad)}",
                "people is missing or negative.",
                "give every target village a population of 0 or more.",
            )
        )


def _money(
    cost: ArrayLike | None, budget: Budget, ids: pd.Index, problems: list[Problem]
) -> np.ndarray:
    """Money cost per candidate: its own cost, else ``budget.cost_per_site``, else NaN."""
    n = len(ids)
    own = np.full(n, np.nan) if cost is None else np.asarray(cost, dtype=float).reshape(-1)
    if own.shape != (n,):
        problems.append(Problem(SOURCE, "cost", f"has {own.size} values for {n} candidates."))
        return np.full(n, np.nan)
    fallback = np.nan if budget.cost_per_site is None else float(budget.cost_per_site)
    money = np.where(np.isfinite(own), own, fallback)
    negative = money < 0
    if negative.any():
        problems.append(
            Problem(
                SOURCE,
                f"candidates {_rows(ids, negative)}",
                "cost is negative.",
                "give costs of 0 or more.",
            )
        )
    if not budget.by_sites and np.isnan(money).any():
        problems.append(
            Problem(
                SOURCE,
                f"candidates {_rows(ids, np.isnan(money))}",
                "have no cost, and a budget in money needs one for every candidate.",
                "add a cost column to the candidates, or set budget.cost_per_site.",
            )
        )
    return money


def _check_budget(
    budget: Budget, money: np.ndarray, ids: pd.Index, problems: list[Problem]
) -> None:
    """One of sites/money, positive, and at least the cheapest candidate's cost."""
    if (budget.sites is None) == (budget.money is None):
        problems.append(
            Problem(
                SOURCE,
                "budget",
                "needs exactly one of 'sites' or 'money'.",
                "write budget: {sites: 10} or budget: {money: 3e10, cost_per_site: 1.5e9}.",
            )
        )
    elif budget.by_sites and (budget.sites or 0) < 1:
        problems.append(
            Problem(
                SOURCE,
                "budget.sites",
                f"is {budget.sites}; no site can be built.",
                "set budget.sites to 1 or more.",
            )
        )
    elif not budget.by_sites and money.size and np.isfinite(money).all():
        cheapest = int(np.argmin(money))
        if budget.limit < money[cheapest] * (1 - BUDGET_SLACK):
            problems.append(
                Problem(
                    SOURCE,
                    "budget.money",
                    f"is {budget.limit:g}, below the cheapest candidate "
                    f"({ids[cheapest]}, cost {money[cheapest]:g}); no site can be built.",
                    f"raise budget.money to at least {money[cheapest]:g}.",
                )
            )


def _check_shapes(
    coverage: sparse.csr_array,
    in_range: sparse.csr_array | None,
    shape: tuple[int, int],
    problems: list[Problem],
) -> None:
    if coverage.shape != shape:
        problems.append(Problem(SOURCE, "coverage", f"is {coverage.shape}, expected {shape}.", ""))
    if in_range is not None and in_range.shape != shape:
        problems.append(Problem(SOURCE, "in_range", f"is {in_range.shape}, expected {shape}.", ""))


def prepare_problem(
    coverage: sparse.sparray | sparse.spmatrix | np.ndarray,
    people: ArrayLike,
    *,
    budget: Budget,
    cost: ArrayLike | None = None,
    min_people: float = 0.0,
    in_range: sparse.sparray | sparse.spmatrix | np.ndarray | None = None,
    candidate_ids: Sequence[object] | pd.Index | None = None,
    village_ids: Sequence[object] | pd.Index | None = None,
) -> CoverageProblem:
    """Check the planning inputs and gather them into a :class:`CoverageProblem`.

    Raises
    ------
    InputDataError
        Every problem found: shapes that do not match, missing or negative people or
        costs, a budget that is missing, not positive or below the cheapest candidate.

    Examples
    --------
    >>> import numpy as np
    >>> p = prepare_problem(np.eye(2, dtype=bool), [10, 20], budget=Budget(sites=1))
    >>> p.shape, p.limit
    ((2, 2), 1.0)
    """
    problems: list[Problem] = []
    matrix = _as_bool_csr(coverage, "coverage", problems)
    terrain_free = None if in_range is None else _as_bool_csr(in_range, "in_range", problems)
    weights = np.asarray(people, dtype=float).reshape(-1)
    cands = _labels(candidate_ids, matrix.shape[0], "candidate_ids")
    villages = _labels(village_ids, weights.size, "village_ids")
    _check_shapes(matrix, terrain_free, (len(cands), len(villages)), problems)
    _check_people(weights, villages, problems)
    money = _money(cost, budget, cands, problems)
    _check_budget(budget, money, cands, problems)
    if not np.isfinite(min_people) or min_people < 0:
        problems.append(Problem(SOURCE, "min_people", f"is {min_people}; use 0 or more."))
    if problems:
        raise InputDataError(problems)
    return CoverageProblem(
        coverage=matrix,
        people=weights,
        weight=np.ones(len(cands)) if budget.by_sites else money,
        money=money,
        limit=budget.limit,
        min_people=float(min_people),
        candidate_ids=cands,
        village_ids=villages,
        in_range=terrain_free,
    )

"""Maximum coverage as an integer programme, and its LP relaxation, solved by HiGHS.

The model (x_j = 1 when candidate j is built, y_g = 1 when village group g is covered)::

    maximise   sum_j p_j x_j + sum_g W_g y_g
    subject to y_g <= sum_{j covers g} x_j      for every group g
               sum_j c_j x_j <= budget
               x_j in {0, 1},  0 <= y_g <= 1

Before it is built the problem is shrunk without changing its optimum: candidates that can
never be proposed (alone they add no one, or fewer than ``min_people``, or cost more than
the budget) are dropped; villages no remaining candidate reaches are dropped; villages
reached by exactly the same candidates are merged into one group (people summed); a group
that one candidate alone reaches becomes part of that candidate's own objective ``p_j``.
The y variables stay continuous: with x integral the optimum sets each y_g to 1 exactly
when a chosen candidate covers the group. Among choices covering as many people, the
cheapest is preferred (a tie-break worth less than one person in the objective; see
:func:`_tie_break`).

HiGHS is called through SciPy (``scipy.optimize.milp`` and ``linprog``), not ``highspy``:
on the benchmark the two take about the same time (docs/PLANNING.md), and SciPy is needed
anyway for the sparse matrices and KD-trees, so no dependency is added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from .problem import BUDGET_SLACK, CoverageProblem

__all__ = ["ExactSolution", "ReducedModel", "reduce_problem", "solve_exact", "solve_lp_bound"]

#: Seed of the random projections that find villages reached by the same candidates.
_HASH_SEED = 20260101


@dataclass(frozen=True)
class ReducedModel:
    """The shrunk problem the solver sees (see the module docstring)."""

    candidates: np.ndarray  # indices into the full problem's candidates
    own: np.ndarray  # p_j: people only candidate j (of the kept ones) reaches
    groups: sparse.csc_array  # kept candidates x groups reached by two or more of them
    group_people: np.ndarray  # W_g
    weight: np.ndarray  # c_j of the kept candidates
    limit: float

    @property
    def size(self) -> int:
        """Non-zeros of the model's matrix: the measure the ``auto`` threshold uses."""
        return int(self.groups.nnz + self.groups.shape[1] + len(self.candidates))


@dataclass(frozen=True)
class ExactSolution:
    """What HiGHS returned: the chosen candidates (full-problem indices) and its bound."""

    chosen: np.ndarray
    bound: float
    optimal: bool
    message: str


def _eligible(problem: CoverageProblem) -> np.ndarray:
    """Candidates that could be proposed: alone they add enough people and fit the budget."""
    gains = problem.coverage @ problem.people
    fits = problem.weight <= problem.limit * (1 + BUDGET_SLACK) + BUDGET_SLACK
    return np.flatnonzero((gains > 0) & (gains >= problem.min_people) & fits)


def _group_villages(columns: sparse.csc_array) -> tuple[np.ndarray, np.ndarray]:
    """Group villages reached by the same candidates: (group of each village, a member each).

    Two random projections of each column give a key; members of a key are checked equal to
    its representative, so a (vanishingly unlikely) collision can only leave groups unmerged.
    """
    n, m = columns.shape
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    projection = np.random.default_rng(_HASH_SEED).random((n, 2))
    key = np.column_stack([np.diff(columns.indptr), columns.T.astype(float) @ projection])
    _, first, group = np.unique(key, axis=0, return_index=True, return_inverse=True)
    group = group.reshape(-1)
    same = columns[:, first[group]] != columns
    if same.nnz:  # a collision: keep every village on its own
        return np.arange(m, dtype=np.int64), np.arange(m, dtype=np.int64)
    return group, first


def reduce_problem(problem: CoverageProblem) -> ReducedModel:
    """Shrink ``problem`` for the solver without changing its optimum."""
    keep = _eligible(problem)
    sub = sparse.csc_array(problem.coverage[keep])
    reached = np.flatnonzero(np.diff(sub.indptr) > 0)
    sub = sub[:, reached]
    group, first = _group_villages(sub)
    people = np.bincount(group, weights=problem.people[reached], minlength=len(first))
    groups = sub[:, first]
    degree = np.diff(groups.indptr)
    single = degree == 1
    own = np.bincount(
        groups.indices[groups.indptr[:-1][single]], weights=people[single], minlength=len(keep)
    )
    shared = (degree >= 2) & (people > 0)
    return ReducedModel(
        candidates=keep,
        own=own,
        groups=sparse.csc_array(groups[:, np.flatnonzero(shared)]),
        group_people=people[shared],
        weight=problem.weight[keep],
        limit=problem.limit,
    )


def _arrays(
    model: ReducedModel, *, tie_break: float = 0.0
) -> tuple[np.ndarray, sparse.csr_array, np.ndarray]:
    """The model of the module docstring for HiGHS (columns: x, then y; minimise -people,
    plus ``tie_break`` x the cost of the chosen candidates)."""
    n, g = model.groups.shape
    link = sparse.hstack(
        [-model.groups.T.astype(float), sparse.eye_array(g, format="csr")], format="csr"
    )
    budget = sparse.csr_array(np.r_[model.weight, np.zeros(g)][None, :])
    matrix = sparse.csr_array(sparse.vstack([link, budget], format="csr"))
    upper = np.r_[np.zeros(g), model.limit * (1 + BUDGET_SLACK) + BUDGET_SLACK]
    cost = np.r_[tie_break * model.weight - model.own, -model.group_people]
    return cost, matrix, upper


def _tie_break(model: ReducedModel) -> float:
    """Cost weight that makes the solver prefer the cheapest of equally good choices.

    With whole numbers of people two choices differ by at least one person, and every
    candidate's cost together weighs at most half a person: the most people stays the
    first aim. With fractional people no tie is broken (0).
    """
    people = np.r_[model.own, model.group_people]
    if not np.all(people == np.round(people)):
        return 0.0
    return 0.5 / (float(np.abs(model.weight).sum()) + 1.0)


def solve_lp_bound(model: ReducedModel, *, time_limit_s: float = 60.0) -> float:
    """The LP-relaxation optimum: no choice within the budget covers more people.

    Solved by HiGHS's interior-point method (with crossover): on these LPs it is several
    times faster than its dual simplex (docs/PLANNING.md). NaN when it does not finish
    within ``time_limit_s``.
    """
    if len(model.candidates) == 0:
        return 0.0
    cost, matrix, upper = _arrays(model)
    found = linprog(
        cost,
        A_ub=matrix,
        b_ub=upper,
        bounds=(0, 1),
        method="highs-ipm",
        options={"time_limit": float(time_limit_s)},
    )
    return float(-found.fun) if found.status == 0 else float("nan")


def solve_exact(model: ReducedModel, *, time_limit_s: float = 300.0) -> ExactSolution:
    """The optimal choice (or the best found within ``time_limit_s``).

    Parameters
    ----------
    model
        The problem as :func:`reduce_problem` shrinks it.
    time_limit_s
        HiGHS stops after this long with its best solution and bound.
    """
    n = len(model.candidates)
    if n == 0:
        return ExactSolution(np.zeros(0, dtype=np.int64), 0.0, True, "nothing to choose")
    tie_break = _tie_break(model)
    cost, matrix, upper = _arrays(model, tie_break=tie_break)
    found = milp(
        cost,
        integrality=np.r_[np.ones(n), np.zeros(matrix.shape[1] - n)],
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, -np.inf, upper),
        options={"mip_rel_gap": 0.0, "time_limit": float(time_limit_s)},
    )
    # the solver bounds people minus the tie-break, which never exceeds half a person
    dual = found.mip_dual_bound
    bound = float("inf") if dual is None else -float(dual) + tie_break * float(model.weight.sum())
    if found.x is None:
        return ExactSolution(np.zeros(0, dtype=np.int64), bound, False, found.message)
    chosen = model.candidates[np.asarray(found.x)[:n] > 0.5]
    return ExactSolution(chosen, bound, found.status == 0, found.message)

"""Choose new sites: the candidates that cover the most people in the gap within a budget.

See docs/PLANNING.md for the problem, the methods and their guarantees.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import sparse

from ..._errors import InputDataError, Problem
from .exact import ReducedModel, reduce_problem, solve_exact, solve_lp_bound
from .greedy import coverage_bound, covered_people, greedy_order, solve_greedy
from .problem import SOURCE, Budget, CoverageProblem, prepare_problem
from .tables import PlanResult, drop_weak_sites, site_table, village_table

__all__ = ["AUTO_EXACT_MAX_SIZE", "METHODS", "plan_sites"]

METHODS = ("exact", "greedy", "auto")
#: ``method: auto`` solves exactly when the reduced model (see
#: :class:`~coverage_gaps.analysis.planning.exact.ReducedModel`) has at most this many
#: non-zeros, greedily beyond; measured in docs/PLANNING.md.
AUTO_EXACT_MAX_SIZE = 60_000
#: Time limit of the exact solve under ``method: auto``: past it, the better of the solver's
#: best and the greedy choice is kept.
AUTO_TIME_LIMIT_S = 60.0


def _choose(
    problem: CoverageProblem, model: ReducedModel, method: str, time_limit_s: float
) -> tuple[np.ndarray, str, float, bool, list[str]]:
    """Solve: (chosen candidates, method used, solver bound, proven optimal, notes)."""
    greedy = solve_greedy(problem)
    exact = method == "exact" or (method == "auto" and model.size <= AUTO_EXACT_MAX_SIZE)
    if not exact:
        return greedy, "greedy", float("inf"), False, []
    limit = time_limit_s if method == "exact" else min(time_limit_s, AUTO_TIME_LIMIT_S)
    found = solve_exact(model, time_limit_s=limit)
    if found.optimal:
        return found.chosen, "exact", found.bound, True, []
    notes = [f"The exact solver stopped before proving optimality ({found.message})."]
    if covered_people(problem.coverage, problem.people, greedy) > covered_people(
        problem.coverage, problem.people, found.chosen
    ):
        notes.append("The greedy choice was better than the solver's best and is kept.")
        return greedy, "greedy", found.bound, False, notes
    return found.chosen, "exact", found.bound, False, notes


def _bound(
    problem: CoverageProblem,
    model: ReducedModel,
    chosen: np.ndarray,
    solver_bound: float,
    lp_time_limit_s: float | None,
) -> tuple[float, str, float]:
    """The tightest valid upper bound: (bound, its source, the LP-relaxation optimum)."""
    lp = (
        float("nan")
        if lp_time_limit_s is None
        else solve_lp_bound(model, time_limit_s=lp_time_limit_s)
    )
    candidates = {
        "milp": solver_bound,
        "lp": lp if np.isfinite(lp) else float("inf"),
        "submodular": coverage_bound(problem, chosen),
    }
    source = min(candidates, key=lambda k: candidates[k])
    return candidates[source], source, lp


def _finish(
    problem: CoverageProblem,
    model: ReducedModel,
    budget: Budget,
    choice: tuple[np.ndarray, str, float, bool, list[str]],
    lp_time_limit_s: float | None,
    started: float,
) -> PlanResult:
    """Drop weak sites, order by marginal gain, bound the optimum and build the tables."""
    chosen, used, solver_bound, optimal, notes = choice
    before = covered_people(problem.coverage, problem.people, chosen)
    kept, dropped = drop_weak_sites(problem, chosen)
    order, gains = greedy_order(problem.coverage, problem.people, kept)
    covered = float(gains.sum())
    if dropped:
        notes.append(
            f"{dropped} chosen site(s) added no one, or fewer than min_people "
            f"({problem.min_people:g}), of their own and are not proposed."
        )
        optimal = optimal and covered >= before
    if optimal:
        bound, source, lp = covered, "milp", float("nan")
    else:
        bound, source, lp = _bound(problem, model, chosen, solver_bound, lp_time_limit_s)
        bound = max(bound, covered)
    spent = problem.weight[order] if budget.by_sites else problem.money[order]
    return PlanResult(
        sites=site_table(problem, order, gains),
        villages=village_table(problem, order),
        people_covered=covered,
        bound=bound,
        gap=(bound - covered) / bound if bound > 0 else 0.0,
        bound_source=source,
        lp_bound=lp,
        method=used,
        optimal=optimal,
        seconds=time.perf_counter() - started,
        budget=budget,
        spent=float(spent.sum()),
        notes=tuple(notes),
    )


def plan_sites(
    coverage: sparse.sparray | sparse.spmatrix | np.ndarray,
    people: ArrayLike,
    *,
    budget: Budget,
    cost: ArrayLike | None = None,
    method: str = "auto",
    min_people: float = 0.0,
    in_range: sparse.sparray | sparse.spmatrix | np.ndarray | None = None,
    candidate_ids: Sequence[object] | pd.Index | None = None,
    village_ids: Sequence[object] | pd.Index | None = None,
    time_limit_s: float = 300.0,
    lp_time_limit_s: float | None = 60.0,
) -> PlanResult:
    """Choose the candidates covering the most people within the budget.

    Parameters
    ----------
    coverage
        Candidates x target villages, True where the candidate would cover the village (any
        scipy sparse matrix or array, or a dense boolean array). Target villages are those
        in the gap: villages already covered are left out by the caller.
    people
        People per target village.
    budget
        A number of sites or an amount of money (:class:`Budget`).
    cost
        Money cost per candidate (NaN: ``budget.cost_per_site``); required for a budget in
        money unless ``budget.cost_per_site`` is set.
    method
        ``"exact"`` (integer programme, HiGHS), ``"greedy"`` (lazy greedy, with the best
        single affordable site as fallback when costs differ) or ``"auto"`` (exact up to
        :data:`AUTO_EXACT_MAX_SIZE`, greedy beyond).
    min_people
        A site adding fewer new people than this is not proposed.
    in_range
        Candidates x villages covered when terrain is ignored (for example the same model
        without diffraction): a village in range of a candidate but covered by none is
        reported ``behind_terrain`` rather than ``out_of_range``.
    candidate_ids, village_ids
        Labels for the tables (default 0, 1, ...).
    time_limit_s
        Longest exact solve (``method: auto`` caps it at 60 s and falls back to greedy).
    lp_time_limit_s
        Longest LP-relaxation solve for the bound when the choice is not proven optimal
        (None: skip the LP; the submodular bound is still given).

    Returns
    -------
    PlanResult
        The chosen sites in order of marginal gain, every village's outcome, the people
        covered and how far from optimal the choice can be.

    Raises
    ------
    InputDataError
        Bad input (see :func:`~coverage_gaps.analysis.planning.problem.prepare_problem`), or
        an unknown method.

    Examples
    --------
    >>> import numpy as np
    >>> cover = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [0, 1, 1, 0]], dtype=bool)
    >>> plan = plan_sites(cover, [10, 50, 50, 10], budget=Budget(sites=2), method="exact")
    >>> plan.sites["candidate"].tolist(), plan.people_covered, plan.optimal
    ([0, 1], 120.0, True)
    """
    started = time.perf_counter()
    if method not in METHODS:
        raise InputDataError(
            [
                Problem(
                    SOURCE,
                    "method",
                    f"unknown method {method!r}.",
                    f"use one of {', '.join(METHODS)}.",
                )
            ]
        )
    problem = prepare_problem(
        coverage,
        people,
        budget=budget,
        cost=cost,
        min_people=min_people,
        in_range=in_range,
        candidate_ids=candidate_ids,
        village_ids=village_ids,
    )
    model = reduce_problem(problem)
    choice = _choose(problem, model, method, time_limit_s)
    return _finish(problem, model, budget, choice, lp_time_limit_s, started)

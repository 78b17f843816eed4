"""The planning result: the chosen sites in order and every target village's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from .problem import Budget, CoverageProblem

__all__ = [
    "REASONS",
    "SITE_COLUMNS",
    "VILLAGE_COLUMNS",
    "PlanResult",
    "site_table",
    "village_table",
]

#: Why a target village is (not) covered by the plan, in the order they are checked.
REASONS = (
    "covered",  # a chosen site covers it
    "out_of_range",  # no candidate reaches it, even ignoring terrain
    "behind_terrain",  # a candidate's range reaches it, but the terrain model blocks it
    "below_min_people",  # the best site reaching it would add fewer than min_people people
    "over_budget",  # a site reaching it would be worth building, but the budget is spent
)
SITE_COLUMNS = (
    "order",
    "candidate",
    "new_villages",
    "new_people",
    "cumulative_people",
    "people_in_reach",
    "cost",
    "cumulative_cost",
)
VILLAGE_COLUMNS = ("village", "people", "site", "order", "reason")


@dataclass(frozen=True)
class PlanResult:
    """Where to build: the answer of :func:`~coverage_gaps.analysis.planning.plan_sites`.

    Attributes
    ----------
    sites
        One row per chosen site, in order of marginal gain (each next site adds the most new
        people): ``order`` (1, 2, ...), ``candidate`` (its label), ``new_villages`` and
        ``new_people`` (covered by no earlier site), ``cumulative_people``, ``people_in_reach``
        (every target village it covers), ``cost`` (money, NaN when unknown) and
        ``cumulative_cost``.
    villages
        One row per target village, in input order: ``village`` (its label), ``people``,
        ``site`` (the label of the first chosen site covering it, else missing), ``order`` (that
        site's order) and ``reason`` (one of :data:`REASONS`).
    people_covered
        People newly covered by the chosen sites.
    bound
        An upper bound on the people any choice within the budget can cover (equal to
        ``people_covered`` when the choice is proven optimal).
    gap
        ``(bound - people_covered) / bound``: the choice is within this fraction of optimal.
    bound_source
        Where the bound comes from: ``"milp"`` (the solver's proof), ``"lp"`` (the LP
        relaxation) or ``"submodular"`` (the chosen set plus the best further gains).
    lp_bound
        The LP-relaxation optimum (NaN when it was not solved).
    method
        ``"exact"`` or ``"greedy"``: what produced the choice.
    optimal
        Whether the choice is proven optimal (an exact solve that finished; min_people not
        binding).
    seconds
        Time spent choosing and bounding.
    budget
        The budget planned for; ``spent`` is what the choice uses of it.
    notes
        Plain-language remarks (time limit reached, sites dropped by min_people, ...).
    """

    sites: pd.DataFrame
    villages: pd.DataFrame
    people_covered: float
    bound: float
    gap: float
    bound_source: str
    lp_bound: float
    method: str
    optimal: bool
    seconds: float
    budget: Budget
    spent: float
    notes: tuple[str, ...] = field(default=())


def own_people(coverage: sparse.csr_array, people: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """People each chosen site covers that no other chosen site covers."""
    sub = coverage[np.asarray(chosen, dtype=np.int64)]
    count = np.bincount(sub.indices, minlength=coverage.shape[1])
    return np.asarray(sub @ np.where(count == 1, people, 0.0), dtype=float)


def drop_weak_sites(problem: CoverageProblem, chosen: np.ndarray) -> tuple[np.ndarray, int]:
    """Drop chosen sites that add too few people of their own, weakest first.

    A site is dropped while the people only it covers (among the sites kept) are none or
    fewer than ``min_people``; one at a time, the weakest (then the lowest index) first,
    since dropping one raises what the others add alone. Returns the kept sites and how many
    were dropped.
    """
    kept = np.sort(np.asarray(chosen, dtype=np.int64))
    dropped = 0
    while len(kept):
        own = own_people(problem.coverage, problem.people, kept)
        weakest = int(np.argmin(own))
        if own[weakest] > 0 and own[weakest] >= problem.min_people:
            break
        kept = np.delete(kept, weakest)
        dropped += 1
    return kept, dropped


def site_table(problem: CoverageProblem, order: np.ndarray, gains: np.ndarray) -> pd.DataFrame:
    """The chosen sites in order (see :class:`PlanResult`)."""
    coverage = problem.coverage
    first = np.zeros(coverage.shape[1], dtype=bool)
    new_villages = np.zeros(len(order), dtype=np.int64)
    for k, j in enumerate(order):
        villages = coverage.indices[coverage.indptr[j] : coverage.indptr[j + 1]]
        new_villages[k] = int((~first[villages]).sum())
        first[villages] = True
    cost = problem.money[order]
    return pd.DataFrame(
        {
            "order": np.arange(1, len(order) + 1, dtype=np.int64),
            "candidate": problem.candidate_ids[order],
            "new_villages": new_villages,
            "new_people": gains,
            "cumulative_people": np.cumsum(gains),
            "people_in_reach": coverage[order] @ problem.people if len(order) else [],
            "cost": cost,
            "cumulative_cost": np.cumsum(cost),
        },
        columns=list(SITE_COLUMNS),
    )


def _first_site(problem: CoverageProblem, order: np.ndarray) -> np.ndarray:
    """Per village, the position in ``order`` of the first chosen site covering it (-1: none)."""
    m = problem.coverage.shape[1]
    if len(order) == 0:
        return np.full(m, -1, dtype=np.int64)
    sub = problem.coverage[order].tocsc()
    counts = np.diff(sub.indptr)
    first = np.full(m, -1, dtype=np.int64)
    has = counts > 0
    # CSC row indices are sorted within each column: the first is the earliest site
    first[has] = sub.indices[sub.indptr[:-1][has]]
    return first


def _reasons(problem: CoverageProblem, order: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The reason of every village (see :data:`REASONS`)."""
    coverage = problem.coverage
    left = problem.people.copy()
    left[first >= 0] = 0.0
    gain = coverage @ left  # what each candidate would still add
    reach = np.diff(coverage.tocsc().indptr) > 0
    best = np.zeros(coverage.shape[1])
    if coverage.nnz:
        best = np.asarray(coverage.multiply(gain[:, None]).max(axis=0).toarray()).ravel()
    in_range = reach
    if problem.in_range is not None:
        in_range = reach | (np.diff(problem.in_range.tocsc().indptr) > 0)
    worth = (best > 0) & (best >= problem.min_people)
    return np.select(
        [first >= 0, ~in_range, ~reach, ~worth],
        ["covered", "out_of_range", "behind_terrain", "below_min_people"],
        default="over_budget",
    )


def village_table(problem: CoverageProblem, order: np.ndarray) -> pd.DataFrame:
    """Every target village with the site covering it, or why none does."""
    first = _first_site(problem, order)
    site = pd.Series(pd.NA, index=range(len(first)), dtype="object")
    hit = first >= 0
    site[hit] = np.asarray(problem.candidate_ids[order[first[hit]]], dtype=object)
    position = pd.array(np.where(hit, first + 1, 0), dtype="Int64")
    position[~hit] = pd.NA
    return pd.DataFrame(
        {
            "village": problem.village_ids,
            "people": problem.people,
            "site": site.to_numpy(),
            "order": position,
            "reason": pd.Categorical(_reasons(problem, order, first), categories=list(REASONS)),
        },
        columns=list(VILLAGE_COLUMNS),
    )

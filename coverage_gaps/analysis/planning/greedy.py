"""Greedy maximum coverage: the best new people per unit of budget, step by step.

Lazy evaluation (Minoux 1978; "CELF" in Leskovec et al. 2007): a heap holds, for every
candidate, an upper bound on its gain per unit cost (gains only shrink as sites are
chosen). The top of the heap is re-evaluated; if it still beats the next bound it is
taken, otherwise it goes back with its fresh value. The result is the same as evaluating
every candidate at every step (ties go to the lower candidate index), with far fewer
evaluations.

With a budget in money, the best single affordable site is compared with the greedy set
and the better is kept (Khuller, Moss and Naor 1999): without that fallback, one
expensive site covering many people can be far better than what the greedy finds.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy import sparse

from .problem import BUDGET_SLACK, CoverageProblem

__all__ = [
    "coverage_bound",
    "covered_people",
    "greedy_order",
    "lazy_greedy",
    "solve_greedy",
]


def covered_people(coverage: sparse.csr_array, people: np.ndarray, chosen: np.ndarray) -> float:
    """People in the villages that at least one chosen candidate covers."""
    if len(chosen) == 0:
        return 0.0
    hit = np.zeros(coverage.shape[1], dtype=bool)
    hit[coverage[np.asarray(chosen)].indices] = True
    return float(people[hit].sum())


def _row(coverage: sparse.csr_array, j: int) -> np.ndarray:
    """The villages candidate ``j`` covers."""
    return coverage.indices[coverage.indptr[j] : coverage.indptr[j + 1]]


def lazy_greedy(
    coverage: sparse.csr_array,
    people: np.ndarray,
    weight: np.ndarray,
    *,
    fits: float,
    min_gain: float = 0.0,
) -> np.ndarray:
    """Candidates in the order the greedy picks them.

    Parameters
    ----------
    coverage, people
        Candidates x villages, and people per village.
    weight
        Cost of each candidate against the budget (> 0).
    fits
        The budget, slack included: a candidate is taken while the spent total stays within.
    min_gain
        A candidate whose gain falls below this (or to 0) is never taken.
    """
    covered = np.zeros(coverage.shape[1], dtype=bool)
    gains = coverage @ people
    ok = (gains > 0) & (gains >= min_gain) & (weight <= fits)
    idx = np.flatnonzero(ok)
    heap = list(
        zip((-gains[idx] / np.maximum(weight[idx], 1e-300)).tolist(), idx.tolist(), strict=True)
    )
    heapq.heapify(heap)
    chosen: list[int] = []
    spent = 0.0
    while heap:
        _, j = heapq.heappop(heap)
        if spent + weight[j] > fits:
            continue  # the budget left only shrinks: never affordable again
        villages = _row(coverage, j)
        fresh = float(people[villages][~covered[villages]].sum())
        if fresh <= 0 or fresh < min_gain:
            continue  # gains only shrink: never useful again
        key = (-fresh / max(weight[j], 1e-300), j)
        if heap and key > heap[0]:
            heapq.heappush(heap, key)
            continue
        chosen.append(j)
        covered[villages] = True
        spent += float(weight[j])
    return np.asarray(chosen, dtype=np.int64)


def _best_single(problem: CoverageProblem, fits: float) -> int | None:
    """The affordable candidate covering the most people (lowest index on ties)."""
    gains = problem.coverage @ problem.people
    ok = (problem.weight <= fits) & (gains > 0) & (gains >= problem.min_people)
    if not ok.any():
        return None
    return int(np.argmax(np.where(ok, gains, -np.inf)))


def solve_greedy(problem: CoverageProblem) -> np.ndarray:
    """The greedy choice (with the Khuller-Moss-Naor fallback when costs differ).

    Returns
    -------
    numpy.ndarray
        Chosen candidate indices, in the order picked.
    """
    fits = problem.limit * (1 + BUDGET_SLACK) + BUDGET_SLACK
    chosen = lazy_greedy(
        problem.coverage, problem.people, problem.weight, fits=fits, min_gain=problem.min_people
    )
    if problem.unit_costs:
        return chosen
    single = _best_single(problem, fits)
    if single is not None:
        alone = covered_people(problem.coverage, problem.people, np.asarray([single]))
        if alone > covered_people(problem.coverage, problem.people, chosen):
            return np.asarray([single], dtype=np.int64)
    return chosen


def greedy_order(
    coverage: sparse.csr_array, people: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The chosen candidates re-ordered so that each next one adds the most new people.

    Returns the order and each one's new people; by submodularity the gains never grow
    along the order. Ties go to the lower candidate index.
    """
    chosen = np.sort(np.asarray(chosen, dtype=np.int64))
    sub = coverage[chosen]
    uncovered = people.astype(float).copy()
    order: list[int] = []
    gains: list[float] = []
    left = np.ones(len(chosen), dtype=bool)
    for _ in range(len(chosen)):
        g = np.where(left, sub @ uncovered, -np.inf)
        k = int(np.argmax(g))
        order.append(k)
        gains.append(float(g[k]))
        left[k] = False
        uncovered[_row(sub, k)] = 0.0
    return chosen[np.asarray(order, dtype=np.int64)], np.asarray(gains)


def coverage_bound(problem: CoverageProblem, chosen: np.ndarray) -> float:
    """An upper bound on the best coverage within the budget, from a feasible choice.

    For any set S, f(OPT) <= f(S) + the most that the gains of the other candidates
    (measured against S) can add within the whole budget (submodularity; Minoux 1978,
    Leskovec et al. 2007). That knapsack is bounded by its fractional relaxation:
    candidates by gain per cost, the last one taken in part.
    """
    coverage, people = problem.coverage, problem.people
    base = covered_people(coverage, people, chosen)
    left = people.copy()
    if len(chosen):
        left[coverage[np.asarray(chosen)].indices] = 0.0
    gains = coverage @ left
    weight = np.maximum(problem.weight, 0.0)
    useful = gains > 0
    free = useful & (weight <= 0)
    gains_free = float(gains[free].sum())
    paid = np.flatnonzero(useful & ~free)
    ratio = gains[paid] / weight[paid]
    paid = paid[np.argsort(-ratio, kind="stable")]
    spend = np.cumsum(weight[paid])
    full = spend <= problem.limit
    extra = float(gains[paid][full].sum())
    partial = np.flatnonzero(~full)
    if partial.size:
        k = paid[partial[0]]
        room = problem.limit - (spend[partial[0] - 1] if partial[0] > 0 else 0.0)
        extra += float(gains[k]) * max(room, 0.0) / float(weight[k])
    return base + gains_free + extra

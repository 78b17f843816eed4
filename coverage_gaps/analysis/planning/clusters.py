"""Gap clusters: the target villages grouped into lots that one site could serve.

Method: a greedy set cover over the candidates, with no budget. The candidate covering the
most people among the villages not yet in a cluster founds the next cluster, made of those
villages; this repeats until every village some candidate reaches is in a cluster (ties go
to the lower candidate index, so the clusters are the same on every run). Each cluster is
therefore servable by one site, its founding candidate, and clusters ignore administrative
boundaries: a cluster lists every commune it spans (Nigeria's Universal Service Provision
Fund tenders such clusters; see /work/shared/reference/propagation-and-evidence.md, section 4).

Connected components of villages within twice the range were considered and rejected: along
a valley they chain villages 50 km apart into one component that no single site serves.
The greedy set cover needs at most ln(villages) + 1 times as many clusters as the fewest
possible (Johnson 1974; Chvátal 1979).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import sparse

from .greedy import lazy_greedy
from .problem import Budget, CoverageProblem, prepare_problem

__all__ = ["CLUSTER_COLUMNS", "ClusterResult", "gap_clusters"]

CLUSTER_COLUMNS = ("cluster", "candidate", "villages", "people", "communes", "n_communes")
#: Weight of a village in the cover besides its people, so that villages with no recorded
#: people are still clustered (it never outweighs one person).
_PRESENCE = 1e-6


@dataclass(frozen=True)
class ClusterResult:
    """Gap clusters (see the module docstring).

    Attributes
    ----------
    clusters
        One row per cluster, in the order the cover founded them (each the largest left):
        ``cluster`` (1, 2, ...), ``candidate`` (the site
        that can serve it), ``villages``, ``people``, ``communes`` (the communes it spans,
        sorted, joined by "; ") and ``n_communes``.
    villages
        One row per target village, in input order: ``village``, ``cluster`` (missing when no
        candidate reaches it) and ``candidate``.
    """

    clusters: pd.DataFrame
    villages: pd.DataFrame


def gap_clusters(
    coverage: sparse.sparray | sparse.spmatrix | np.ndarray,
    people: ArrayLike,
    *,
    communes: ArrayLike | None = None,
    candidate_ids: Sequence[object] | pd.Index | None = None,
    village_ids: Sequence[object] | pd.Index | None = None,
) -> ClusterResult:
    """Group the target villages into clusters one site could serve.

    Parameters
    ----------
    coverage
        Candidates x target villages (as for
        :func:`~coverage_gaps.analysis.planning.plan_sites`).
    people
        People per target village.
    communes
        The commune (code or name) of each target village; missing values are left out of
        the cluster's list.
    candidate_ids, village_ids
        Labels for the tables.

    Examples
    --------
    >>> import numpy as np
    >>> cover = np.array([[1, 1, 0], [0, 1, 1]], dtype=bool)
    >>> result = gap_clusters(cover, [10, 20, 5], communes=["A", "B", "B"])
    >>> result.clusters[["cluster", "candidate", "people", "communes"]].values.tolist()
    [[1, 0, 30.0, 'A; B'], [2, 1, 5.0, 'B']]
    """
    problem = prepare_problem(
        coverage,
        people,
        budget=Budget(sites=max(np.shape(coverage)[0], 1)),
        candidate_ids=candidate_ids,
        village_ids=village_ids,
    )
    weights = problem.people + _PRESENCE
    order = lazy_greedy(problem.coverage, weights, problem.weight, fits=float(len(weights) + 1))
    member = _first_cover(problem.coverage, order)
    in_cluster = member >= 0
    villages = pd.DataFrame(
        {
            "village": problem.village_ids,
            "cluster": pd.array(np.where(in_cluster, member + 1, 0), dtype="Int64"),
            "candidate": pd.Series(pd.NA, index=range(len(member)), dtype="object").to_numpy(),
        }
    )
    villages.loc[~in_cluster, "cluster"] = pd.NA
    villages.loc[in_cluster, "candidate"] = np.asarray(
        problem.candidate_ids[order[member[in_cluster]]], dtype=object
    )
    return ClusterResult(_cluster_table(problem, member, order, communes), villages)


def _first_cover(coverage: sparse.csr_array, order: np.ndarray) -> np.ndarray:
    """Per village, the position in ``order`` of the first candidate covering it (-1: none)."""
    first = np.full(coverage.shape[1], -1, dtype=np.int64)
    if len(order) == 0:
        return first
    sub = coverage[order].tocsc()
    has = np.diff(sub.indptr) > 0
    first[has] = sub.indices[sub.indptr[:-1][has]]
    return first


def _cluster_table(
    problem: CoverageProblem, member: np.ndarray, order: np.ndarray, communes: ArrayLike | None
) -> pd.DataFrame:
    """One row per cluster, in the order the cover founded them (largest first)."""
    inside = member >= 0
    names = (
        np.full(int(inside.sum()), None, dtype=object)
        if communes is None
        else np.asarray(communes, dtype=object).reshape(-1)[inside]
    )
    frame = pd.DataFrame(
        {"position": member[inside], "people": problem.people[inside], "commune": names}
    )
    grouped = frame.groupby("position", sort=True)
    spans = (
        frame.dropna(subset=["commune"])
        .assign(commune=lambda f: f["commune"].astype(str))
        .drop_duplicates(["position", "commune"])
        .sort_values(["position", "commune"], kind="stable")
        .groupby("position")["commune"]
    )
    table = pd.DataFrame({"villages": grouped.size(), "people": grouped["people"].sum()})
    table["communes"] = spans.agg("; ".join).reindex(table.index, fill_value="")
    table["n_communes"] = spans.size().reindex(table.index, fill_value=0).astype(np.int64)
    positions = table.index.to_numpy()
    table.insert(0, "candidate", np.asarray(problem.candidate_ids[order[positions]], dtype=object))
    table.insert(0, "cluster", (positions + 1).astype(np.int64))
    return table.reset_index(drop=True)[list(CLUSTER_COLUMNS)]

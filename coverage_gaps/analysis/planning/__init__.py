"""Where to build: choose new sites that cover the most people in the gap within a budget.

- :func:`plan_sites` solves the maximum-coverage problem (exact, greedy or auto) and returns
  a :class:`PlanResult` (the chosen sites in order, every target village's outcome, the
  bound on the optimum);
- :func:`coverage_matrix` builds the candidates x villages matrix from any coverage model
  (:func:`range_covers` now, a received-power model through :func:`power_covers`);
- :func:`generate_candidates` lays a grid of candidates near the gap, snapped to local high
  points of a DEM;
- :func:`gap_clusters` groups the target villages into lots one site could serve;
- :func:`plan_new_sites` does all of it for a project run (``planning:``), with the
  site-prediction models (:mod:`.radio`).
"""

from .candidates import CANDIDATE_COLUMNS, generate_candidates
from .clusters import CLUSTER_COLUMNS, ClusterResult, gap_clusters
from .matrix import (
    Covers,
    PowerModel,
    TargetPoints,
    coverage_matrix,
    pairs_within,
    power_covers,
    range_covers,
)
from .plan import AUTO_EXACT_MAX_SIZE, METHODS, plan_sites
from .problem import Budget
from .project import (
    CLUSTER_TABLE_COLUMNS,
    SITE_TABLE_COLUMNS,
    VILLAGE_TABLE_COLUMNS,
    plan_new_sites,
    select_targets,
)
from .radio import Radio, candidate_coverage, planning_grid, predict_chosen
from .tables import REASONS, SITE_COLUMNS, VILLAGE_COLUMNS, PlanResult

__all__ = [
    "AUTO_EXACT_MAX_SIZE",
    "CANDIDATE_COLUMNS",
    "CLUSTER_COLUMNS",
    "CLUSTER_TABLE_COLUMNS",
    "METHODS",
    "REASONS",
    "SITE_COLUMNS",
    "SITE_TABLE_COLUMNS",
    "VILLAGE_COLUMNS",
    "VILLAGE_TABLE_COLUMNS",
    "Budget",
    "ClusterResult",
    "Covers",
    "PlanResult",
    "PowerModel",
    "Radio",
    "TargetPoints",
    "candidate_coverage",
    "coverage_matrix",
    "gap_clusters",
    "generate_candidates",
    "pairs_within",
    "plan_new_sites",
    "plan_sites",
    "planning_grid",
    "power_covers",
    "predict_chosen",
    "range_covers",
    "select_targets",
]

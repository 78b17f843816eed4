"""The YAML project file: every key declared once, checked with every problem collected."""

from .planning import CandidatesSpec, GenerateSpec, PlanningBudgetSpec, PlanningSpec
from .priority import DEFAULT_WEIGHTS, AssignmentSpec, BudgetSpec, PrioritySpec
from .project import (
    DEFAULT_THRESHOLDS_DBM,
    CommunesSpec,
    CoverageSpec,
    FacilitiesSpec,
    FibreSpec,
    ProjectConfig,
    SitesSpec,
    VillagesSpec,
    load_config,
    parse_config,
)

__all__ = [
    "DEFAULT_THRESHOLDS_DBM",
    "DEFAULT_WEIGHTS",
    "AssignmentSpec",
    "BudgetSpec",
    "CandidatesSpec",
    "CommunesSpec",
    "CoverageSpec",
    "FacilitiesSpec",
    "FibreSpec",
    "GenerateSpec",
    "PlanningBudgetSpec",
    "PlanningSpec",
    "PrioritySpec",
    "ProjectConfig",
    "SitesSpec",
    "VillagesSpec",
    "load_config",
    "parse_config",
]

"""The YAML project file: every key declared once, checked with every problem collected."""

from .evidence import DEFAULT_SPEED_MBPS, ChallengesSpec, MeasurementSpec, OoklaSpec
from .planning import CandidatesSpec, GenerateSpec, PlanningBudgetSpec, PlanningSpec
from .priority import DEFAULT_WEIGHTS, AssignmentSpec, BudgetSpec, PrioritySpec
from .project import (
    COVERAGE_KINDS,
    DEFAULT_THRESHOLDS_DBM,
    SITE_ENVIRONMENTS,
    SITE_FIELDS,
    SITE_MODELS,
    CommunesSpec,
    CoverageSpec,
    EngineSpec,
    FacilitiesSpec,
    FibreSpec,
    ProjectConfig,
    SitesSpec,
    VillagesSpec,
    load_config,
    parse_config,
)

__all__ = [
    "DEFAULT_SPEED_MBPS",
    "COVERAGE_KINDS",
    "DEFAULT_THRESHOLDS_DBM",
    "SITE_ENVIRONMENTS",
    "SITE_FIELDS",
    "SITE_MODELS",
    "DEFAULT_WEIGHTS",
    "AssignmentSpec",
    "BudgetSpec",
    "CandidatesSpec",
    "ChallengesSpec",
    "CommunesSpec",
    "CoverageSpec",
    "EngineSpec",
    "FacilitiesSpec",
    "FibreSpec",
    "GenerateSpec",
    "PlanningBudgetSpec",
    "PlanningSpec",
    "MeasurementSpec",
    "OoklaSpec",
    "PrioritySpec",
    "ProjectConfig",
    "SitesSpec",
    "VillagesSpec",
    "load_config",
    "parse_config",
]

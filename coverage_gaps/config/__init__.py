"""The YAML project file: every key declared once, checked with every problem collected."""

from .priority import DEFAULT_WEIGHTS, AssignmentSpec, BudgetSpec, PrioritySpec
from .project import (
    DEFAULT_THRESHOLDS_DBM,
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
    "DEFAULT_THRESHOLDS_DBM",
    "DEFAULT_WEIGHTS",
    "AssignmentSpec",
    "BudgetSpec",
    "CommunesSpec",
    "CoverageSpec",
    "EngineSpec",
    "FacilitiesSpec",
    "FibreSpec",
    "PrioritySpec",
    "ProjectConfig",
    "SitesSpec",
    "VillagesSpec",
    "load_config",
    "parse_config",
]

"""The YAML project file: every key declared once, checked with every problem collected."""

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
    "COVERAGE_KINDS",
    "DEFAULT_THRESHOLDS_DBM",
    "SITE_ENVIRONMENTS",
    "SITE_FIELDS",
    "SITE_MODELS",
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

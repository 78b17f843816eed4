"""coverage-gaps: villages without mobile signal or fibre, and where to build first.

The public API, stage by stage::

    cfg = load_config("project.yml")           # config
    inputs = load_inputs(cfg)                  # load, check, reproject (every problem at once)
    result = analyse(inputs)                   # per-village coverage, summaries
    write_outputs(result, cfg.output)          # GeoPackage, CSV, run.json (atomic)

or all at once: ``run_project("project.yml")``.
"""

__version__ = "0.1.0"

from ._errors import ConfigError, CoverageGapsError, InputDataError, OutputError, Problem
from .analysis import classify_villages, summarise_communes, summarise_provinces
from .boundaries import load_communes
from .carriers import TECHNOLOGIES, carrier_slug, normalise_carrier, normalise_technology
from .config import DEFAULT_THRESHOLDS_DBM, ProjectConfig, load_config, parse_config
from .crosswalk import Crosswalk, compare_crosswalks, convert_codes
from .crs import choose_working_crs
from .layers import (
    CoverageLayer,
    distance_to_fibre,
    load_coverage_layer,
    load_fibre,
    measure_covered_area,
    sample_coverage,
)
from .maps import build_map, render_run_map, write_maps
from .names import match_names, name_key
from .outputs import write_outputs
from .pipeline import Inputs, RunResult, analyse, load_inputs, run_project, validate_project
from .textcodecs import EncodingGuess, detect_encoding
from .villages import assign_villages_to_communes, load_villages
from .vn2000 import check_datum, export_crs, find_coordinate_faults, resolve_crs, tm3_crs

__all__ = [
    "DEFAULT_THRESHOLDS_DBM",
    "TECHNOLOGIES",
    "ConfigError",
    "CoverageGapsError",
    "CoverageLayer",
    "Crosswalk",
    "EncodingGuess",
    "InputDataError",
    "Inputs",
    "OutputError",
    "Problem",
    "ProjectConfig",
    "RunResult",
    "__version__",
    "analyse",
    "assign_villages_to_communes",
    "build_map",
    "carrier_slug",
    "check_datum",
    "choose_working_crs",
    "classify_villages",
    "compare_crosswalks",
    "convert_codes",
    "detect_encoding",
    "distance_to_fibre",
    "export_crs",
    "find_coordinate_faults",
    "load_communes",
    "load_config",
    "load_coverage_layer",
    "load_fibre",
    "load_inputs",
    "load_villages",
    "match_names",
    "measure_covered_area",
    "name_key",
    "normalise_carrier",
    "normalise_technology",
    "render_run_map",
    "parse_config",
    "resolve_crs",
    "run_project",
    "sample_coverage",
    "summarise_communes",
    "summarise_provinces",
    "tm3_crs",
    "validate_project",
    "write_maps",
    "write_outputs",
]

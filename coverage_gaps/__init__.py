"""coverage-gaps: villages without mobile signal or fibre, and where to build first.

The public API, stage by stage::

    cfg = load_config("project.yml")           # config
    inputs = load_inputs(cfg)                  # load, check, reproject (every problem at once)
    result = analyse(inputs)                   # per-village coverage, summaries
    write_outputs(result, cfg.output)          # GeoPackage, CSV, run.json (atomic)

or all at once: ``run_project("project.yml")``.
"""

from ._errors import (
    ConfigError,
    CoverageGapsError,
    CoverageGapsWarning,
    InputDataError,
    OutputError,
    Problem,
    collect_warnings,
)
from ._version import __version__
from .analysis import (
    assign_villages_to_communes,
    choose_working_crs,
    classify_villages,
    distance_to_fibre,
    measure_covered_area,
    predict_coverage,
    predict_points,
    sample_coverage,
    summarise_communes,
    summarise_provinces,
)
from .config import DEFAULT_THRESHOLDS_DBM, ProjectConfig, load_config, parse_config
from .inputs import (
    load_communes,
    load_coverage_layer,
    load_fibre,
    load_site_list,
    load_villages,
)
from .outputs import build_map, render_run_map, write_maps, write_outputs
from .pipeline import analyse, load_inputs, run_project, validate_project
from .results import CoverageLayer, Inputs, PlanningResult, RunResult
from .vietnam import (
    TECHNOLOGIES,
    Crosswalk,
    EncodingGuess,
    carrier_slug,
    check_datum,
    compare_crosswalks,
    convert_codes,
    detect_encoding,
    export_crs,
    find_coordinate_faults,
    match_names,
    name_key,
    normalise_carrier,
    normalise_technology,
    resolve_crs,
    tm3_crs,
)

__all__ = [
    "DEFAULT_THRESHOLDS_DBM",
    "TECHNOLOGIES",
    "ConfigError",
    "CoverageGapsError",
    "CoverageGapsWarning",
    "CoverageLayer",
    "Crosswalk",
    "EncodingGuess",
    "InputDataError",
    "Inputs",
    "OutputError",
    "PlanningResult",
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
    "collect_warnings",
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
    "load_site_list",
    "load_villages",
    "match_names",
    "measure_covered_area",
    "name_key",
    "normalise_carrier",
    "normalise_technology",
    "render_run_map",
    "parse_config",
    "predict_coverage",
    "predict_points",
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

"""The whole analysis: load and check inputs, analyse, write outputs.

Each stage is a plain function over GeoDataFrames and arrays (no global
state), so the same stages can later run partition by partition.

Examples
--------
>>> from coverage_gaps import run_project
>>> result = run_project("outputs/demo/inputs/project.yml")  # doctest: +SKIP
>>> result.provinces[["villages", "villages_gap_mobile"]]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from tqdm.auto import tqdm

from ._errors import InputDataError, Problem
from ._io import check_exists
from .analysis import classify_villages, summarise_communes, summarise_provinces
from .boundaries import load_communes
from .config import ProjectConfig, load_config
from .crs import choose_working_crs
from .layers import (
    CoverageLayer,
    RasterSample,
    check_raster_sample,
    distance_to_fibre,
    load_coverage_layer,
    load_fibre,
    measure_covered_area,
    sample_coverage,
    sample_raster,
)
from .priority import (
    PriorityResult,
    load_assignments,
    load_facilities,
    load_sites,
    rank_villages,
)
from .villages import assign_villages_to_communes, load_villages, lon_lat_swapped

__all__ = ["Inputs", "RunResult", "analyse", "load_inputs", "run_project", "validate_project"]

log = logging.getLogger(__name__)


@dataclass
class Inputs:
    """Every input loaded, checked and reprojected to the working CRS."""

    config: ProjectConfig
    working_crs: CRS
    communes: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    layers: list[CoverageLayer]
    fibre: gpd.GeoDataFrame | None
    issues: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: raster values at the villages, read once while checking (reused by :func:`analyse`)
    samples: dict[str, RasterSample] = field(default_factory=dict)
    sites: gpd.GeoDataFrame | None = None
    facilities: gpd.GeoDataFrame | None = None
    assignments: pd.DataFrame | None = None


@dataclass
class RunResult:
    """What a run produced: the tables, where they were written, and how it went."""

    config: ProjectConfig
    working_crs: CRS
    villages: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    provinces: pd.DataFrame
    issues: list[Problem]
    timings: dict[str, float]
    priority: PriorityResult | None = None
    output: Path | None = None


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    log.info("%s ...", stage)
    try:
        yield
    finally:
        timings[stage] = round(time.perf_counter() - start, 3)
        log.info("%s done in %.2f s", stage, timings[stage])


def _collect(problems: list[Problem], fn: Callable[[], object]) -> object | None:
    try:
        return fn()
    except InputDataError as exc:
        problems.extend(exc.problems)
        return None


def load_inputs(config: ProjectConfig, *, progress: bool = False) -> Inputs:
    """Load, check and reproject every input; report every problem at once.

    Parameters
    ----------
    config
        A checked project (see :func:`coverage_gaps.load_config`).
    progress
        Show a progress bar over the coverage layers.

    Raises
    ------
    InputDataError
        Listing every problem in every input.

    Examples
    --------
    >>> inputs = load_inputs(load_config("project.yml"))  # doctest: +SKIP
    >>> inputs.working_crs.to_epsg()  # doctest: +SKIP
    32648
    """
    problems: list[Problem] = []
    issues: list[Problem] = []
    timings: dict[str, float] = {}
    with _timed(timings, "load_communes"):
        communes = _collect(
            problems,
            lambda: load_communes(config.communes, province_fallback=config.name, issues=issues),
        )
    with _timed(timings, "load_villages"):
        villages = _collect(problems, lambda: load_villages(config.villages, issues=issues))
    basis = communes if isinstance(communes, gpd.GeoDataFrame) else villages
    working = (
        choose_working_crs(basis, requested=config.working_crs)
        if isinstance(basis, gpd.GeoDataFrame)
        else CRS.from_epsg(32648)
    )
    log.info("working CRS: %s", working.name)
    crs_seen: dict[str, str] = {}
    for spec_path, frame in ((config.communes.path, communes), (config.villages.path, villages)):
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
            crs_seen[str(spec_path)] = CRS.from_user_input(frame.crs).to_string()
    if isinstance(communes, gpd.GeoDataFrame) and isinstance(villages, gpd.GeoDataFrame):
        swapped = lon_lat_swapped(villages, communes)
        if swapped is not None:
            problems.append(
                Problem(
                    str(config.villages.path),
                    f"columns '{config.villages.x}'/'{config.villages.y}'",
                    f"longitude and latitude look swapped: {swapped} of {len(villages)} villages fall "
                    "inside the communes' area only with x and y exchanged.",
                    "exchange the 'x' and 'y' keys of 'villages:' in the project file (or the "
                    "columns in the file).",
                )
            )
            villages = None
    if isinstance(communes, gpd.GeoDataFrame):
        communes = communes.to_crs(working)
    if isinstance(villages, gpd.GeoDataFrame):
        villages = villages.to_crs(working)
        if isinstance(communes, gpd.GeoDataFrame):
            villages = _collect(
                problems,
                lambda: assign_villages_to_communes(
                    villages,
                    communes,
                    max_snap_m=config.villages.max_snap_m,
                    source=str(config.villages.path),
                    issues=issues,
                ),
            )
    layers: list[CoverageLayer] = []
    samples: dict[str, RasterSample] = {}
    with _timed(timings, "load_coverage"):
        for spec in tqdm(
            config.coverage, desc="checking coverage layers", unit="layer", disable=not progress
        ):
            layer = _collect(
                problems, partial(load_coverage_layer, spec, working_crs=working, issues=issues)
            )
            if isinstance(layer, CoverageLayer):
                layers.append(layer)
                if isinstance(villages, gpd.GeoDataFrame) and layer.kind == "raster":
                    samples[layer.column] = sample_raster(layer, villages.geometry)
                    errors, warns = check_raster_sample(layer, samples[layer.column])
                    problems.extend(errors)
                    issues.extend(warns)
    fibre = None
    if config.fibre is not None:
        with _timed(timings, "load_fibre"):
            spec_f = config.fibre
            fibre = _collect(
                problems, lambda: load_fibre(spec_f, working_crs=working, issues=issues)
            )
    sites = facilities = assignments = None
    with _timed(timings, "load_priority_inputs"):
        if config.sites is not None:
            sites = _collect(problems, partial(load_sites, config.sites, working_crs=working))
        if config.facilities is not None:
            facilities = _collect(
                problems, partial(load_facilities, config.facilities, working_crs=working)
            )
        if config.priority.assignments is not None:
            assignments = _collect(problems, partial(load_assignments, config.priority.assignments))
        if config.priority.dem is not None:
            problem = check_exists(config.priority.dem, "DEM (priority.dem)")
            if problem:
                problems.append(problem)
    for layer in layers:
        if layer.kind == "raster" and layer.crs is not None:
            crs_seen[str(layer.spec.path)] = layer.crs.to_string()
    if len(set(crs_seen.values())) > 1:
        listing = "; ".join(f"{Path(k).name}: {v}" for k, v in crs_seen.items())
        issues.append(
            Problem(
                "inputs",
                "",
                f"the inputs use different coordinate systems ({listing}); all were reprojected "
                f"to the working CRS {working.to_string()}.",
                "nothing to do if each file's CRS is right; otherwise fix the file's CRS.",
            )
        )
    if problems:
        raise InputDataError(problems)
    assert isinstance(communes, gpd.GeoDataFrame) and isinstance(villages, gpd.GeoDataFrame)
    for issue in issues:
        log.warning("%s", issue)
    return Inputs(
        config=config,
        working_crs=working,
        communes=communes,
        villages=villages,
        layers=layers,
        fibre=fibre if isinstance(fibre, gpd.GeoDataFrame) else None,
        issues=issues,
        timings=timings,
        samples=samples,
        sites=sites if isinstance(sites, gpd.GeoDataFrame) else None,
        facilities=facilities if isinstance(facilities, gpd.GeoDataFrame) else None,
        assignments=assignments if isinstance(assignments, pd.DataFrame) else None,
    )


def validate_project(config: ProjectConfig | str | Path) -> list[Problem]:
    """Check every input of a project without analysing or writing anything.

    Returns
    -------
    list of Problem
        Warnings (repaired geometries, villages outside a raster, ...).

    Raises
    ------
    InputDataError
        Listing every error in every input.

    Examples
    --------
    >>> warnings = validate_project("project.yml")  # doctest: +SKIP
    """
    cfg = config if isinstance(config, ProjectConfig) else load_config(config)
    return load_inputs(cfg).issues


def analyse(inputs: Inputs, *, progress: bool = False) -> RunResult:
    """Coverage per village, fibre reach, commune and province summaries.

    Examples
    --------
    >>> result = analyse(load_inputs(load_config("project.yml")))  # doctest: +SKIP
    """
    cfg = inputs.config
    timings = dict(inputs.timings)
    villages = inputs.villages
    with _timed(timings, "sample_coverage"):
        coverage: dict[str, tuple[str, np.ndarray]] = {}
        for layer in tqdm(
            inputs.layers, desc="sampling coverage", unit="layer", disable=not progress
        ):
            cached = inputs.samples.get(layer.column)
            covered = (
                layer.covered_values(cached.values, cached.valid)
                if cached is not None and len(cached.values) == len(villages)
                else sample_coverage(layer, villages.geometry)
            )
            coverage[layer.column] = (layer.spec.technology, covered)
    with _timed(timings, "fibre"):
        dist = (
            distance_to_fibre(villages.geometry, inputs.fibre.geometry)
            if inputs.fibre is not None
            else None
        )
    wgs = villages.geometry.to_crs(4326)
    with _timed(timings, "classify"):
        table = classify_villages(
            villages,
            coverage,
            fibre_distance_m=dist,
            max_fibre_distance_m=cfg.fibre.max_distance_m if cfg.fibre else 0.0,
            lon=wgs.x.to_numpy(),
            lat=wgs.y.to_numpy(),
        )
    with _timed(timings, "coverage_area"):
        shares = measure_covered_area(
            inputs.communes, inputs.layers, resolution=cfg.area_resolution_m
        )
    with _timed(timings, "summaries"):
        techs = cfg.technologies
        communes = summarise_communes(
            table,
            inputs.communes,
            technologies=techs,
            area_shares=shares,
            fibre_given=cfg.fibre is not None,
        )
        provinces = summarise_provinces(
            communes, technologies=techs, fibre_given=cfg.fibre is not None
        )
    with _timed(timings, "priority"):
        src = inputs.villages
        priority = rank_villages(
            table,
            spec=cfg.priority,
            carriers=sorted({c.carrier for c in cfg.coverage}),
            max_fibre_distance_m=cfg.fibre.max_distance_m if cfg.fibre is not None else None,
            sites=inputs.sites,
            facilities=inputs.facilities,
            fibre=inputs.fibre,
            assignments=inputs.assignments,
            households=src["households"].to_numpy() if "households" in src else None,
            electricity=src["electricity"].to_numpy() if "electricity" in src else None,
            language=cfg.language,
        )
    return RunResult(
        config=cfg,
        working_crs=inputs.working_crs,
        villages=table,
        communes=communes,
        provinces=provinces,
        issues=list(inputs.issues),
        timings=timings,
        priority=priority,
    )


def run_project(
    config: ProjectConfig | str | Path,
    *,
    output: str | Path | None = None,
    write: bool = True,
    progress: bool = False,
) -> RunResult:
    """Run the whole analysis and write the outputs.

    Parameters
    ----------
    config
        A :class:`ProjectConfig` or the path of a YAML project file.
    output
        Output folder (overrides the project's ``output``).
    write
        Write the output files (atomically); ``False`` only computes.
    progress
        Show progress bars.

    Returns
    -------
    RunResult

    Raises
    ------
    InputDataError
        When an input is bad; nothing is written then.
    OutputError
        When the output folder cannot be used.

    Examples
    --------
    >>> result = run_project("project.yml", output="outputs/run1")  # doctest: +SKIP
    >>> int(result.provinces["villages_gap_mobile"].sum())  # doctest: +SKIP
    42
    """
    from ._atomic import check_output_dir
    from .outputs import write_outputs

    start = time.perf_counter()
    cfg = config if isinstance(config, ProjectConfig) else load_config(config)
    if output is not None:
        from dataclasses import replace

        cfg = replace(cfg, output=Path(output).resolve())
    if write:
        check_output_dir(
            cfg.output, inputs=[*cfg.input_paths(), *([cfg.source] if cfg.source else [])]
        )
    inputs = load_inputs(cfg, progress=progress)
    result = analyse(inputs, progress=progress)
    if write:
        with _timed(result.timings, "write_outputs"):
            write_outputs(result, cfg.output, started=start)
        result.output = cfg.output
    return result

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
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from tqdm.auto import tqdm

from ._errors import InputDataError, Problem, collect_warnings, warn_problem, warn_problems
from ._machine import frozen_heap, lower_thread_priority
from .analysis import areas
from .analysis.areas import area_shares
from .analysis.classify import classify_project_villages
from .analysis.coverage import nearest_fibre_feature, sample_coverage, sample_raster
from .analysis.crs import CHECKING_CRS, choose_working_crs
from .analysis.evidence import (
    assess_evidence,
    declared_layers,
    measured_columns,
    median_tile_speed,
    recompute_gap_mobile,
    sample_declared,
)
from .analysis.grid import read_layer_grids
from .analysis.placing import assign_villages_to_communes
from .analysis.priority import rank_villages
from .analysis.propagation import (
    FREQUENCY_RANGE_MHZ,
    Grid,
    Terrain,
    load_terrain,
    predict_layer,
    prediction_grid,
    reaching_sites,
    site_reach,
)
from .analysis.summaries import (
    province_members,
    summarise_communes,
    summarise_provinces,
    union_communes,
)
from .config.project import DEFAULT_THRESHOLDS_DBM, CoverageSpec, ProjectConfig, load_config
from .engines.dask import DaskVillages, analyse_on_dask, dask_client
from .inputs.candidates import budget_problems, load_candidates, place_in_communes
from .inputs.communes import load_communes
from .inputs.coverage import check_raster_sample, load_coverage_layer
from .inputs.fibre import load_fibre
from .inputs.measurements import combine_measurements, load_measurements, load_ookla_tiles
from .inputs.sites import load_assignments, load_facilities, load_sites
from .inputs.sites_list import check_dem, read_site_layer, split_site_layer
from .inputs.villages import VILLAGE_INPUT_COLUMNS, load_villages, lon_lat_swapped
from .io.atomic import check_output_dir
from .io.checks import check_exists
from .io.rasters import raster_crs
from .io.readers import vector_crs
from .outputs.files import write_outputs
from .outputs.maps import draw_communes
from .results import (
    ChallengeRules,
    CommuneDrawings,
    CoverageGrids,
    CoverageLayer,
    EvidenceResult,
    Inputs,
    PlanningResult,
    PriorityResult,
    RasterSample,
    RunResult,
)

__all__ = [
    "Inputs",
    "RunResult",
    "analyse",
    "analyse_on_engine",
    "load_inputs",
    "run_project",
    "validate_project",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    log.info("%s ...", stage)
    try:
        yield
    finally:
        timings[stage] = round(time.perf_counter() - start, 3)
        log.info("%s done in %.2f s", stage, timings[stage])


def _collect(problems: list[Problem], fn: Callable[[], T]) -> T | None:
    """``fn()``, or None with its problems added to ``problems``."""
    try:
        return fn()
    except InputDataError as exc:
        problems.extend(exc.problems)
        return None


def load_inputs(
    config: ProjectConfig,
    *,
    progress: bool = False,
    villages: bool = True,
    grids: bool = True,
    on_communes: Callable[[gpd.GeoDataFrame, CRS], object] | None = None,
) -> Inputs:
    """Load, check and reproject every input; report every problem at once.

    Findings that do not stop the run (repaired geometries, villages outside a
    raster, ...) are :class:`~coverage_gaps.CoverageGapsWarning` warnings, collected
    into ``Inputs.issues``.

    A ``kind: sites`` layer is read here (site list and DEM checked with the other
    inputs), split into one layer per carrier × technology (``Inputs.config.coverage``
    lists them), and, once every input is good, its coverage predicted onto a grid over
    the communes: a raster layer held in memory, sampled at the villages like any raster
    (see :func:`_predict_site_layers`).

    Parameters
    ----------
    config
        A checked project (see :func:`coverage_gaps.load_config`).
    progress
        Show progress bars (coverage layers, raster blocks).
    villages
        ``False``: everything but the villages, which ``Inputs.villages`` then holds none
        of (the Dask engine reads them by partitions).
    grids
        Read the raster layers onto the area grid while sampling them (one read of each
        block, shared with the area shares and the map); ``False`` samples the villages
        only (enough to check the inputs).
    on_communes
        Called with the communes in the working CRS and that CRS as soon as they are
        loaded without a problem (work that needs only them can start while the rest
        loads: see :func:`analyse_on_engine`).

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
    timings: dict[str, float] = {}
    notes: list[Problem] = []
    with collect_warnings() as issues:
        communes, placed, working, file_crs = _load_places(
            config, problems, timings, villages, on_communes=on_communes
        )
        with _timed(timings, "load_coverage"):
            layers, samples, shared = _load_layers(
                config, communes, placed, working, problems, progress, grids
            )
        with _timed(timings, "load_site_lists"):
            site_layers = _load_site_lists(config, communes, working, problems)
        config = _expand_coverage(config, site_layers, problems)
        others = _load_other_inputs(config, communes, working, problems, timings)
        notes += _report_mixed_crs(config, file_crs, layers, working)
        if site_layers and not problems:
            assert communes is not None
            with _timed(timings, "predict_coverage"):
                predicted, predicted_samples = _predict_site_layers(
                    site_layers, communes, placed, config, progress=progress
                )
            layers = _in_config_order(config, [*layers, *predicted])
            samples.update(predicted_samples)
            # the predicted layers are not on the shared grid: the area shares and the map
            # put every layer on a grid of their own (the rasters are then read twice)
            shared = None
    if problems:
        raise InputDataError(problems)
    if not villages:
        placed = gpd.GeoDataFrame(
            {c: [] for c in [*VILLAGE_INPUT_COLUMNS, "commune_name"]}, geometry=[], crs=working
        )
    assert communes is not None and placed is not None
    for issue in issues:
        log.warning("%s", issue)
    for note in notes:
        log.info("%s", note)
    return Inputs(
        config=config,
        working_crs=working,
        communes=communes,
        villages=placed,
        layers=layers,
        issues=issues,
        timings=timings,
        samples=samples,
        grids=shared,
        notes=notes,
        **others,
    )


def _load_other_inputs(
    config: ProjectConfig,
    communes: gpd.GeoDataFrame | None,
    working: CRS,
    problems: list[Problem],
    timings: dict[str, float],
) -> dict[str, Any]:
    """Fibre, the priority inputs, the planning candidates and the measurements, as
    keywords of :class:`Inputs` (each None when not given or not readable; problems
    collected)."""
    fibre = None
    if config.fibre is not None:
        with _timed(timings, "load_fibre"):
            spec_f = config.fibre
            fibre = _collect(problems, lambda: load_fibre(spec_f, working_crs=working))
    with _timed(timings, "load_priority_inputs"):
        sites, facilities, assignments = _load_priority_inputs(config, working, problems)
    with _timed(timings, "load_planning_inputs"):
        candidates = _load_planning_inputs(config, working, communes, problems)
    with _timed(timings, "load_measurements"):
        measurements, ookla = _load_evidence_inputs(config, communes, working, problems)
    return {
        "fibre": fibre,
        "sites": sites,
        "facilities": facilities,
        "assignments": assignments,
        "candidates": candidates,
        "measurements": measurements,
        "ookla": ookla,
    }


def _load_places(
    config: ProjectConfig,
    problems: list[Problem],
    timings: dict[str, float],
    wanted: bool,
    *,
    on_communes: Callable[[gpd.GeoDataFrame, CRS], object] | None = None,
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None, CRS, dict[str, str]]:
    """Communes and villages (unless not ``wanted``) in the working CRS, each village placed
    in one commune; the working CRS; the CRS each of the two files came in.
    ``on_communes(communes, working CRS)`` as soon as the communes are reprojected (when
    they were read without a problem)."""
    with _timed(timings, "load_communes"):
        communes = _collect(
            problems, lambda: load_communes(config.communes, province_fallback=config.name)
        )
    with ThreadPoolExecutor(1, "reproject") as pool:
        # the communes are reprojected in a thread while the villages are read (PROJ
        # releases the GIL: the second core is otherwise idle while the inputs load)
        working = (
            choose_working_crs(communes, requested=config.working_crs)
            if communes is not None
            else None
        )
        moved = pool.submit(communes.to_crs, working) if communes is not None else None
        villages = None
        if wanted:
            with _timed(timings, "load_villages"):
                villages = _collect(problems, lambda: load_villages(config.villages))
        if working is None:
            # with neither layer readable the run stops with their errors; a CRS is still
            # needed to go on checking the other inputs
            working = (
                choose_working_crs(villages, requested=config.working_crs)
                if villages is not None
                else CHECKING_CRS
            )
        reprojected = moved.result() if moved is not None else None
    if on_communes is not None and reprojected is not None and not problems:
        on_communes(reprojected, working)
    log.info("working CRS: %s", working.name)
    file_crs = {
        str(spec_path): CRS.from_user_input(frame.crs).to_string()
        for spec_path, frame in ((config.communes.path, communes), (config.villages.path, villages))
        if frame is not None and frame.crs is not None
    }
    if (
        communes is not None
        and villages is not None
        and _swapped(config, villages, communes, problems)
    ):
        villages = None
    communes = reprojected
    if villages is not None:
        villages = villages.to_crs(working)
    if communes is not None and villages is not None:
        placed = villages
        villages = _collect(
            problems,
            lambda: assign_villages_to_communes(
                placed,
                communes,
                max_snap_m=config.villages.max_snap_m,
                source=str(config.villages.path),
            ),
        )
    return communes, villages, working, file_crs


def _swapped(
    config: ProjectConfig,
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    problems: list[Problem],
) -> bool:
    """Whether the villages' x and y are exchanged (a problem is added then)."""
    swapped = lon_lat_swapped(villages, communes)
    if swapped is None:
        return False
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
    return True


def _load_layers(
    config: ProjectConfig,
    communes: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame | None,
    working: CRS,
    problems: list[Problem],
    progress: bool,
    grids: bool,
) -> tuple[list[CoverageLayer], dict[str, RasterSample], CoverageGrids | None]:
    """Every coverage layer, checked; rasters sampled at the villages once (kept for the
    analysis) to check that they cover them. With ``grids`` (and the communes), the rasters
    are read block by block once, for the villages and the area grid together."""
    layers: list[CoverageLayer] = []
    specs = tqdm(  # leave=False: the bar goes once done, the summary stays on screen
        config.coverage, desc="checking coverage layers", unit="layer", disable=not progress,
        leave=False,
    )  # fmt: skip
    for spec in specs:
        if spec.is_sites:  # predicted later (_load_site_lists, _predict_site_layers)
            continue
        layer = _collect(problems, partial(load_coverage_layer, spec, working_crs=working))
        if layer is not None:
            layers.append(layer)
    shared: CoverageGrids | None = None
    points = villages.geometry if villages is not None else None
    if grids and communes is not None:
        shared, samples = read_layer_grids(
            communes, layers, resolution=config.area_resolution_m, tile=areas.TILE,
            villages=points, progress=progress,
        )  # fmt: skip
    elif points is not None:
        samples = {lyr.column: sample_raster(lyr, points) for lyr in layers if lyr.kind == "raster"}
    else:
        samples = {}
    for layer in layers:
        if layer.column in samples:
            errors, warns = check_raster_sample(layer, samples[layer.column])
            problems.extend(errors)
            warn_problems(warns)
    return layers, samples, shared


# ------------------------------------------------------------- predicted layers (kind: sites)


def _grid_margin(config: ProjectConfig, spec: CoverageSpec) -> float:
    """How far the predicted grid reaches beyond the communes: villages snapped from
    outside them (``villages.max_snap_m``) still fall on it."""
    return config.villages.max_snap_m + spec.grid_resolution_m


def _load_site_lists(
    config: ProjectConfig,
    communes: gpd.GeoDataFrame | None,
    working: CRS,
    problems: list[Problem],
) -> dict[int, list[tuple[CoverageSpec, gpd.GeoDataFrame]]]:
    """``{index in config.coverage: layers}`` for each ``kind: sites`` entry: its site list
    read and split into one layer per carrier × technology, each with the sites whose reach
    touches the communes; the DEM checked under those sites. Problems are collected."""
    out: dict[int, list[tuple[CoverageSpec, gpd.GeoDataFrame]]] = {}
    for i, spec in enumerate(config.coverage):
        if not spec.is_sites:
            continue
        read = partial(
            read_site_layer, spec, working_crs=working, frequency_range_mhz=FREQUENCY_RANGE_MHZ
        )
        sites = _collect(problems, read)
        if sites is None or communes is None:  # without communes the run stops anyway
            continue
        parts = []
        for part, rows in split_site_layer(spec, sites):  # a few carriers x technologies
            area = _widened(communes.total_bounds, _grid_margin(config, part))
            parts.append((part, rows.loc[reaching_sites(rows, part, area)]))
        if spec.model == "hata+terrain" and spec.dem is not None:
            used = pd.concat([rows for _, rows in parts], ignore_index=True)
            _collect(problems, partial(check_dem, spec.dem, sites=used, role="DEM"))
        out[i] = parts
    return out


def _widened(bounds: np.ndarray, margin: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in bounds)
    return (x0 - margin, y0 - margin, x1 + margin, y1 + margin)


def _expand_coverage(
    config: ProjectConfig,
    site_layers: dict[int, list[tuple[CoverageSpec, gpd.GeoDataFrame]]],
    problems: list[Problem],
) -> ProjectConfig:
    """The project with each ``kind: sites`` entry replaced by its layers (one per carrier ×
    technology, in place); a carrier and technology given by two layers is a problem."""
    if not any(spec.is_sites for spec in config.coverage):
        return config
    expanded: list[CoverageSpec] = []
    for i, spec in enumerate(config.coverage):
        expanded += [part for part, _ in site_layers.get(i, [])] if spec.is_sites else [spec]
    seen: dict[str, CoverageSpec] = {}
    for spec in expanded:
        first = seen.setdefault(spec.column, spec)
        if first is not spec:
            problems.append(
                Problem(
                    str(config.source or "project file"),
                    "coverage",
                    f"{spec.carrier} {spec.technology} comes from two layers: "
                    f"{first.path.name} and {spec.path.name}.",
                    "keep one: remove a layer, or give the site list's layer a 'carrier:' "
                    "or 'technology:' that leaves the other out.",
                )
            )
    return replace(config, coverage=tuple(seen.values()))


def _predict_site_layers(
    site_layers: dict[int, list[tuple[CoverageSpec, gpd.GeoDataFrame]]],
    communes: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame | None,
    config: ProjectConfig,
    *,
    progress: bool,
) -> tuple[list[CoverageLayer], dict[str, RasterSample]]:
    """Each site layer predicted onto a grid over the communes (working CRS), and sampled
    at the villages (when loaded here: the Dask engine samples its partitions).

    Prediction is analysis; the run's output folder does not exist yet (it is written
    atomically at the end, and ``validate`` writes nothing), so each predicted raster is
    encoded as a GeoTIFF in memory: the villages are sampled from those bytes by the one
    raster reader, the covered areas and the map read them too, and
    :func:`~coverage_gaps.outputs.files.write_outputs` writes the very same bytes to
    ``predicted/<column>.tif``. A DEM is read once per resolution, widened by the longest
    reach of the layers that use it.
    """
    bounds = _widened(communes.total_bounds, 0.0)
    working = CRS.from_user_input(communes.crs)
    todo = [part for parts in site_layers.values() for part in parts]
    terrains = _load_terrains(todo, bounds, config, working)
    layers: list[CoverageLayer] = []
    samples: dict[str, RasterSample] = {}
    for spec, sites in tqdm(todo, desc="predicting coverage", unit="layer", disable=not progress):
        grid = prediction_grid(bounds, spec, crs=working, margin_m=_grid_margin(config, spec))
        terrain = terrains.get((spec.dem, spec.grid_resolution_m))
        layer, _ = predict_layer(spec, sites, grid=grid, terrain=terrain)
        log.info("predicted %s from %d sites", layer.column, len(sites))
        layers.append(layer)
        if villages is not None:
            samples[layer.column] = sample_raster(layer, villages.geometry)
    return layers, samples


def _load_terrains(
    site_layers: list[tuple[CoverageSpec, gpd.GeoDataFrame]],
    bounds: tuple[float, float, float, float],
    config: ProjectConfig,
    working: CRS,
) -> dict[tuple[Path | None, float], Terrain]:
    """The terrain of each (DEM, resolution) the ``hata+terrain`` layers use, on their grid
    widened by the longest reach among them."""
    reach: dict[tuple[Path | None, float], tuple[Grid, float]] = {}
    for spec, sites in site_layers:
        if spec.model != "hata+terrain" or spec.dem is None:
            continue
        k = (spec.dem, spec.grid_resolution_m)
        grid = prediction_grid(bounds, spec, crs=working, margin_m=_grid_margin(config, spec))
        longest = float(site_reach(sites, spec).max(initial=0.0))
        reach[k] = (grid, max(longest, reach[k][1] if k in reach else 0.0))
    return {
        k: load_terrain(k[0], grid=grid, margin_m=margin)
        for k, (grid, margin) in reach.items()
        if k[0] is not None
    }


def _in_config_order(config: ProjectConfig, layers: list[CoverageLayer]) -> list[CoverageLayer]:
    """The layers in the order of ``config.coverage``."""
    order = {spec.column: i for i, spec in enumerate(config.coverage)}
    return sorted(layers, key=lambda layer: order.get(layer.column, len(order)))


# ------------------------------------------------------------------------- priority inputs


def _load_priority_inputs(
    config: ProjectConfig, working: CRS, problems: list[Problem]
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None, pd.DataFrame | None]:
    """Sites, facilities and the assignment table (each optional); the DEM must exist."""
    sites = facilities = assignments = None
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
    return sites, facilities, assignments


def _load_planning_inputs(
    config: ProjectConfig,
    working: CRS,
    communes: gpd.GeoDataFrame | None,
    problems: list[Problem],
) -> gpd.GeoDataFrame | None:
    """The planning's candidates (None: none given, or generated later), placed in their
    communes and checked against the budget; the planning DEM checked."""
    plan = config.planning
    if plan is None:
        return None
    dem_ok = plan.dem is not None and _check_planning_dem(plan.dem, working, problems)
    if plan.candidates is None:
        return None
    source = str(plan.candidates.path)
    candidates = _collect(
        problems,
        partial(
            load_candidates, plan.candidates, working_crs=working, model=plan.model,
            technology=plan.technology, carrier=plan.carrier,
            frequency_range_mhz=FREQUENCY_RANGE_MHZ, dem=plan.dem if dem_ok else None,
        ),
    )  # fmt: skip
    if candidates is None or communes is None:
        return None
    placed = candidates
    inside = _collect(problems, lambda: place_in_communes(placed, communes, source=source))
    if inside is not None:
        problems.extend(budget_problems(plan.budget, inside, source=source))
    return inside


def _check_planning_dem(dem: Path, working: CRS, problems: list[Problem]) -> bool:
    """Whether ``planning.dem`` exists and holds heights with a CRS (problems added if not)."""
    problem = check_exists(dem, "DEM (planning.dem)")
    if problem:
        problems.append(problem)
        return False
    nowhere = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=working), crs=working)
    before = len(problems)
    _collect(problems, lambda: check_dem(dem, sites=nowhere, role="DEM (planning.dem)"))
    return len(problems) == before


def _report_mixed_crs(
    config: ProjectConfig, file_crs: dict[str, str], layers: list[CoverageLayer], working: CRS
) -> list[Problem]:
    """When the inputs came in different coordinate systems: a warning if a CRS was assumed
    (see :func:`_crs_assumed`), else a note (returned; nothing to check)."""
    seen = dict(file_crs)
    for layer in layers:
        if layer.kind == "raster" and layer.source == "declared" and layer.crs is not None:
            seen[str(layer.spec.path)] = layer.crs.to_string()
    if len(set(seen.values())) <= 1:
        return []
    assumed = {path for path in seen if _crs_assumed(config, path)}
    listing = "; ".join(
        f"{Path(k).name}: {v}{' (assumed)' if k in assumed else ''}" for k, v in seen.items()
    )
    what = (
        f"the inputs use different coordinate systems ({listing}); all were reprojected "
        f"to the working CRS {working.to_string()}."
    )
    if not assumed:
        return [Problem("inputs", "", what)]
    warn_problem(
        Problem(
            "inputs",
            "",
            what,
            "check each CRS marked 'assumed'; save the file with its CRS (a .prj beside a "
            "shapefile), or give a table's CRS with 'crs:' in the project file.",
        )
    )
    return []


def _crs_assumed(config: ProjectConfig, path: str) -> bool:
    """Whether the CRS of the input at ``path`` was assumed rather than declared: a table
    declares it with ``crs:`` in the project file (EPSG:4326 is assumed without); a file
    declares its own, and the project file's ``crs:`` is assumed for one that has none."""
    if path == str(config.villages.path) and config.villages.is_table:
        return config.villages.crs is None
    # path -> ('crs:' of the project file, layer, raster)
    specs: dict[str, tuple[str | None, str | None, bool]] = {
        str(s.path): (s.crs, s.layer, False) for s in (config.communes, config.villages)
    }
    specs.update({str(c.path): (c.crs, c.layer, c.is_raster) for c in config.coverage})
    given, layer, raster = specs.get(path, (None, None, False))
    if given is None:  # without 'crs:' the file's own CRS was read
        return False
    if raster:
        return raster_crs(path) is None
    return vector_crs(Path(path), layer=layer) is None


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
    return load_inputs(cfg, grids=False).issues


@dataclass(frozen=True)
class ProvinceUnions:
    """The provinces' shapes (as :func:`~coverage_gaps.analysis.summaries.dissolve_provinces`
    makes them), one union per province submitted to a pool: its threads share the provinces,
    so the last unions are not left to one core while the analysis waits for them (a single
    task for the 34 provinces kept one core busy 0.6 s after the rest of the analysis).

    Attributes
    ----------
    futures
        Per province id, in the order the provinces first appear: the union and the
        ``perf_counter`` moments it started and ended.
    """

    futures: dict[str, Future[tuple[shapely.Geometry, float, float]]]

    @classmethod
    def submit(cls, pool: ThreadPoolExecutor, communes: gpd.GeoDataFrame) -> ProvinceUnions:
        """Submit each province's union to ``pool``, those with the most vertices first (the
        small ones fill the end)."""
        members = dict(province_members(communes, communes.geometry.to_numpy()))
        sizes = {pid: int(shapely.get_num_coordinates(m).sum()) for pid, m in members.items()}
        futures = {
            pid: pool.submit(_timed_union, members[pid])
            for pid in sorted(members, key=lambda pid: -sizes[pid])
        }
        return cls({pid: futures[pid] for pid in members})

    def result(self) -> tuple[dict[str, shapely.Geometry], float]:
        """The shapes by province id, and the seconds from the first union's start to the
        last one's end."""
        done = {pid: future.result() for pid, future in self.futures.items()}
        if not done:
            return {}, 0.0
        spans = np.array([(start, end) for _, start, end in done.values()])
        seconds = round(float(spans[:, 1].max() - spans[:, 0].min()), 3)
        log.info("province_shapes done in %.2f s", seconds)
        return {pid: shape for pid, (shape, _, _) in done.items()}, seconds


def _timed_union(polygons: np.ndarray) -> tuple[shapely.Geometry, float, float]:
    """:func:`~coverage_gaps.analysis.summaries.union_communes`, with the ``perf_counter``
    moments it started and ended."""
    start = time.perf_counter()
    shape = union_communes(polygons)
    return shape, start, time.perf_counter()


@dataclass(frozen=True)
class CommuneWork:
    """The work that needs only the communes in the working CRS, running in threads.

    Attributes
    ----------
    shapes
        The provinces' shapes, one union per province (:class:`ProvinceUnions`).
    drawings
        The communes' drawings (:func:`~coverage_gaps.outputs.maps.draw_communes`) for a run
        that writes its files; None otherwise.

    Neither warns: a warning from another thread would be caught by whichever stage is
    collecting warnings at that moment.
    """

    shapes: ProvinceUnions
    drawings: Future[CommuneDrawings] | None

    @classmethod
    def start(
        cls, pool: ThreadPoolExecutor, communes: gpd.GeoDataFrame, working: CRS, *,
        drawings: bool,
    ) -> CommuneWork:  # fmt: skip
        """Submit the work on ``communes`` (in the ``working`` CRS) to ``pool``; the
        drawings only with ``drawings``."""
        drawn = pool.submit(draw_communes, communes, metric_crs=working) if drawings else None
        return cls(shapes=ProvinceUnions.submit(pool, communes), drawings=drawn)


def analyse(
    inputs: Inputs,
    *,
    progress: bool = False,
    drawings: bool = False,
    started: CommuneWork | None = None,
) -> RunResult:
    """Coverage per village, fibre reach, commune and province summaries.

    Parameters
    ----------
    inputs
        From :func:`load_inputs`.
    progress
        Show progress bars.
    drawings
        Make the communes' drawings too (``RunResult.drawings``, for a run that writes its
        files), when the work on the communes is not ``started``.
    started
        The work on the communes alone (provinces' shapes, drawings), started while the
        inputs loaded (:func:`analyse_on_engine`); else it starts here.

    Examples
    --------
    >>> result = analyse(load_inputs(load_config("project.yml")))  # doctest: +SKIP
    """
    cfg = inputs.config
    timings = dict(inputs.timings)
    with collect_warnings() as issues, ThreadPoolExecutor(3, "communes") as pool:
        # The area shares, the provinces' shapes and the communes' drawings need only the
        # communes (and the coverage grids): made in threads beside the villages' sampling,
        # fibre, classes and priority (numpy, GEOS and PROJ release the GIL: 10.8 s -> 7.2 s
        # for area shares and priority at 100,000 villages on two cores). The shapes, 3 s of
        # unions, and the drawings, 2 s, are usually ``started`` while the inputs load.
        work = started
        if work is None:
            work = CommuneWork.start(pool, inputs.communes, inputs.working_crs, drawings=drawings)
        area = pool.submit(_area_shares, inputs)
        with _timed(timings, "sample_coverage"):
            coverage = _coverage_at_villages(inputs, progress=progress)
        with _timed(timings, "fibre"):
            nearest = _nearest_fibre(inputs)
        with _timed(timings, "classify"):
            table = classify_project_villages(
                inputs.villages, coverage, fibre_distance_m=nearest[0] if nearest else None,
                config=cfg, layers=inputs.layers,
            )  # fmt: skip
        priority = _priority(inputs, table, inputs.villages, timings, fibre_nearest=nearest)
        shares, timings["coverage_area"] = area.result()
        province_shapes, timings["province_shapes"] = work.shapes.result()
        communes, provinces = _summaries(inputs, table, timings, shares=shares)
        commune_drawings = work.drawings.result() if work.drawings is not None else None
        with _timed(timings, "measured_evidence"):
            table, evidence = _measured_evidence(inputs, table)
        planning = _plan(inputs, table, timings)
    for issue in issues:
        log.warning("%s", issue)
    return RunResult(
        config=cfg,
        working_crs=inputs.working_crs,
        villages=table,
        communes=communes,
        provinces=provinces,
        issues=[*inputs.issues, *issues],
        timings=timings,
        priority=priority,
        grids=inputs.grids,
        planning=planning,
        notes=list(inputs.notes),
        evidence=evidence,
        layers=list(inputs.layers),
        province_shapes=province_shapes,
        drawings=commune_drawings,
    )


def _plan(
    inputs: Inputs, table: gpd.GeoDataFrame, timings: dict[str, float]
) -> PlanningResult | None:
    """Where to build (``planning:``), on the village table just made; None without it."""
    spec = inputs.config.planning
    if spec is None:
        return None
    threshold = (
        spec.threshold if spec.threshold is not None else DEFAULT_THRESHOLDS_DBM[spec.technology]
    )
    # imported here, by the runs that plan: SciPy (sparse matrices, HiGHS) takes half a
    # second to import, a quarter of the start-up of every other run
    from .analysis.planning import plan_new_sites

    with _timed(timings, "planning"):
        return plan_new_sites(
            table, inputs.communes, inputs.candidates, spec=spec, threshold_dbm=threshold
        )


def _coverage_at_villages(inputs: Inputs, *, progress: bool) -> dict[str, tuple[str, np.ndarray]]:
    """``{column: (technology, covered per village)}``; raster values read while checking
    the inputs are reused."""
    villages = inputs.villages
    coverage: dict[str, tuple[str, np.ndarray]] = {}
    bar = tqdm(inputs.layers, desc="sampling coverage", unit="layer", disable=not progress,
               leave=False)  # fmt: skip
    for layer in bar:
        cached = inputs.samples.get(layer.column)
        covered = (
            layer.covered_values(cached.values, cached.valid)
            if cached is not None and len(cached.values) == len(villages)
            else sample_coverage(layer, villages.geometry)
        )
        coverage[layer.column] = (layer.spec.technology, covered)
    return coverage


def _nearest_fibre(inputs: Inputs) -> tuple[np.ndarray, np.ndarray] | None:
    """Distance to and position of each village's nearest fibre feature; None without fibre."""
    if inputs.fibre is None:
        return None
    return nearest_fibre_feature(inputs.villages.geometry, inputs.fibre.geometry)


def _area_shares(inputs: Inputs) -> tuple[pd.DataFrame, float]:
    """The communes' covered area shares (filling in ``inputs.grids.inside``, where the map
    draws coverage), and the seconds they took."""
    seconds: dict[str, float] = {}
    with _timed(seconds, "coverage_area"):
        shares, _ = area_shares(
            inputs.communes,
            inputs.layers,
            resolution=inputs.config.area_resolution_m,
            grids=inputs.grids,
        )
    return shares, seconds["coverage_area"]


def _summaries(
    inputs: Inputs,
    table: gpd.GeoDataFrame | None,
    timings: dict[str, float],
    aggregated: pd.DataFrame | None = None,
    shares: pd.DataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The commune and province summaries, from the village table or its sums per commune,
    and the area ``shares`` (measured here when not given)."""
    cfg = inputs.config
    if shares is None:
        shares, timings["coverage_area"] = _area_shares(inputs)
    with _timed(timings, "summaries"):
        techs = cfg.technologies
        communes = summarise_communes(
            table,
            inputs.communes,
            technologies=techs,
            area_shares=shares,
            fibre_given=cfg.fibre is not None,
            aggregated=aggregated,
        )
        provinces = summarise_provinces(
            communes, technologies=techs, fibre_given=cfg.fibre is not None
        )
    return communes, provinces


def _priority(
    inputs: Inputs,
    table: gpd.GeoDataFrame,
    src: pd.DataFrame,
    timings: dict[str, float],
    commune_shares: np.ndarray | None = None,
    *,
    fibre_nearest: tuple[np.ndarray, np.ndarray] | None = None,
) -> PriorityResult:
    """The priority lists; ``src`` holds the villages' households and electricity."""
    cfg = inputs.config
    with _timed(timings, "priority"):
        return rank_villages(
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
            commune_shares=commune_shares,
            fibre_nearest=fibre_nearest,
        )


def analyse_on_engine(
    config: ProjectConfig,
    *,
    progress: bool = False,
    parts_dir: Path | None = None,
    drawings: bool = False,
    loaded: Callable[[], None] | None = None,
) -> RunResult:
    """Load and analyse with ``config.engine``: the local engine (:func:`load_inputs`,
    :func:`analyse`), or the Dask engine (see :mod:`coverage_gaps.engines.dask`).

    ``parts_dir``: where the Dask engine may write a village table too large to gather.
    ``drawings``: make the communes' drawings with the analysis (see :func:`analyse`; the
    local engine). ``loaded``: called once the inputs are loaded (:func:`run_project`
    freezes them, :func:`~coverage_gaps._machine.frozen_heap`).
    """
    if config.engine.kind == "local":
        return _analyse_locally(config, progress=progress, drawings=drawings, loaded=loaded)
    inputs = load_inputs(config, progress=progress, villages=False)
    if loaded is not None:
        loaded()
    timings = dict(inputs.timings)
    with collect_warnings() as issues:
        with dask_client(config.engine) as client, _timed(timings, "villages_on_dask"):
            parts = analyse_on_dask(client, inputs, parts_dir=parts_dir)
        result = _result_on_dask(inputs, parts, timings)
    for issue in issues:
        log.warning("%s", issue)
    result.issues = [*inputs.issues, *issues]
    return result


def _analyse_locally(
    config: ProjectConfig, *, progress: bool, drawings: bool,
    loaded: Callable[[], None] | None = None,
) -> RunResult:  # fmt: skip
    """:func:`load_inputs` then :func:`analyse`, the work on the communes alone started as
    soon as they are loaded, in threads of lower priority: it fills the moments the loading
    leaves a core idle without slowing the raster reading (at the same priority it doubled
    it). When the inputs are bad, their error is raised at once (the unions still running are
    not waited for)."""
    pool = ThreadPoolExecutor(2, "communes", initializer=lower_thread_priority)
    started: list[CommuneWork] = []

    def start(communes: gpd.GeoDataFrame, working: CRS) -> None:
        started.append(CommuneWork.start(pool, communes, working, drawings=drawings))

    done = False
    try:
        inputs = load_inputs(config, progress=progress, on_communes=start)
        if loaded is not None:
            loaded()
        result = analyse(inputs, progress=progress, drawings=drawings,
                         started=started[0] if started else None)  # fmt: skip
        done = True
        return result
    finally:
        pool.shutdown(wait=done, cancel_futures=not done)


def _result_on_dask(inputs: Inputs, parts: DaskVillages, timings: dict[str, float]) -> RunResult:
    """The summaries and lists from what the Dask engine gathered."""
    communes, provinces = _summaries(inputs, None, timings, aggregated=parts.aggregated)
    priority = _priority(inputs, parts.table, parts.extra, timings, parts.commune_shares)
    with _timed(timings, "measured_evidence"):
        table, evidence = _evidence_on_dask(inputs, parts)
    # the gathered table holds every village in a gap: the targets of the planning
    planning = _plan(inputs, table, timings)
    return RunResult(
        config=inputs.config,
        working_crs=inputs.working_crs,
        villages=table,
        evidence=evidence,
        planning=planning,
        communes=communes,
        provinces=provinces,
        issues=[],
        timings=timings,
        priority=priority,
        village_parts=parts.parts,
        village_groups=parts.groups,
        grids=inputs.grids,
        layers=list(inputs.layers),
        notes=list(inputs.notes),
    )


# ------------------------------------------------------------------ measured evidence


def _load_evidence_inputs(
    config: ProjectConfig,
    communes: gpd.GeoDataFrame | None,
    working: CRS,
    problems: list[Problem],
) -> tuple[gpd.GeoDataFrame | None, pd.DataFrame | None]:
    """The tests of every ``measurements:`` file in one frame (tests outside every commune
    dropped with a warning) and Ookla's tiles; each optional, problems collected."""
    frames = []
    for spec in config.measurements:
        frame = _collect(
            problems,
            partial(
                load_measurements,
                spec.path,
                working_crs=working,
                carrier=spec.carrier,
                technology=spec.technology,
                signal=spec.signal,
                time=spec.time,
                download_mbps=spec.download_mbps,
                x=spec.x,
                y=spec.y,
                crs=spec.crs,
                layer=spec.layer,
                sheet=spec.sheet,
                where=spec.where,
                encoding=spec.encoding,
                communes=communes,
            ),
        )
        if frame is not None:
            frames.append(frame)
    measurements = combine_measurements(frames) if frames else None
    ookla = None
    if config.ookla is not None:
        spec_o = config.ookla
        ookla = _collect(problems, lambda: load_ookla_tiles(spec_o.path, layer=spec_o.layer))
    return measurements, ookla


def _measured_evidence(
    inputs: Inputs, table: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, EvidenceResult | None]:
    """The village table with the evidence columns (``<carrier>_<tech>_measured``,
    ``gap_mobile_measured``; ``ookla_*`` with Ookla tiles) and the verdicts, when the
    project has measurements. Each declared layer is sampled at its own tests; a layer's
    ``declared_source`` says whether it is a raster, polygons or predicted from sites."""
    rules = ChallengeRules.from_spec(inputs.config.challenges)
    points = _village_points(table)
    extra: list[pd.DataFrame] = []
    evidence = None
    tests = inputs.measurements
    if tests is not None:
        evidence = assess_evidence(
            tests,
            gpd.GeoDataFrame({"village_id": table["village_id"]}, geometry=points),
            layers=declared_layers(inputs.layers),
            declared=sample_declared(tests, inputs.layers),
            rules=rules,
        )
        measured = measured_columns(evidence)
        measured["gap_mobile_measured"] = recompute_gap_mobile(
            table, measured, layers=evidence.layers
        )
        extra.append(measured)
    if inputs.ookla is not None:
        extra.append(median_tile_speed(points, inputs.ookla, radius_m=rules.village_radius_m))
    if not extra:
        return table, evidence
    joined = pd.concat([table.drop(columns="geometry").reset_index(drop=True), *extra], axis=1)
    return gpd.GeoDataFrame(joined, geometry=table.geometry.to_numpy(), crs=table.crs), evidence


def _evidence_on_dask(
    inputs: Inputs, parts: DaskVillages
) -> tuple[gpd.GeoDataFrame, EvidenceResult | None]:
    """The measured evidence on the village table the Dask engine gathered: every village,
    or, when the table was too large and written as parts, none (with a warning)."""
    wanted = inputs.measurements is not None or inputs.ookla is not None
    if not wanted:
        return parts.table, None
    if parts.parts is not None:
        warn_problem(
            Problem(
                "measurements",
                "",
                f"the {parts.villages:,} villages were written as parts by the Dask engine, so "
                "the measured evidence (and the Ookla column) is not computed in this run.",
                "run the project with 'engine: local' to judge the measurements.",
            )
        )
        return parts.table, None
    return _measured_evidence(inputs, parts.table)


def _village_points(table: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The villages as points in the working CRS (a point inside a village polygon)."""
    geoms = table.geometry
    if (geoms.geom_type == "Point").all():
        return gpd.GeoSeries(geoms.to_numpy(), crs=table.crs)
    return gpd.GeoSeries(geoms.representative_point().to_numpy(), crs=table.crs)


def run_project(
    config: ProjectConfig | str | Path,
    *,
    output: str | Path | None = None,
    language: str | None = None,
    write: bool = True,
    progress: bool = False,
    map_assets: str = "inline",
    engine: str | None = None,
    jobs: int | None = None,
) -> RunResult:
    """Run the whole analysis and write the outputs.

    Parameters
    ----------
    config
        A :class:`ProjectConfig` or the path of a YAML project file.
    output
        Output folder (overrides the project's ``output``).
    language
        ``vi`` or ``en`` (overrides the project's ``language``).
    write
        Write the output files (atomically); ``False`` only computes.
    progress
        Show progress bars.
    map_assets
        ``inline`` (map.html opens without internet) or ``cdn`` (it links Leaflet from
        jsDelivr); see :func:`coverage_gaps.outputs.maps.build_map`.
    engine
        ``local`` or ``dask`` (overrides the kind of the project's ``engine:``).
    jobs
        Processes writing the provinces' reports and maps (default: the cores available;
        the files are the same for any number).

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
    start = time.perf_counter()
    cfg = config if isinstance(config, ProjectConfig) else load_config(config)
    cfg = cfg.with_overrides(output=output, language=language, engine=engine)
    if write:
        check_output_dir(
            cfg.output, inputs=[*cfg.input_paths(), *([cfg.source] if cfg.source else [])]
        )
    parts_dir = _parts_dir(cfg.output) if write and cfg.engine.kind == "dask" else None
    try:
        with frozen_heap() as freeze:
            result = analyse_on_engine(cfg, progress=progress, parts_dir=parts_dir,
                                       drawings=write, loaded=freeze)  # fmt: skip
            freeze()  # the results: long-lived, and shared with the forked page writers
            if write:
                with _timed(result.timings, "write_outputs"):
                    write_outputs(result, cfg.output, started=start, map_assets=map_assets,
                                  jobs=jobs, progress=progress)  # fmt: skip
                result.output = cfg.output
                if result.village_parts is not None:
                    result.village_parts = cfg.output / "villages.parquet"
    finally:
        if parts_dir is not None and parts_dir.exists():  # a failed run leaves nothing
            shutil.rmtree(parts_dir)
    return result


def _parts_dir(output: Path) -> Path:
    """Where the Dask engine's workers write a large village table, beside the output
    folder (same file system: moved into the run's folder at the end, not copied)."""
    return output.parent / f".{output.name}.parts-{os.getpid()}"

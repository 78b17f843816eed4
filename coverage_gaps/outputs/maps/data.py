"""What one map shows (:class:`MapData`): from a run just computed, or read back from a
finished run's folder."""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from ..._errors import InputDataError, Problem
from ...analysis import areas
from ...analysis.areas import inside_mask
from ...analysis.crs import choose_working_crs
from ...analysis.grid import read_layer_grids
from ...config.project import CoverageSpec, FibreSpec, ProjectConfig, parse_config
from ...inputs.coverage import load_coverage_layer
from ...io.readers import read_vector
from ...io.runfolder import RUN_RECORD, read_run_record
from ...results import CommuneDrawings, CoverageGrids, RunResult
from ..evidence import h3_cells_table
from .aggregate import MAP_POINTS_MAX, aggregate_gap_points, gap_cells_of_parts
from .cache import MapCache
from .planning import PlanningMap, planning_map_from_result, planning_map_from_run

__all__ = ["MapData", "map_data_from_result", "map_data_from_run"]

log = logging.getLogger(__name__)

#: The folder of a run's village table when written as GeoParquet parts.
PARTS_FOLDER = "villages.parquet"
#: The columns of the priority lists the map shows.
_RANKED = ["village_id", "overall_rank", "carrier"]


@dataclass
class MapData:
    """What one map shows. Build it with :func:`map_data_from_result` or
    :func:`map_data_from_run`.

    ``villages``: one row per village with ``village_id, name, commune_id, population,
    lon, lat, best_mobile, gap_mobile, gap_fibre, fibre_distance_m`` and the coverage
    columns; ``communes``: the commune summary with geometry (any CRS); ``ranked``:
    ``village_id, overall_rank, carrier`` from the priority lists; ``planning``: the
    planning layers (where to build), when the run has them; ``predicted``: the
    raster of each layer predicted from a site list (column → the run's
    ``predicted/<column>.tif``, or the GeoTIFF's bytes when the run was not written). A run
    of more than :data:`~.aggregate.MAP_POINTS_MAX` villages, or whose village table is
    GeoParquet parts, has its gap points in ``gap_cells`` instead of ``villages``.
    """

    name: str
    villages: pd.DataFrame
    communes: gpd.GeoDataFrame
    metric_crs: CRS
    lang: str = "vi"
    synthetic: bool = False
    run_date: str = ""
    ranked: pd.DataFrame | None = None
    coverage: list[CoverageSpec] = field(default_factory=list)
    fibre: FibreSpec | None = None
    technologies: list[str] = field(default_factory=list)
    #: the run's raster layers on the area grid (overlays drawn from it, no raster read)
    grids: CoverageGrids | None = field(default=None, repr=False, compare=False)
    #: work shared by the maps of one run (see :class:`.cache.MapCache`)
    cache: MapCache | None = field(default=None, repr=False, compare=False)
    planning: PlanningMap | None = None
    #: tested H3 cells with their verdicts (``h3_cells.csv``), when the run has measurements
    cells: pd.DataFrame | None = None
    #: a large run's gap points counted per commune and H3 cell
    #: (:data:`~.aggregate.GAP_CELL_COLUMNS`); ``villages`` is then empty (no markers)
    gap_cells: pd.DataFrame | None = None
    predicted: dict[str, Path | bytes] = field(default_factory=dict)
    #: each province's communes dissolved, by ``province_id``, when the run made them
    #: (:attr:`coverage_gaps.results.RunResult.province_shapes`): the outlines start from them
    province_shapes: dict[str, shapely.Geometry] | None = field(default=None, repr=False,
                                                                 compare=False)  # fmt: skip
    #: the communes in WGS 84 and simplified, when the run made them
    #: (:attr:`coverage_gaps.results.RunResult.drawings`)
    drawings: CommuneDrawings | None = field(default=None, repr=False, compare=False)


def map_data_from_result(
    result: RunResult,
    *,
    run_date: str | None = None,
    predicted: dict[str, Path] | None = None,
    parts: Path | None = None,
    max_points: int = MAP_POINTS_MAX,
) -> MapData:
    """The map of a run just computed (used by :func:`coverage_gaps.write_outputs`, which
    passes the ``predicted/`` rasters it has written; otherwise the predicted layers are
    drawn from their GeoTIFF bytes in memory).

    With more than ``max_points`` villages, or a village table written as GeoParquet parts
    (``parts``, else ``result.village_parts``: then ``result.villages`` holds only some of
    them), the map gets the gap points per H3 cell, no village marker.

    Examples
    --------
    >>> data = map_data_from_result(run_project("project.yml", write=False))  # doctest: +SKIP
    """
    cfg = result.config
    ranked = None
    if result.priority is not None:
        ranked = pd.DataFrame(result.priority.ranked[_RANKED])
    villages = pd.DataFrame(result.villages.drop(columns="geometry", errors="ignore"))
    parts = parts if parts is not None else result.village_parts
    gap_cells = None
    if parts is not None:
        gap_cells = gap_cells_of_parts(parts)
    elif len(villages) > max_points:
        gap_cells = aggregate_gap_points(villages)
    return MapData(
        name=cfg.name,
        villages=villages if gap_cells is None else villages.iloc[0:0],
        communes=result.communes,
        metric_crs=CRS(result.working_crs),
        province_shapes=result.province_shapes,
        drawings=result.drawings,
        lang=cfg.language,
        synthetic=cfg.synthetic,
        run_date=run_date or _dt.date.today().isoformat(),
        ranked=ranked,
        coverage=list(cfg.coverage),
        fibre=cfg.fibre,
        technologies=list(cfg.technologies),
        grids=result.grids,
        planning=planning_map_from_result(result.planning),
        cells=h3_cells_table(result.evidence) if result.evidence is not None else None,
        gap_cells=gap_cells,
        predicted=dict(predicted) if predicted is not None else _in_memory(result),
    )


def _in_memory(result: RunResult) -> dict[str, Path | bytes]:
    return {layer.column: layer.raster for layer in result.layers if layer.raster is not None}


def map_data_from_run(
    run_folder: str | Path, *, lang: str | None = None, max_points: int = MAP_POINTS_MAX
) -> MapData:
    """The map of a finished run, read from its files (nothing is recomputed).

    Reads ``villages.gpkg`` (or the parts of ``villages.parquet/``, a few columns of one part
    at a time), ``communes.gpkg``, ``priority/*.gpkg`` and ``run.json`` (configuration with
    the coverage layers' paths, synthetic flag, language, date, working CRS). With
    ``villages.parquet/`` or more than ``max_points`` villages, the map gets the gap points
    per H3 cell, no village marker.

    Raises
    ------
    InputDataError
        When the folder is not a finished coverage-gaps run.

    Examples
    --------
    >>> data = map_data_from_run("outputs/demo/results", lang="en")  # doctest: +SKIP
    """
    folder = Path(run_folder)
    _check_run_folder(folder)
    run = read_run_record(folder)
    raw = run.get("config")
    if not isinstance(raw, dict):
        raise InputDataError(
            [
                Problem(
                    str(folder / RUN_RECORD),
                    "config",
                    "the run record has no configuration.",
                    "run the analysis again.",
                )
            ]
        )
    cfg = _run_config(raw, folder)
    villages, gap_cells = _read_run_villages(folder, max_points=max_points)
    communes = _read_run_layer(folder / "communes.gpkg", role="commune")
    techs = list(cfg.technologies) if cfg is not None else []
    if not techs:
        techs = [t for t in ("2G", "3G", "4G", "5G") if f"has_{t.lower()}" in villages]
    metric = _metric_crs(run, cfg, communes)
    return MapData(
        name=str(raw.get("name", folder.name)),
        villages=villages,
        communes=communes,
        metric_crs=metric,
        lang=lang or str(raw.get("language") or "vi"),
        synthetic=bool(run.get("synthetic")),
        run_date=str(run.get("finished_utc") or "")[:10] or _dt.date.today().isoformat(),
        ranked=_read_ranked(folder / "priority"),
        coverage=list(cfg.coverage) if cfg is not None else [],
        fibre=cfg.fibre if cfg is not None else None,
        technologies=techs,
        grids=_run_grids(cfg, communes, metric) if cfg is not None else None,
        planning=planning_map_from_run(folder, run),
        cells=_read_cells(folder / "h3_cells.csv"),
        gap_cells=gap_cells,
        predicted=_predicted_rasters(folder, cfg),
    )


def _run_grids(cfg: ProjectConfig, communes: gpd.GeoDataFrame, metric: CRS) -> CoverageGrids | None:
    """The run's raster layers on its area grid, read again from their files, as the run
    did (a layer that can no longer be read is left out: the map warns about it)."""
    layers = []
    for spec in cfg.coverage:
        if spec.is_raster:
            with contextlib.suppress(InputDataError):
                layers.append(load_coverage_layer(spec, working_crs=metric))
    if not layers or not len(communes):
        return None
    local = communes.to_crs(metric)
    grids, _ = read_layer_grids(local, layers, resolution=cfg.area_resolution_m, tile=areas.TILE,
                                skip_unreadable=True)  # fmt: skip
    grids.inside = inside_mask(local, grids.grid)
    return grids


def _read_run_villages(
    folder: Path, *, max_points: int
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The run's villages (no geometry) and, for a large run, its gap points per commune and
    H3 cell (the villages are then an empty table with the same columns)."""
    parts = folder / PARTS_FOLDER
    if parts.is_dir():
        first = sorted(parts.glob("*.parquet"))[:1]
        empty = pq.read_schema(first[0]).empty_table().to_pandas() if first else pd.DataFrame()
        return empty.drop(columns="geometry", errors="ignore"), gap_cells_of_parts(parts)
    villages = pd.DataFrame(
        _read_run_layer(folder / "villages.gpkg", role="village").drop(columns="geometry")
    )
    if len(villages) > max_points:
        return villages.iloc[0:0], aggregate_gap_points(villages)
    return villages, None


def _read_cells(path: Path) -> pd.DataFrame | None:
    """The run's tested H3 cells (``h3_cells.csv``), or None when it has none."""
    if not path.is_file():
        return None
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"h3_cell": str, "carrier": str})


def _predicted_rasters(folder: Path, cfg: ProjectConfig | None) -> dict[str, Path | bytes]:
    """The run's ``predicted/<column>.tif`` of each layer predicted from a site list."""
    if cfg is None:
        return {}
    return {
        spec.column: folder / "predicted" / f"{spec.column}.tif"
        for spec in cfg.coverage
        if spec.is_sites and spec.is_complete
    }


def _check_run_folder(folder: Path) -> None:
    """Refuse a folder that does not hold a finished run's record and tables."""
    missing = [f for f in (RUN_RECORD, "communes.gpkg") if not (folder / f).is_file()]
    if not (folder / "villages.gpkg").is_file() and not (folder / PARTS_FOLDER).is_dir():
        missing.insert(1, "villages.gpkg")
    if missing:
        raise InputDataError(
            [
                Problem(
                    str(folder),
                    "",
                    f"the folder is not a finished coverage-gaps run: {', '.join(missing)} missing.",
                    "give the output folder of 'coverage-gaps run' (the one holding run.json).",
                )
            ]
        )


def _run_config(raw: dict[str, Any], folder: Path) -> ProjectConfig | None:
    """The run's configuration, or None when it no longer parses (the map then has no
    coverage or fibre layers)."""
    try:
        return parse_config(raw, base_dir=folder, source=str(folder / RUN_RECORD))
    except InputDataError as exc:
        log.warning("run.json config not usable for coverage layers (%s); map without them", exc)
        return None


def _metric_crs(run: dict[str, Any], cfg: ProjectConfig | None, communes: gpd.GeoDataFrame) -> CRS:
    """The run's working CRS, or the one the analysis would choose for these communes."""
    if run.get("working_crs"):
        return CRS.from_user_input(run["working_crs"])
    return choose_working_crs(communes, requested=cfg.working_crs if cfg is not None else "auto")


def _read_run_layer(path: Path, *, role: str) -> gpd.GeoDataFrame:
    """A table the run wrote, with its ids as text."""
    frame = read_vector(path, role=role)
    for col in ("village_id", "commune_id", "province_id"):
        if col in frame:
            frame[col] = frame[col].astype(str)
    return frame


def _read_ranked(folder: Path) -> pd.DataFrame | None:
    """``village_id, overall_rank, carrier`` of every priority list in ``folder``."""
    lists = sorted(folder.glob("*.gpkg"))
    if not lists:
        return None
    ranked = pd.concat(
        [pd.DataFrame(read_vector(p, role="priority list", columns=_RANKED)) for p in lists],
        ignore_index=True,
    )[_RANKED]
    ranked["village_id"] = ranked["village_id"].astype(str)
    return ranked

"""What the Dask engine runs on one partition of the villages, as plain functions over
frames (no Dask here: each is tested, and could run, on its own).

Two steps, with a shuffle between them:

1. :func:`stage_villages`, on a partition of the input rows as read: check and standardise
   them (:func:`~coverage_gaps.inputs.villages.standardise_villages`), reproject them to the
   working CRS and place each in its commune. It returns the placed villages (points as
   ``_x``/``_y``) and a :class:`Staged` report (problems, warnings, row count, id hashes to
   find ids repeated across partitions, villages per commune).
2. :func:`analyse_partition`, on a partition that holds whole communes, their villages in
   input order: coverage (rasters read by windows, polygons), fibre distance, the village
   table, and the sums per commune (:func:`~coverage_gaps.analysis.summaries.aggregate_villages`).
   Layers predicted from site lists (``kind: sites``) were predicted once on the client
   and travel in the context as in-memory GeoTIFFs, sampled here like any raster.
   A commune's sums depend only on its own villages in their order, so concatenating the
   partitions' sums gives exactly those of the local engine, whatever the partitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._errors import InputDataError, Problem, collect_warnings
from ..analysis.classify import classify_project_villages
from ..analysis.coverage import distance_to_fibre, sample_coverage, sample_raster
from ..analysis.placing import assign_villages_to_communes
from ..analysis.priority.infrastructure import BROADBAND, carrier_coverage, commune_coverage_means
from ..analysis.priority.scoring import village_needs
from ..analysis.summaries import aggregate_villages
from ..config.project import ProjectConfig
from ..inputs.coverage import RasterSampleCounts
from ..inputs.villages import lon_lat_swapped, standardise_villages
from ..io.readers import apply_given_crs
from ..results import CoverageLayer

__all__ = [
    "ROW_BITS",
    "Context",
    "PartitionPlan",
    "PartitionResult",
    "Staged",
    "analyse_partition",
    "key_rows",
    "stage_villages",
]

#: The shuffle key of a village is ``group << ROW_BITS | input row``: partitions in group
#: order, villages in input order within each.
ROW_BITS = 40
_POINT_COLUMNS = ["_x", "_y", "_commune"]


@dataclass(frozen=True)
class Context:
    """What every partition needs, sent once to each worker."""

    config: ProjectConfig
    working_crs: CRS
    communes: gpd.GeoDataFrame
    layers: list[CoverageLayer]
    fibre: gpd.GeoDataFrame | None


@dataclass
class Staged:
    """What the first step found in one partition of the input rows."""

    rows: int
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    id_hashes: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    commune_counts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    whole_population: bool = True
    meta: pd.DataFrame | None = None  # the staged frame's columns and types, without rows


def stage_villages(raw: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, Staged]:
    """Check, standardise, reproject and place one partition of the input rows.

    Returns the placed villages (``_x``, ``_y`` in the working CRS, ``_commune`` the
    position of the commune) and the partition's report; problems are reported, not raised.
    """
    raw = raw.reset_index(drop=True)
    with collect_warnings() as warns:
        try:
            placed = _placed_villages(raw, context)
        except InputDataError as exc:
            return raw.iloc[0:0], Staged(len(raw), problems=list(exc.problems))
    ids = context.communes["commune_id"].to_numpy()
    position = pd.Index(ids).get_indexer(placed["commune_id"].astype(str).to_numpy())
    frame = pd.DataFrame(placed.drop(columns=placed.geometry.name))
    pts = placed.geometry.to_numpy()
    frame["_x"], frame["_y"] = shapely.get_x(pts), shapely.get_y(pts)
    frame["_commune"] = position.astype(np.int64)
    pop = frame["population"].to_numpy(dtype=float)
    return frame, Staged(
        len(raw),
        warnings=list(warns),
        id_hashes=pd.util.hash_pandas_object(frame["village_id"], index=False).to_numpy(),
        commune_counts=np.bincount(position, minlength=len(ids)).astype(np.int64),
        whole_population=bool(np.all(np.mod(pop, 1) == 0)),
        meta=frame.iloc[0:0],
    )


def _placed_villages(raw: pd.DataFrame, context: Context) -> gpd.GeoDataFrame:
    """The partition's villages, standardised, in the working CRS and placed in communes."""
    spec = context.config.villages
    if isinstance(raw, gpd.GeoDataFrame) and not spec.is_table:
        raw = apply_given_crs(raw, spec.crs, source=str(spec.path))
        if spec.where:
            raw = raw.query(spec.where).reset_index(drop=True)
    villages = standardise_villages(raw, spec)
    communes = context.communes
    swapped = lon_lat_swapped(villages, communes.to_crs(villages.crs)) if len(villages) else None
    if swapped is not None:
        raise InputDataError(
            [
                Problem(
                    str(spec.path),
                    f"columns '{spec.x}'/'{spec.y}'",
                    f"longitude and latitude look swapped: {swapped} of {len(villages)} "
                    "villages fall inside the communes' area only with x and y exchanged.",
                    "exchange the 'x' and 'y' keys of 'villages:' in the project file (or the "
                    "columns in the file).",
                )
            ]
        )
    return assign_villages_to_communes(
        villages.to_crs(context.working_crs),
        communes,
        max_snap_m=spec.max_snap_m,
        source=str(spec.path),
    )


def key_rows(frame: pd.DataFrame, *, first_row: int, group_of: np.ndarray) -> pd.DataFrame:
    """Add the shuffle key ``_key`` (the group of the village's commune, then its input row,
    counted from ``first_row`` for this partition)."""
    rows = first_row + np.arange(len(frame), dtype=np.int64)
    out = frame.copy()
    out["_key"] = (group_of[frame["_commune"].to_numpy()] << ROW_BITS) | rows
    return out


@dataclass(frozen=True)
class PartitionPlan:
    """What the client decided after the first step, for the second."""

    whole_population: bool
    parts_dir: Path | None = None  # write the table there, return only the villages needed
    group: int = 0


@dataclass
class PartitionResult:
    """What the second step returns for one partition."""

    aggregated: pd.DataFrame
    table: gpd.GeoDataFrame  # every village, or only those needed (with ``parts_dir``)
    rows: np.ndarray  # input row of each village in ``table``
    raster_counts: dict[str, RasterSampleCounts]
    extra: pd.DataFrame  # households, electricity of the villages in ``table``
    villages: int = 0
    commune_means: np.ndarray | None = None  # with ``parts_dir``: per row of ``table``
    covered: np.ndarray | None = None  # per carrier: villages covered with 3G or better
    groups: pd.DataFrame | None = None  # with ``parts_dir``: population per coverage pattern


def analyse_partition(
    frame: pd.DataFrame, context: Context, plan: PartitionPlan
) -> PartitionResult:
    """Coverage, fibre, the village table and the sums per commune of one partition that
    holds whole communes (rows in input order)."""
    cfg = context.config
    frame = frame.sort_index(kind="stable")
    rows = np.asarray(frame.index.to_numpy(), dtype=np.int64) & ((1 << ROW_BITS) - 1)
    villages = _village_frame(frame, context.working_crs)
    coverage: dict[str, tuple[str, np.ndarray]] = {}
    counts: dict[str, RasterSampleCounts] = {}
    for layer in context.layers:
        if layer.kind == "raster":  # a predicted layer too: its GeoTIFF held in memory
            sample = sample_raster(layer, villages.geometry)
            if layer.source == "declared":  # nodata is "out of reach" on a predicted one
                counts[layer.column] = RasterSampleCounts.of(layer, sample)
            covered = layer.covered_values(sample.values, sample.valid)
        else:
            covered = sample_coverage(layer, villages.geometry)
        coverage[layer.column] = (layer.spec.technology, covered)
    dist = (
        distance_to_fibre(villages.geometry, context.fibre.geometry)
        if context.fibre is not None
        else None
    )
    table = classify_project_villages(
        villages, coverage, fibre_distance_m=dist, config=cfg, layers=context.layers
    )
    table["population"] = table["population"].astype(np.int64 if plan.whole_population else float)
    extra = pd.DataFrame(
        {c: villages[c].to_numpy() for c in ("households", "electricity") if c in villages},
        index=pd.RangeIndex(len(villages)),
    )
    result = PartitionResult(
        aggregated=aggregate_villages(table, technologies=cfg.technologies),
        table=table,
        rows=rows,
        raster_counts=counts,
        extra=extra,
        villages=len(table),
    )
    return _keep_needed(result, cfg, plan) if plan.parts_dir is not None else result


def _village_frame(frame: pd.DataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """The staged villages back as points, with the standard columns' types."""
    data = frame.drop(columns=_POINT_COLUMNS).reset_index(drop=True)
    for col in ("village_id", "name", "commune_name", "commune_source"):
        if col in data:
            data[col] = data[col].to_numpy(dtype=object)
    data["commune_id"] = data["commune_id"].astype("string")
    points = shapely.points(frame["_x"].to_numpy(), frame["_y"].to_numpy())
    return gpd.GeoDataFrame(data, geometry=points, crs=crs)


def _keep_needed(
    result: PartitionResult, cfg: ProjectConfig, plan: PartitionPlan
) -> PartitionResult:
    """Write the partition's table as one GeoParquet part and keep only the villages the
    lists, the report and the map need: those with a need under ``priority.targets``, and
    those covered by exactly one carrier (the sharing list)."""
    assert plan.parts_dir is not None
    table = result.table
    part = plan.parts_dir / f"part-{plan.group:05d}.parquet"
    table.to_crs(4326).to_parquet(part, index=False, compression="zstd")
    carriers = sorted({c.carrier for c in cfg.coverage})
    mobile, fibre = village_needs(
        table, cfg.priority, cfg.fibre.max_distance_m if cfg.fibre is not None else None
    )
    one_carrier = (
        np.column_stack([carrier_coverage(table, c, BROADBAND) for c in carriers]).sum(axis=1) == 1
        if len(carriers) > 1
        else np.zeros(len(table), bool)
    )
    keep = mobile | fibre | one_carrier
    means, covered = commune_coverage_means(table, carriers)
    layer_cols = sorted(c.column for c in cfg.coverage)
    groups = (
        pd.DataFrame(table[["commune_id", "population", *layer_cols]])
        .groupby(["commune_id", *layer_cols], sort=True)["population"]
        .sum()
        .reset_index()
    )
    result.table = table[keep].reset_index(drop=True)
    result.rows = result.rows[keep]
    result.extra = result.extra[keep].reset_index(drop=True)
    result.commune_means = means[keep]
    result.covered = covered
    result.groups = groups
    return result

"""The Dask engine: the villages (or households, or buildings) in partitions on a Dask
cluster, with the same functions as the local engine.

``engine: dask`` starts a :class:`distributed.LocalCluster` sized to this machine (one
single-threaded worker per core); ``engine: {kind: dask, scheduler: tcp://host:8786}``
connects to a running cluster instead, whose workers must have the same version of
coverage-gaps installed (``pip install coverage-gaps[dask]==<version>``) and reach the
input files (and the output folder) at the same paths.

How a run goes (the client is this process; :mod:`.partitions` holds what the workers run):

1. The client loads and checks the communes, the coverage layers, fibre and the priority
   inputs, as the local engine does; the villages are read lazily by partitions
   (GeoParquet: ``dask_geopandas.read_parquet``, a file or a folder of parts; any other
   file is read whole here, then partitioned).
2. Each input partition is checked, reprojected and placed in communes
   (:func:`.partitions.stage_villages`), once: the placed villages stay on the workers,
   only a small report per partition comes back; every problem of every partition is
   reported at once, ids repeated across partitions included, and nothing is written.
3. The communes are put in ``partitions`` groups along a Hilbert curve (neighbours
   together, about as many villages in each), and the villages shuffled so that each
   partition holds whole communes, its villages in input order (``set_index`` on the
   group and the input row).
4. Each partition gets its coverage (raster windows read where its villages are), fibre
   distance, village table and sums per commune (:func:`.partitions.analyse_partition`);
   the client concatenates the sums (each commune is in one partition: exactly the local
   engine's numbers) and makes the commune and province summaries, the area shares, the
   lists, the report and the map as the local engine does.

The village table comes back to the client in input order, unless it has more rows than
:data:`VILLAGE_PARTS_MIN_ROWS`: then each partition writes it as one GeoParquet part
(``villages.parquet/part-00000.parquet`` ..., EPSG:4326, communes grouped, input order
within a part: sort by ``village_id`` to compare two runs) and only the villages the
lists, report and map need come back.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._errors import InputDataError, Problem, warn_problems
from ..config.project import EngineSpec
from ..inputs.coverage import RasterSampleCounts, check_raster_counts
from ..inputs.villages import read_village_rows, village_column_problems
from ..io.checks import list_items
from ..io.readers import is_geoparquet
from ..io.writers import XLSX_MAX_ROWS
from ..results import Inputs
from .partitions import (
    ROW_BITS,
    Context,
    PartitionPlan,
    PartitionResult,
    Staged,
    analyse_partition,
    key_rows,
    stage_villages,
)

__all__ = ["VILLAGE_PARTS_MIN_ROWS", "DaskVillages", "analyse_on_dask", "dask_client"]

log = logging.getLogger(__name__)

#: More villages than this (what one Excel sheet holds: a villages.csv that Excel can
#: open whole) and the village table is written as GeoParquet parts, never gathered.
VILLAGE_PARTS_MIN_ROWS = XLSX_MAX_ROWS
#: Villages per partition when ``partitions`` is not given.
ROWS_PER_PARTITION = 250_000
#: Seconds to wait for a scheduler given by address.
CONNECT_TIMEOUT_S = 10


@contextlib.contextmanager
def dask_client(spec: EngineSpec) -> Iterator[Any]:
    """A ``distributed.Client``: to ``spec.scheduler``, or to a new local cluster.

    Raises
    ------
    InputDataError
        When the Dask packages are not installed or the scheduler cannot be reached.
    """
    # deferred: dask and distributed are an optional extra (coverage-gaps[dask]) and take
    # about a second to import; the local engine never needs them
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputDataError(
            [
                Problem(
                    "engine",
                    "kind",
                    "the dask engine needs the packages dask, distributed and dask-geopandas.",
                    "install them with: pip install 'coverage-gaps[dask]'.",
                )
            ]
        ) from None
    if spec.scheduler is None:
        workers = os.cpu_count() or 1
        with (
            # the dashboard on a free port (":0"): 8787 may be taken by another cluster
            LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            log.info("Dask dashboard: %s", client.dashboard_link)
            yield client
        return
    try:
        client = Client(spec.scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputDataError(
            [
                Problem(
                    "engine",
                    "scheduler",
                    f"cannot reach the Dask scheduler at '{spec.scheduler}' ({exc}).",
                    "start it ('dask scheduler' on that machine, then 'dask worker "
                    f"{spec.scheduler}' on each worker), check the address and port, or "
                    "leave 'scheduler:' out to use a local cluster.",
                )
            ]
        ) from None
    with client:
        yield client


@dataclass
class DaskVillages:
    """What the Dask engine hands back to the pipeline."""

    table: gpd.GeoDataFrame  # in input order: every village, or those needed (``parts``)
    extra: pd.DataFrame  # households, electricity of the villages in ``table``
    aggregated: pd.DataFrame  # sums per commune (``aggregate_villages``)
    villages: int
    parts: Path | None = None
    groups: pd.DataFrame | None = None
    commune_shares: np.ndarray | None = None
    issues: list[Problem] = field(default_factory=list)


def analyse_on_dask(client: Any, inputs: Inputs, *, parts_dir: Path | None = None) -> DaskVillages:
    """The village table and the sums per commune, computed by partitions on ``client``.

    ``inputs`` holds everything but the villages (``load_inputs(..., villages=False)``).
    With ``parts_dir`` (a new folder the workers can write), a table of more than
    :data:`VILLAGE_PARTS_MIN_ROWS` villages is written there as GeoParquet parts.

    Raises
    ------
    InputDataError
        Listing every problem of the villages (and of the rasters at the villages).
    """
    cfg = inputs.config
    context = Context(cfg, inputs.working_crs, inputs.communes, inputs.layers, inputs.fibre)
    shared = client.scatter(context, broadcast=True, hash=False)
    raw = _raw_partitions(cfg.engine, inputs)
    # staged once and kept on the workers (placing is the costly part) until the shuffle
    # has read them: only the small reports come back here
    staged = client.compute([_delayed(stage_villages)(part, shared) for part in raw])
    reports: list[Staged] = list(client.gather(client.map(itemgetter(1), staged, pure=True)))
    _raise_village_problems(client, staged, reports, cfg.villages.path)
    total = sum(r.rows for r in reports)
    groups = cfg.engine.partitions or max(1, -(-total // ROWS_PER_PARTITION))
    group_of = _commune_groups(inputs.communes, reports, groups)
    big = parts_dir is not None and total > VILLAGE_PARTS_MIN_ROWS
    if big:
        assert parts_dir is not None
        parts_dir.mkdir(parents=True)
    plan = PartitionPlan(
        whole_population=all(r.whole_population for r in reports),
        parts_dir=parts_dir if big else None,
    )
    tasks = _group_tasks(staged, reports, group_of, groups, shared, plan)
    futures = client.compute(tasks)
    del tasks
    staged.clear()  # freed on the workers once the shuffle has read them
    results: list[PartitionResult] = list(client.gather(futures))
    return _reduce(results, inputs, total, parts_dir if big else None)


def _delayed(fn: Any) -> Any:
    """``fn`` as a lazy Dask task (its name is the task's prefix on the scheduler)."""
    # deferred: see dask_client
    import dask

    return dask.delayed(fn, pure=True)


def _raw_partitions(spec: EngineSpec, inputs: Inputs) -> list[Any]:
    """The input rows as delayed partitions: GeoParquet read lazily, anything else read
    here and split in ``partitions`` (or about 250,000 rows each)."""
    # deferred: see dask_client
    import dask.dataframe as dd
    import dask_geopandas

    vspec = inputs.config.villages
    if not vspec.is_table and is_geoparquet(vspec.path):
        lazy = dask_geopandas.read_parquet(vspec.path)
        problems = village_column_problems(lazy._meta, vspec)
        if problems:
            raise InputDataError(problems)
        return list(lazy.to_delayed())
    rows = read_village_rows(vspec)
    n = spec.partitions or max(1, -(-len(rows) // ROWS_PER_PARTITION))
    lazy = (
        dask_geopandas.from_geopandas(rows, npartitions=n)
        if isinstance(rows, gpd.GeoDataFrame)
        else dd.from_pandas(rows, npartitions=n, sort=False)
    )
    return list(lazy.to_delayed())


def _raise_village_problems(
    client: Any, staged: list[Any], reports: Sequence[Staged], source: Path
) -> None:
    """Raise every problem the partitions found, with the ids repeated across partitions;
    warn the partitions' warnings."""
    problems = list(dict.fromkeys(p for r in reports for p in r.problems))
    if not problems:
        repeated = _repeated_ids(client, staged, reports)
        if repeated:
            problems.append(
                Problem(
                    str(source),
                    "column 'village_id'",
                    f"{len(repeated)} id(s) are used more than once: {list_items(repeated)}.",
                    "make the village ids unique.",
                )
            )
    if not sum(r.rows for r in reports):
        problems.append(
            Problem(str(source), "", "the village layer has no features.", "check the file.")
        )
    if problems:
        raise InputDataError(problems)
    warn_problems(list(dict.fromkeys(w for r in reports for w in r.warnings)))


def _repeated_ids(client: Any, staged: list[Any], reports: Sequence[Staged]) -> list[str]:
    """Village ids found in more than one row, across partitions (64-bit hashes first, the
    ids themselves only for the hashes seen twice)."""
    hashes = np.sort(np.concatenate([r.id_hashes for r in reports]))
    twice = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    if not twice.size:
        return []
    found = client.gather(client.compute([_delayed(_ids_with_hashes)(s, twice) for s in staged]))
    ids = pd.Series(np.concatenate([np.asarray(f, dtype=object) for f in found]))
    return sorted(set(ids[ids.duplicated(keep=False)].astype(str)))


def _ids_with_hashes(staged: tuple[pd.DataFrame, Staged], hashes: np.ndarray) -> np.ndarray:
    frame = staged[0]
    own = pd.util.hash_pandas_object(frame["village_id"], index=False).to_numpy()
    return frame["village_id"].to_numpy(dtype=object)[np.isin(own, hashes)]


def _commune_groups(
    communes: gpd.GeoDataFrame, reports: Sequence[Staged], groups: int
) -> np.ndarray:
    """The group (partition) of each commune: communes in Hilbert order of a point inside
    each, cut into ``groups`` runs of about as many villages."""
    counts = np.sum([r.commune_counts for r in reports if r.commune_counts.size], axis=0)
    points = gpd.GeoSeries(communes.geometry.representative_point(), crs=communes.crs)
    order = np.lexsort((np.arange(len(communes)), points.hilbert_distance().to_numpy()))
    before = np.cumsum(counts[order]) - counts[order]
    total = max(int(counts.sum()), 1)
    group_of = np.empty(len(communes), dtype=np.int64)
    group_of[order] = np.minimum(before * groups // total, groups - 1)
    return group_of


def _group_tasks(
    staged: list[Any],
    reports: Sequence[Staged],
    group_of: np.ndarray,
    groups: int,
    shared: Any,
    plan: PartitionPlan,
) -> list[Any]:
    """The lazy analysis of each group: the staged villages shuffled into groups of whole
    communes, each analysed."""
    # deferred: see dask_client
    import dask.dataframe as dd

    first = np.concatenate([[0], np.cumsum([r.rows for r in reports])[:-1]]).astype(np.int64)
    frames = [_delayed(itemgetter(0))(s) for s in staged]
    keyed = [
        _delayed(key_rows)(f, first_row=int(r0), group_of=group_of)
        for f, r0 in zip(frames, first, strict=True)
    ]
    meta = key_rows(
        next(r.meta for r in reports if r.meta is not None), first_row=0, group_of=group_of
    )
    divisions = [g << ROW_BITS for g in range(groups)] + [(groups << ROW_BITS) - 1]
    lazy = dd.from_delayed(keyed, meta=meta, verify_meta=False)
    shuffled = lazy.set_index("_key", divisions=divisions, sorted=False)
    parts = shuffled.to_delayed()
    return [
        _delayed(analyse_partition)(part, shared, replace(plan, group=g))
        for g, part in enumerate(parts)
    ]


def _reduce(
    results: list[PartitionResult], inputs: Inputs, total: int, parts: Path | None
) -> DaskVillages:
    """The partitions' results as one: sums per commune, tables in input order, raster
    checks on the counts of all villages."""
    counts: dict[str, RasterSampleCounts] = {}
    for r in results:
        for column, c in r.raster_counts.items():
            counts[column] = counts[column] + c if column in counts else c
    errors: list[Problem] = []
    for layer in inputs.layers:
        if layer.column in counts:
            errs, warns = check_raster_counts(layer, counts[layer.column])
            errors += errs
            warn_problems(warns)
    if errors:
        raise InputDataError(errors)
    rows = np.concatenate([r.rows for r in results])
    order = np.argsort(rows, kind="stable")
    table = pd.concat([r.table for r in results], ignore_index=True).iloc[order]
    extra = pd.concat([r.extra for r in results], ignore_index=True).iloc[order]
    out = DaskVillages(
        table=gpd.GeoDataFrame(table.reset_index(drop=True), crs=inputs.working_crs),
        extra=extra.reset_index(drop=True),
        aggregated=pd.concat([r.aggregated for r in results]).sort_index(),
        villages=total,
        parts=parts,
    )
    if parts is not None:
        carriers_covered = np.sum([r.covered for r in results if r.covered is not None], axis=0)
        means = np.concatenate([r.commune_means for r in results if r.commune_means is not None])
        out.commune_shares = means[order] + carriers_covered / max(total, 1) * 1e-6
        out.groups = pd.concat([r.groups for r in results], ignore_index=True)
    return out

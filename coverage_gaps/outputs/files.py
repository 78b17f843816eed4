"""Writing a run: GeoPackage, CSV and ``run.json``, atomically and reproducibly.

Files in the output folder:

- ``villages.gpkg`` / ``villages.csv``: one row per village (column contract in
  ``docs/DESIGN.md``); GeoPackage in EPSG:4326.
- ``communes.gpkg`` / ``communes.csv``: one row per commune.
- ``provinces.csv``: one row per province.
- ``run.json``: inputs with sha256, resolved config, the coverage layers with their
  source (``declared`` or ``predicted``), versions, counts, timings.
- ``README.txt``: what the files are, and a warning when the inputs are synthetic.
- ``predicted/<carrier>_<technology>.tif``: the coverage predicted from each site list
  (dBm, float32, nodata -9999 beyond every site's reach, working CRS): the bytes the
  villages were sampled from.

CSV files are UTF-8 with a byte-order mark so that Excel shows Vietnamese
correctly. GeoPackages are written with a fixed timestamp, so the same inputs
give byte-identical files.
"""

from __future__ import annotations

import datetime as _dt
import logging
import platform
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy
import pandas as pd
import pyogrio
import pyproj
import rasterio
import shapely

from .._errors import Problem, collect_warnings
from .._version import __version__
from ..io.atomic import atomic_output_dir
from ..io.runfolder import dataset_files, outputs_listing, sha256_files, write_run_record
from ..io.writers import XLSX_MAX_ROWS, write_csv, write_geoparquet_parts, write_gpkg
from ..results import CoverageLayer, RunResult
from .evidence import evidence_record, write_evidence
from .lists import write_priority_lists
from .maps import (
    MapData,
    map_data_from_result,
    map_provinces,
    render_map,
)
from .notice import SYNTHETIC_NOTICE
from .pages import PageJob, available_cores, largest_first, write_province_pages
from .planning import PLANNING_FOLDER, planning_record, write_planning
from .report import report_inputs, report_provinces, write_province_report, write_report_index

__all__ = ["SYNTHETIC_NOTICE", "write_outputs"]

log = logging.getLogger(__name__)


def versions() -> dict[str, str]:
    """Versions of the tool and of the libraries that shaped the results."""
    return {
        "coverage_gaps": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "geopandas": gpd.__version__,
        "shapely": shapely.__version__,
        "pyogrio": pyogrio.__version__,
        "pyproj": pyproj.__version__,
        "rasterio": rasterio.__version__,
        "gdal": pyogrio.__gdal_version_string__,
        "proj": pyproj.proj_version_str,
    }


def _inputs_manifest(result: RunResult) -> list[dict[str, Any]]:
    """Role, path, size and sha256 of every input file (and the project file)."""
    cfg = result.config
    files = [(role, f) for role, path in cfg.input_roles() for f in dataset_files(path)]
    if cfg.source is not None and cfg.source.exists():
        files.append(("project", cfg.source))
    digests = sha256_files([f for _, f in files])
    return [
        {"role": role, "path": str(f), "bytes": f.stat().st_size, "sha256": digest}
        for (role, f), digest in zip(files, digests, strict=True)
    ]


def _readme(result: RunResult) -> str:
    cfg = result.config
    p = result.provinces
    lines = [f"coverage-gaps {__version__}: results for {cfg.name}", ""]
    if cfg.synthetic:
        lines += [SYNTHETIC_NOTICE, ""]
    gap_fibre = p["villages_gap_fibre"].sum() if cfg.fibre is not None else "n/a (no fibre layer)"
    lines += [
        f"Villages: {int(p['villages'].sum())}; without 3G/4G/5G (gap_mobile): "
        f"{int(p['villages_gap_mobile'].sum())}; without fibre within "
        f"{cfg.fibre.max_distance_m if cfg.fibre else 0:g} m: {gap_fibre}.",
        "",
        "map.html                     the interactive map (opens without internet)",
        "report.html, report.docx     the report, printable on A4 (reports/ with several provinces)",
        "priority/                    each carrier's ranked list of villages (CSV, XLSX, GeoPackage)",
        "villages.gpkg, villages.csv  one row per village: coverage by carrier and technology, gaps",
        "communes.gpkg, communes.csv  one row per commune: counts of villages and people in each gap",
        "provinces.csv                one row per province: the same totals",
        "run.json                     inputs (with sha256), configuration, versions, timings",
        *(
            [
                "planning/                    where to build: chosen sites (sites.csv/.xlsx/.gpkg),",
                "                             target villages (villages.csv), gap clusters",
                "                             (clusters.csv/.gpkg), predicted coverage (predicted.tif)",
            ]
            if result.planning is not None
            else []
        ),
        *(_EVIDENCE_README if result.evidence is not None else []),
        "",
        "Column definitions: docs/DESIGN.md in the coverage-gaps repository.",
    ]
    predicted = _predicted_layers(result)
    if predicted:
        columns = ", ".join(layer.column for layer in predicted)
        lines[-1:-1] = [
            "predicted/                   coverage predicted from site lists (dBm GeoTIFF, "
            "nodata -9999)",
            "",
            f"Predicted (from site lists, not declared by the carriers): {columns}.",
            "",
        ]
    return "\n".join(lines) + "\n"


_EVIDENCE_README = [
    "challenges.csv, .xlsx         villages and H3 cells where measurements challenge a carrier's",
    "                             declared coverage (rules in run.json, docs/EVIDENCE.md)",
    "h3_cells.csv                 every tested H3 cell: verdict per carrier and technology",
    "measurements/<carrier>.csv   each carrier's evidence pack: the tests behind its challenges",
]


def _predicted_layers(result: RunResult) -> list[CoverageLayer]:
    return [layer for layer in result.layers if layer.source == "predicted"]


def write_predicted(result: RunResult, folder: Path) -> dict[str, Path]:
    """``predicted/<column>.tif`` of each layer predicted from a site list: the GeoTIFF bytes
    its villages were sampled from (:func:`coverage_gaps.io.writers.encode_geotiff`).
    Returns column → file."""
    written = {}
    for layer in _predicted_layers(result):
        assert layer.raster is not None, layer.column
        path = folder / "predicted" / f"{layer.column}.tif"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(layer.raster)
        written[layer.column] = path
    return written


def _layers_record(
    result: RunResult, predicted: dict[str, Path], folder: Path
) -> list[dict[str, Any]]:
    """``run.json``'s ``layers``: each coverage column, where it comes from and how."""
    out = []
    for layer in result.layers:
        spec = layer.spec
        entry: dict[str, Any] = {
            "column": layer.column,
            "carrier": spec.carrier,
            "technology": spec.technology,
            "source": layer.source,
            "form": layer.form,
            "path": str(spec.path),
        }
        if layer.kind == "raster":
            entry["threshold_dbm"] = spec.threshold_dbm
        if layer.source == "predicted":
            entry |= {
                "model": spec.model,
                "environment": spec.environment_name,
                "resolution_m": spec.grid_resolution_m,
                "receiver_height_m": spec.receiver_height,
                "dem": str(spec.dem) if spec.dem is not None else None,
                "raster": predicted[layer.column].relative_to(folder).as_posix(),
                "notes": list(layer.notes),
            }
        out.append(entry)
    return out


def write_outputs(
    result: RunResult,
    directory: str | Path,
    *,
    started: float | None = None,
    map_assets: str = "inline",
    jobs: int | None = None,
    progress: bool = False,
) -> Path:
    """Write every output file of a run into ``directory``, atomically.

    The files are written into a hidden folder beside ``directory`` and renamed
    into place at the end, so a failure leaves the previous outputs untouched.
    ``map_assets``: ``inline`` or ``cdn``, see :func:`coverage_gaps.outputs.maps.build_map`.
    ``jobs``: processes writing the provinces' reports and maps when the run has several
    provinces (default: the cores available; 1 writes everything in this process; the files
    are the same). ``progress``: a bar counting the provinces written.

    Examples
    --------
    >>> write_outputs(result, "outputs/thai-nguyen")  # doctest: +SKIP
    """
    target = Path(directory).resolve()
    t0 = time.perf_counter()
    parts: dict[str, float] = {}
    with atomic_output_dir(target) as tmp:
        predicted = write_predicted(result, tmp)
        as_parts = _as_parts(result)
        if as_parts:  # the maps read the parts: written first
            _write_tables(result, tmp, parts)
        inputs = _inputs_manifest(result)
        whole = tmp / "villages.parquet" if as_parts else None
        maps = map_data_from_result(result, predicted=predicted, parts=whole)
        pages = _page_job(result, maps, tmp, inputs=inputs, map_assets=map_assets)
        provinces = _page_provinces(result, pages)
        with write_province_pages(
            pages, provinces, jobs=jobs or available_cores(), progress=progress
        ) as written:
            if not as_parts:  # beside the page writers
                _write_tables(result, tmp, parts)
            _write_lists(result, tmp, parts)
            map_issues = _write_run_pages(result, pages, parts)
        parts["write_reports"] = parts.get("write_reports", 0.0) + round(written.report_s, 3)
        parts["write_maps"] = parts.get("write_maps", 0.0) + round(written.map_s, 3)
        map_issues += written.map_issues
        for issue in map_issues:  # a layer left off the map is recorded
            log.warning("%s", issue)
        record = _run_record(
            result,
            inputs=inputs,
            outputs=outputs_listing(tmp),
            started=started,
            issues=[*result.issues, *map_issues],
            layers=_layers_record(result, predicted, tmp),
        )
        if result.evidence is not None:
            record["evidence"] = evidence_record(result.evidence)
        record["stages_s"].update(parts)
        record["stages_s"]["write_outputs"] = round(time.perf_counter() - t0, 3)
        write_run_record(tmp, record)
    return target


def _page_job(
    result: RunResult, maps: MapData, folder: Path, *, inputs: list[dict[str, Any]],
    map_assets: str,
) -> PageJob:  # fmt: skip
    """What the province pages are made from."""
    several = pids if len(pids := map_provinces(maps)) > 1 else []
    return PageJob(
        reports=report_inputs(result, inputs=inputs),
        maps=maps,
        folder=folder,
        map_options={"map_assets": map_assets},
        map_provinces=frozenset(several),
        overview=bool(several),
    )


def _page_provinces(result: RunResult, pages: PageJob) -> list[str]:
    """The provinces that get their own report and map (none when the run has one
    province: its report and map are the run's), largest first."""
    assert pages.reports is not None
    pids = report_provinces(pages.reports)
    if len(pids) <= 1:
        return []
    provinces = result.provinces
    villages = provinces["villages"] if "villages" in provinces else pd.Series(0, provinces.index)
    counts = villages.groupby(provinces["province_id"].astype(str).to_numpy()).sum()
    return largest_first({pid: int(counts.get(pid, 0)) for pid in pids})


def _as_parts(result: RunResult) -> bool:
    """Whether the village table is written as ``villages.parquet/`` (see
    :func:`write_tables`)."""
    return result.village_parts is not None or len(result.villages) > XLSX_MAX_ROWS


def _write_tables(result: RunResult, folder: Path, parts: dict[str, float]) -> None:
    """The village, commune and province tables, and the measured evidence."""
    with _timed(parts, "write_tables"):
        write_tables(result, folder)
        write_evidence(result, folder)


def _write_lists(result: RunResult, folder: Path, parts: dict[str, float]) -> None:
    """The carriers' priority lists and the planning outputs."""
    with _timed(parts, "write_lists"):
        if result.priority is not None:
            write_priority_lists(result, folder / "priority")
            log.debug("wrote the priority lists")
        if result.planning is not None:
            write_planning(result, folder / PLANNING_FOLDER)
            log.debug("wrote the planning")


def _write_run_pages(result: RunResult, pages: PageJob, parts: dict[str, float]) -> list[Problem]:
    """The run's own ``report.html`` and ``map.html`` when it has one province, else the
    index of the province reports; and ``README.txt``. Returns the problems met drawing the
    map. (The provinces' pages and the overview map are :func:`write_province_pages`'.)"""
    assert pages.reports is not None and pages.maps is not None
    folder = pages.folder
    with _timed(parts, "write_reports"):
        pids = report_provinces(pages.reports)
        if len(pids) == 1:
            write_province_report(pages.reports, pids[0], folder, alone=True)
        else:
            write_report_index(result, folder)
    log.debug("wrote the report")
    (folder / "README.txt").write_text(_readme(result), encoding="utf-8")
    with _timed(parts, "write_maps"), collect_warnings() as map_issues:
        if not pages.overview:  # else the page writers draw the overview
            render_map(pages.maps, folder / "map.html", **pages.map_options)
    log.debug("wrote the map")
    return map_issues


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    """Seconds spent in the block, into ``seconds[name]`` (``run.json``'s stages)."""
    t0 = time.perf_counter()
    yield
    seconds[name] = round(time.perf_counter() - t0, 3)
    log.debug("%s done in %.2f s", name, seconds[name])


def write_tables(result: RunResult, folder: Path) -> None:
    """``villages.gpkg/.csv``, ``communes.gpkg/.csv`` and ``provinces.csv``.

    A village table of more than :data:`~coverage_gaps.io.writers.XLSX_MAX_ROWS` rows (a CSV
    Excel could not open whole) is written as GeoParquet parts, ``villages.parquet/``,
    instead of ``villages.gpkg`` and ``villages.csv`` (the Dask engine's workers wrote it
    already: it is moved in).
    """
    cfg = result.config
    note = SYNTHETIC_NOTICE if cfg.synthetic else f"coverage-gaps {__version__}: {cfg.name}"
    if result.village_parts is not None:
        shutil.move(result.village_parts, folder / "villages.parquet")
    elif _as_parts(result):
        write_geoparquet_parts(result.villages, folder / "villages.parquet")
    else:
        write_gpkg(result.villages, folder / "villages.gpkg", "villages", note)
        log.debug("wrote villages.gpkg")
        write_csv(result.villages, folder / "villages.csv")
    write_gpkg(_communes_in_wgs84(result), folder / "communes.gpkg", "communes", note)
    write_csv(result.communes, folder / "communes.csv")
    write_csv(result.provinces, folder / "provinces.csv")
    log.debug("wrote the tables")


def _communes_in_wgs84(result: RunResult) -> gpd.GeoDataFrame:
    """The commune table, in WGS 84 when the run's drawings hold its communes (reprojected
    once for the tables and the maps); else as it is (the writer reprojects it)."""
    communes, drawn = result.communes, result.drawings
    where = drawn.positions(communes["commune_id"]) if drawn is not None else None
    if drawn is None or where is None:
        return communes
    geometry = gpd.GeoSeries(drawn.wgs84[where], index=communes.index, crs=4326,
                             name=communes.geometry.name)  # fmt: skip
    return communes.set_geometry(geometry)


def _counts(result: RunResult) -> dict[str, Any]:
    """The headline counts of ``run.json`` (from the province sums when the village table
    was not gathered)."""
    cfg = result.config
    v = result.villages
    p = result.provinces
    whole = result.village_parts is None
    gap_fibre = v["gap_fibre"].fillna(False).sum() if whole else p["villages_gap_fibre"].sum()
    return {
        "communes": len(result.communes),
        "villages": len(v) if whole else int(p["villages"].sum()),
        "population": float((v if whole else p)["population"].sum()),
        "villages_gap_mobile": int(
            v["gap_mobile"].sum() if whole else p["villages_gap_mobile"].sum()
        ),
        "villages_gap_fibre": int(gap_fibre) if cfg.fibre is not None else None,
        "provinces": len(result.provinces),
        "coverage_layers": len(cfg.coverage),
    }


def _run_record(
    result: RunResult,
    *,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    started: float | None,
    issues: list[Problem],
    layers: list[dict[str, Any]],
) -> dict[str, Any]:
    """The content of ``run.json`` (written by :func:`coverage_gaps.io.runfolder.write_run_record`)."""
    cfg = result.config
    return {
        "tool": "coverage-gaps",
        "version": __version__,
        "name": cfg.name,
        "synthetic": cfg.synthetic,
        "notice": SYNTHETIC_NOTICE if cfg.synthetic else None,
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(time.perf_counter() - started, 3) if started is not None else None,
        "working_crs": result.working_crs.to_string(),
        "config": cfg.to_dict(),
        "layers": layers,
        "inputs": inputs,
        "outputs": outputs,
        "counts": _counts(result),
        **({"planning": planning_record(result.planning)} if result.planning is not None else {}),
        "warnings": [str(i) for i in issues],
        "notes": [str(n) for n in result.notes],
        "stages_s": dict(result.timings),
        "versions": versions(),
    }

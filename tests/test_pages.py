"""The provinces' reports and maps written by several processes (``--jobs``): the same files
as one process writes, byte by byte; a failure in a worker fails the run and writes nothing."""

from __future__ import annotations

import filecmp
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import coverage_gaps.outputs.pages as pages
from coverage_gaps.cli import cli
from coverage_gaps.pipeline import run_project


def _two_provinces(make_project) -> Path:
    project = make_project()
    communes = gpd.read_file(project.parent / "communes.gpkg")
    communes["provinceCode"] = ["98", "99"]
    communes.to_file(project.parent / "communes.gpkg", layer="communes")
    return project


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _run(project: Path, out: Path, *args: str) -> str:
    res = CliRunner().invoke(cli, ["run", str(project), "-o", str(out), *args])
    assert res.exit_code == 0, res.output
    return res.output


def test_pages_written_by_workers_are_those_of_one_process(make_project, tmp_path: Path) -> None:
    project = _two_provinces(make_project)
    _run(project, tmp_path / "one", "--jobs", "1")
    _run(project, tmp_path / "two", "--jobs", "2")
    _run(project, tmp_path / "three", "--jobs", "3")  # more workers than provinces
    files = _files(tmp_path / "one")
    assert {"reports/98.docx", "reports/99.html", "maps/98.html", "maps/99.html"} <= set(files)
    for other in ("two", "three"):
        assert _files(tmp_path / other) == files
        same, differ, missing = filecmp.cmpfiles(
            tmp_path / "one", tmp_path / other, [f for f in files if f != "run.json"],
            shallow=False,
        )  # fmt: skip
        assert (differ, missing) == ([], []), f"--jobs {other}: {differ + missing} differ"


def test_progress_counts_the_provinces(make_project, tmp_path: Path) -> None:
    output = _run(_two_provinces(make_project), tmp_path / "out", "--jobs", "2", "--progress")
    assert "writing province pages" in output


def test_a_failing_worker_fails_the_run_and_writes_nothing(
    make_project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _two_provinces(make_project)

    def broken(data: object, province_id: str, folder: Path, **options: object) -> Path:
        if province_id == "99":
            raise RuntimeError("drawing province 99 failed")
        return folder / "maps" / f"{province_id}.html"

    monkeypatch.setattr(pages, "write_province_map", broken)  # inherited by the forked workers
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="province 99"):
        run_project(project, output=out, jobs=2)
    assert not out.exists()
    left = [p.name for p in tmp_path.iterdir() if p.name not in ("project", ".out.lock")]
    assert left == [], "the half-written folder was left behind"


def test_largest_provinces_are_written_first() -> None:
    assert pages.largest_first({"01": 5, "02": 900, "04": 900, "06": 40}) == [
        "02", "04", "06", "01"
    ]  # fmt: skip


def test_a_problem_met_by_several_workers_is_kept_once_in_page_order() -> None:
    from coverage_gaps._errors import Problem

    layer = Problem(source="fibre.gpkg", where="", what="CRS overridden")
    other = Problem(source="3g.gpkg", where="feature 3", what="geometry repaired")

    def done(*issues: Problem) -> pages._Done:
        return pages._Done([], list(issues), [], 0.0, 0.0)

    written = pages.PagesWritten()
    finished = {"02": done(layer), "01": done(other, layer), pages.OVERVIEW: done(layer)}
    pages._gather(written, finished, ["01", "02", pages.OVERVIEW])
    assert written.map_issues == [other, layer]


def test_drawings_made_with_the_analysis_give_the_same_files(make_project, tmp_path: Path) -> None:
    """The communes reprojected and simplified beside the analysis (``RunResult.drawings``)
    are those the tables and maps would make: the same files without them."""
    from dataclasses import replace

    from coverage_gaps.outputs.files import write_outputs

    result = run_project(_two_provinces(make_project), write=False)
    assert result.drawings is None  # made only for a run that writes its files
    drawn = run_project(_two_provinces(make_project), output=tmp_path / "drawn", jobs=1)
    assert drawn.drawings is not None and len(drawn.drawings.simplified) == 2
    write_outputs(replace(drawn, drawings=None), tmp_path / "made", jobs=1)
    files = [f for f in _files(tmp_path / "drawn") if f != "run.json"]
    assert {"communes.gpkg", "map.html", "maps/98.html"} <= set(files)
    same, differ, missing = filecmp.cmpfiles(
        tmp_path / "drawn", tmp_path / "made", files, shallow=False
    )
    assert (differ, missing) == ([], [])
    # and they are the ones used: shifted drawings move the communes in the files
    moved = replace(
        drawn.drawings, wgs84=shapely.transform(drawn.drawings.wgs84, lambda xy: xy + 0.01)
    )
    write_outputs(replace(drawn, drawings=moved), tmp_path / "moved", jobs=1)
    _, differ, _ = filecmp.cmpfiles(tmp_path / "drawn", tmp_path / "moved", files, shallow=False)
    assert {"communes.gpkg", "map.html"} <= set(differ)

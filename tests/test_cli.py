from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coverage_gaps.cli import cli


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["demo"], ["diff"], ["verify"]])
def test_help_has_worked_example(command: list[str]) -> None:
    res = CliRunner().invoke(cli, [*command, "--help"])
    assert res.exit_code == 0
    assert "Example" in res.output and "coverage-gaps" in res.output


def test_run_prints_headline_and_output_paths(tiny_project: Path) -> None:
    res = CliRunner().invoke(cli, ["run", str(tiny_project)])
    assert res.exit_code == 0, res.output
    out = tiny_project.parent / "out"
    assert "8 villages in 2 communes" in res.output
    assert "without 3G/4G/5G (gap_mobile): 4 villages, 1300 people" in res.output
    assert "without fibre within 270 m: 5 villages" in res.output
    assert str(out / "villages.gpkg") in res.output
    assert (out / "villages.gpkg").is_file()


def test_output_option_and_quiet(tiny_project: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        cli, ["-q", "run", str(tiny_project), "--output", str(tmp_path / "elsewhere")]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "elsewhere" / "run.json").is_file()
    assert "WARNING" not in res.output


def test_verbose_logs_stages(tiny_project: Path) -> None:
    res = CliRunner().invoke(cli, ["-v", "validate", str(tiny_project)])
    assert res.exit_code == 0, res.output
    assert "load_communes" in res.output and "OK" in res.output


def test_output_path_is_a_file(make_project) -> None:
    project = make_project(output="file.txt")
    target = project.parent / "file.txt"
    target.write_text("keep me", encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(project)])
    assert res.exit_code == 2
    assert "is an existing file" in res.output and str(target) in res.output
    assert target.read_text(encoding="utf-8") == "keep me"
    res = CliRunner().invoke(cli, ["run", str(project), "--output", str(target)])
    assert res.exit_code == 2 and "is a file" in res.output


def test_output_folder_with_foreign_files_is_not_replaced(
    tiny_project: Path, tmp_path: Path
) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.docx").write_text("precious", encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(tiny_project), "--output", str(target)])
    assert res.exit_code == 2 and "refusing to replace" in res.output
    assert (target / "notes.docx").read_text(encoding="utf-8") == "precious"


def test_internal_error_exit_1_without_traceback(
    tiny_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coverage_gaps.pipeline as pipeline

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(pipeline, "analyse", boom)
    res = CliRunner().invoke(cli, ["run", str(tiny_project)])
    assert res.exit_code == 1
    assert "internal error: RuntimeError: kaboom" in res.output
    assert "Traceback" not in res.output
    assert not (tiny_project.parent / "out").exists()


def test_inputs_are_not_modified(tiny_project: Path) -> None:
    import hashlib

    def digest() -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in tiny_project.parent.iterdir()
            if p.is_file()
        }

    before = digest()
    assert CliRunner().invoke(cli, ["run", str(tiny_project)]).exit_code == 0
    after = digest()
    assert {name: after.get(name) for name in before} == before


def test_demo_generates_and_runs(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo"), "--villages", "300"])
    assert res.exit_code == 0, res.output
    results = tmp_path / "demo" / "results"
    assert "300 villages in 92 communes" in res.output
    assert "synthetic" in res.output.lower()
    assert str(results / "villages.gpkg") in res.output
    for name in (
        "villages.gpkg",
        "villages.csv",
        "communes.gpkg",
        "communes.csv",
        "provinces.csv",
        "run.json",
    ):
        assert (results / name).is_file(), name
    assert "SYNTHETIC DATA" in (results / "README.txt").read_text(encoding="utf-8")


#: Lines of a terminal screen: the demo's whole output must fit on one.
SCREEN_LINES = 24


@pytest.mark.slow
def test_default_demo_is_quiet_and_fits_one_screen(tmp_path: Path) -> None:
    """What `make demo` prints: the headline and the paths, no WARNING, on one screen."""
    res = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert "WARNING" not in res.output and "warning" not in res.output.lower(), res.output
    assert len(lines) <= SCREEN_LINES, res.output
    results = tmp_path / "demo" / "results"
    assert "2000 villages in 92 communes" in res.output
    for name in ("map.html", "report.html", "report.docx", "priority/all_carriers.xlsx"):
        assert f"  {results / name}" in lines, name


def test_verify_run(tiny_project: Path) -> None:
    assert CliRunner().invoke(cli, ["run", str(tiny_project)]).exit_code == 0
    out = tiny_project.parent / "out"
    res = CliRunner().invoke(cli, ["verify", str(out)])
    assert res.exit_code == 0 and "OK: 17 output files match run.json." in res.output, res.output
    (out / "priority" / "viettel.csv").write_text("tampered", encoding="utf-8")
    (out / "notes.txt").write_text("extra", encoding="utf-8")
    (out / "communes.csv").unlink()
    (tiny_project.parent / "villages.csv").write_text("changed", encoding="utf-8")
    res = CliRunner().invoke(cli, ["verify", str(out)])
    assert res.exit_code == 2
    assert "output changed: priority/viettel.csv" in res.output
    assert "output missing: communes.csv" in res.output
    assert "output not part of the run: notes.txt" in res.output
    assert "input changed since the run" in res.output and "villages.csv" in res.output
    res = CliRunner().invoke(cli, ["verify", str(tiny_project.parent)])
    assert res.exit_code == 2 and "not a coverage-gaps run record" in res.output

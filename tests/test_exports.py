"""Every table any command writes is formula-safe.

Each command that writes a CSV or XLSX is registered in :data:`TABLE_COMMANDS` with a
function that builds inputs full of hostile names (``=HYPERLINK(...)``, ``+1-2``,
``@SUM(A1)``, ``-cmd``, a tab or a carriage return first) and returns the command lines to
run. The test runs them through the CLI and opens every CSV and XLSX they wrote: no XLSX
cell may be a formula and no text cell of either may start with a formula character.

To cover a new command, add a function decorated with ``@table_command("name")``; a
command that writes no table goes into :data:`NO_TABLES` with the reason. A test fails
while a command of the CLI is in neither.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from conftest import CRS, VILLAGES, X0, Y0, build_tiny_project, write_raster

from coverage_gaps.cli import cli

#: Names a spreadsheet would run as formulas, or that start with a formula character.
HOSTILE = (
    '=HYPERLINK("http://evil.example","click")',
    "+1-2",
    "@SUM(A1)",
    "-cmd",
    "\t=1+1",
    "\r=2+2",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Runs:
    """The steps to take in order (a command line, or a function changing the inputs
    between two command lines) and the folder holding what the commands write."""

    steps: list[list[str] | Callable[[], None]]
    outputs: Path
    #: tables the runs must have written (relative to ``outputs``), so that each is checked
    expected: tuple[str, ...] = ()


#: command name -> function(folder) building hostile inputs and returning the runs.
TABLE_COMMANDS: dict[str, Callable[[Path], Runs]] = {}

#: Commands that write no table of their own, with the reason.
NO_TABLES = {
    "validate": "writes nothing",
    "verify": "writes nothing",
    "map": "writes map.html only",
    "demo": "writes through the same code as `run`, on generated names",
}


def table_command(name: str) -> Callable[[Callable[[Path], Runs]], Callable[[Path], Runs]]:
    """Register the hostile-input builder of the table-writing command ``name``."""

    def register(build: Callable[[Path], Runs]) -> Callable[[Path], Runs]:
        TABLE_COMMANDS[name] = build
        return build

    return register


def hostile_project(root: Path, **overrides: object) -> Path:
    """The tiny project with hostile village, commune, carrier and project names and a
    hostile village id, cell sites (so that every carrier has a list) and a site budget
    (``budget.csv``)."""
    project = build_tiny_project(
        root,
        name=HOSTILE[2],
        coverage=[
            {"path": "viettel_4g.tif", "carrier": "viettel", "technology": "4G"},
            {"path": "viettel_2g.tif", "carrier": "452-04", "technology": "2G", "values": "mask"},
            {"path": "vnpt_3g.gpkg", "carrier": HOSTILE[1], "technology": "3G"},
        ],
        sites={"path": "sites.gpkg"},
        priority={"budget": {"sites": {"Viettel": 1, HOSTILE[1]: 1}}},
        **overrides,
    )
    villages = pd.read_csv(root / "villages.csv", dtype={"village_id": str})
    villages["name"] = [*HOSTILE, *villages["name"][len(HOSTILE) :]]
    villages.loc[villages["village_id"] == "V8", "village_id"] = HOSTILE[1]
    villages.to_csv(root / "villages.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    communes = gpd.read_file(root / "communes.gpkg")
    communes["fullName"] = [HOSTILE[0], HOSTILE[3]]
    communes.to_file(root / "communes.gpkg", layer="communes")
    gpd.GeoDataFrame(
        {"carrier": ["Viettel", HOSTILE[1]], "technologies": ["4G", "3G"]},
        geometry=[shapely.Point(X0 + 300, Y0 + 500), shapely.Point(X0 + 1800, Y0 + 200)],
        crs=CRS,
    ).to_file(root / "sites.gpkg")
    return project


def hostile_drive_tests(root: Path) -> list[dict[str, object]]:
    """Six Viettel 4G tests failing a day apart at V1 (named ``=HYPERLINK(...)``), so that
    the village is challenged: ``challenges.csv`` / ``.xlsx``, ``h3_cells.csv`` and
    ``measurements/<carrier>.csv`` hold hostile names. Returns the ``measurements:`` key."""
    x, y, _ = VILLAGES["V1"]
    pd.DataFrame(
        {
            "x": [x + 10.0 * i for i in range(6)],
            "y": [y] * 6,
            "rsrp": [-120.0] * 6,
            "ts": [f"2025-10-0{d} 10:00" for d in range(1, 7)],
            "op": ["viettel"] * 6,
            "tech": ["4G"] * 6,
        }
    ).to_csv(root / "drive.csv", index=False)
    return [{"path": "drive.csv", "carrier": "op", "technology": "tech", "signal": "rsrp",
             "time": "ts", "x": "x", "y": "y", "crs": CRS}]  # fmt: skip


@table_command("run")
def _run(folder: Path) -> Runs:
    root = folder / "p"
    root.mkdir(parents=True)
    project = hostile_project(root, measurements=hostile_drive_tests(root))
    tables = ("villages.csv", "communes.csv", "provinces.csv", "priority/viettel.csv",
              "priority/viettel.xlsx", "priority/all_carriers.xlsx", "priority/budget.csv",
              "priority/sharing.csv", "challenges.csv", "challenges.xlsx", "h3_cells.csv",
              "measurements/viettel.csv")  # fmt: skip
    return Runs([["run", str(project)]], root / "out", tables)


@table_command("diff")
def _diff(folder: Path) -> Runs:
    project = hostile_project(folder / "p")
    before, after = folder / "p" / "before", folder / "p" / "after"
    run = ["run", str(project), "-o"]

    def grow_4g() -> None:  # the second run has Viettel 4G everywhere: every village changes
        write_raster(folder / "p" / "viettel_4g.tif", np.full((10, 20), -70.0, "float32"),
                     nodata=-9999.0)  # fmt: skip

    return Runs([[*run, str(before)], grow_4g, [*run, str(after)], ["diff", str(before), str(after)]],
                after / "diff")  # fmt: skip


@table_command("crosswalk")
def _crosswalk(folder: Path) -> Runs:
    table = pd.DataFrame(
        {
            HOSTILE[0]: list(HOSTILE),
            "ma_xa": ["05968", HOSTILE[1], "05932", "", HOSTILE[4], "05968"],
            "dia_chi": [HOSTILE[2], "", "", "Xã Hà Châu, Huyện Phú Bình", "", HOSTILE[5]],
        }
    )
    table.to_csv(folder / "in.csv", index=False, quoting=csv.QUOTE_NONNUMERIC)
    out = folder / "out"
    out.mkdir()
    base = ["crosswalk", str(folder / "in.csv")]
    opts = ["--code", "ma_xa", "--address", "dia_chi"]
    return Runs([[*base, str(out / "t.csv"), *opts], [*base, str(out / "t.xlsx"), *opts]], out)


def test_every_command_is_registered() -> None:
    commands = set(cli.commands)  # type: ignore[attr-defined]
    assert commands == set(TABLE_COMMANDS) | set(NO_TABLES), (
        "register each table-writing command in tests/test_exports.py (TABLE_COMMANDS), "
        "or say in NO_TABLES why it writes none"
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_problems(path: Path) -> list[str]:
    rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    return [
        f"{path.name} row {i} column {j}: {cell!r}"
        for i, row in enumerate(rows, start=1)
        for j, cell in enumerate(row, start=1)
        if cell.startswith(FORMULA_START) and not _is_number(cell)
    ]


def _xlsx_problems(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [
        f"{path.name} {ws.title}!{cell.coordinate}: {cell.value!r} ({cell.data_type})"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
        or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_START))
    ]


@pytest.mark.parametrize("command", sorted(TABLE_COMMANDS))
def test_hostile_names_are_never_formulas(command: str, tmp_path: Path) -> None:
    runs = TABLE_COMMANDS[command](tmp_path)
    for step in runs.steps:
        if callable(step):
            step()
            continue
        res = CliRunner().invoke(cli, step)
        assert res.exit_code == 0, (step, res.output)
    missing = [name for name in runs.expected if not (runs.outputs / name).is_file()]
    assert not missing, f"{command} did not write {missing}"
    csvs = sorted(runs.outputs.rglob("*.csv"))
    sheets = sorted(runs.outputs.rglob("*.xlsx"))
    assert csvs, f"{command} wrote no CSV under {runs.outputs}"
    problems = [p for f in csvs for p in _csv_problems(f)]
    problems += [p for f in sheets for p in _xlsx_problems(f)]
    assert not problems, "\n".join(problems)
    # the hostile names did reach the tables (neutralised), so the check above bites
    texts = [f.read_text(encoding="utf-8-sig") for f in csvs]
    assert any("'=HYPERLINK" in t for t in texts), command
    cells = [
        c.value
        for f in sheets
        for ws in openpyxl.load_workbook(f).worksheets
        for row in ws.iter_rows()
        for c in row
    ]
    assert not sheets or any(str(v).startswith("'=HYPERLINK") for v in cells), command

"""Measured evidence through the whole pipeline (run_project) and the CLI: a hand-built project
with every verdict for villages and for H3 cells, times across midnight and with offsets, a
test exactly at the threshold, and the files a run writes (villages, challenges, evidence packs,
h3_cells, run.json, report, map)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import geopandas as gpd
import h3
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
import yaml
from click.testing import CliRunner
from conftest import write_raster
from pyproj import Transformer
from rasterio.transform import from_origin

from coverage_gaps import InputDataError, collect_warnings, run_project
from coverage_gaps.cli import cli
from coverage_gaps.config import ProjectConfig, load_config
from coverage_gaps.config.schema import key_rows
from coverage_gaps.results import ChallengeRules

X0, Y0 = 580_000.0, 2_380_000.0
UTM = "EPSG:32648"
TO_LONLAT = Transformer.from_crs(UTM, 4326, always_xy=True)

#: village -> (x, y, declared covered by Viettel 4G?)
PLACES = {
    "A": (X0 + 1_000, Y0 + 1_000, True),  # challenged: failing 22:30 -> 02:45 next day (+07:00)
    "B": (X0 + 3_000, Y0 + 1_000, True),  # confirmed
    "C": (X0 + 5_000, Y0 + 1_000, False),  # undeclared_coverage: good signal outside coverage
    "D": (X0 + 7_000, Y0 + 1_000, True),  # insufficient: two tests only
    "E": (X0 + 9_000, Y0 + 1_000, True),  # no_data
    "F": (X0 + 11_000, Y0 + 1_000, True),  # confirmed: every test exactly at the threshold
    "G": (X0 + 13_000, Y0 + 1_000, True),  # insufficient: failing, but only 2.5 h apart (UTC 'Z')
}
EXPECTED = {
    "A": "challenged",
    "B": "confirmed",
    "C": "undeclared_coverage",
    "D": "insufficient",
    "E": "no_data",
    "F": "confirmed",
    "G": "insufficient",
}


def _tests() -> list[dict[str, Any]]:
    """(village, signal, time) rows; times local unless they carry an offset."""
    rows: list[tuple[str, float, str]] = []
    rows += [("A", -115.0, "2025-10-03 22:30")]
    rows += [("A", -116.0, f"2025-10-03 23:{m:02d}") for m in (10, 30, 50)]
    rows += [("A", -90.0, "2025-10-04 00:15")]
    rows += [("A", -117.0, "2025-10-04T02:45:00+07:00")]
    rows += [("B", -95.0, f"2025-10-0{d} 10:00") for d in (1, 2, 3, 4, 5)]
    rows += [("B", -110.0, "2025-10-06 10:00")]
    rows += [("C", -95.0, f"2025-10-0{d} 09:00") for d in (1, 2, 3, 4, 5)]
    rows += [("D", -120.0, "2025-10-01 08:00"), ("D", -121.0, "2025-10-02 16:00")]
    rows += [("F", -105.0, f"2025-10-0{d} 12:00") for d in (1, 2, 3, 4, 5)]
    rows += [("G", -118.0, "2025-10-03 22:30"), ("G", -119.0, "2025-10-03T18:00:00Z")]
    rows += [("G", -117.0, f"2025-10-03 23:{m:02d}") for m in (0, 20, 40)]
    out = []
    for place, signal, time in rows:
        x, y, _ = PLACES[place]
        lon, lat = TO_LONLAT.transform(x, y)
        out.append({"lon": round(lon, 7), "lat": round(lat, 7), "rsrp": signal, "ts": time,
                    "op": "Viettel", "tech": "LTE"})  # fmt: skip
    return out


def build_project(root: Path, **overrides: Any) -> Path:
    """One 15 x 2 km commune, seven villages, a Viettel 4G raster (covered except around
    C), drive tests in a CSV with lon/lat."""
    root.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(
        {"code": ["X01"], "fullName": ["Xã Thử"], "provinceCode": ["99"]},
        geometry=[shapely.box(X0, Y0, X0 + 15_000, Y0 + 2_000)],
        crs=UTM,
    ).to_file(root / "communes.gpkg", layer="communes")
    pd.DataFrame(
        {
            "village_id": list(PLACES),
            "name": [f"Thôn {k}" for k in PLACES],
            "population": 100,
            "x": [p[0] for p in PLACES.values()],
            "y": [p[1] for p in PLACES.values()],
        }
    ).to_csv(root / "villages.csv", index=False)
    dbm = np.full((20, 150), -90.0, dtype="float32")
    dbm[:, 40:60] = -120.0  # around C (x 4-6 km): not declared
    write_raster(
        root / "viettel_4g.tif",
        dbm,
        nodata=-9999.0,
        transform=from_origin(X0, Y0 + 2_000, 100, 100),
    )
    pd.DataFrame(_tests()).to_csv(root / "drive.csv", index=False)
    config: dict[str, Any] = {
        "name": "Tỉnh Đo",
        "communes": {"path": "communes.gpkg", "layer": "communes", "id": "code",
                     "name": "fullName", "province": "provinceCode"},
        "villages": {"path": "villages.csv", "x": "x", "y": "y", "crs": UTM},
        "coverage": [{"path": "viettel_4g.tif", "carrier": "Viettel", "technology": "4G"}],
        "measurements": [{"path": "drive.csv", "carrier": "op", "technology": "tech",
                          "signal": "rsrp", "time": "ts", "x": "lon", "y": "lat",
                          "crs": "EPSG:4326"}],
        "output": "out",
    }  # fmt: skip
    config |= overrides
    path = root / "project.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    project = build_project(tmp_path_factory.mktemp("evidence") / "p")
    result = run_project(project)
    return project.parent / "out", result


def cell_of(place: str) -> str:
    lon, lat = TO_LONLAT.transform(*PLACES[place][:2])
    return str(h3.latlng_to_cell(lat, lon, 8))


def test_each_verdict_for_villages(run: tuple[Path, Any]) -> None:
    out, result = run
    villages = pd.read_csv(out / "villages.csv", dtype={"village_id": str}).set_index("village_id")
    assert villages["viettel_4g_measured"].to_dict() == EXPECTED
    # a challenged layer no longer covers A, so A is in the measured mobile gap only
    assert villages.loc["A", "viettel_4g"] and not villages.loc["A", "gap_mobile"]
    assert villages["gap_mobile_measured"].to_dict() == {k: k in "AC" for k in PLACES}
    assert list(result.villages.columns[-3:]) == [
        "viettel_4g_measured",
        "gap_mobile_measured",
        "geometry",
    ]
    gpkg = gpd.read_file(out / "villages.gpkg")
    assert gpkg["viettel_4g_measured"].tolist() == list(EXPECTED.values())


def test_each_verdict_for_h3_cells(run: tuple[Path, Any]) -> None:
    out, _ = run
    cells = pd.read_csv(out / "h3_cells.csv").set_index("h3_cell")
    assert {p: cells.loc[cell_of(p), "verdict"] for p in PLACES if p != "E"} == {
        p: v for p, v in EXPECTED.items() if p != "E"
    }
    assert cell_of("E") not in cells.index  # no test: no row (no_data)
    assert cells.loc[cell_of("A"), ["tests", "failing", "hours_apart"]].tolist() == [6, 5, 4.25]


def test_challenges_files(run: tuple[Path, Any]) -> None:
    out, _ = run
    table = pd.read_csv(out / "challenges.csv", dtype=str, keep_default_na=False)
    assert table[["level", "village_id", "h3_cell"]].values.tolist() == [
        ["village", "A", ""],
        ["h3", "", cell_of("A")],
    ]
    row = table.iloc[0]
    assert (row["name"], row["carrier"], row["technology"]) == ("Thôn A", "Viettel", "4G")
    assert (row["tests"], row["failing"], row["declared_source"]) == ("6", "5", "raster")
    assert row["median_signal_dbm"] == "-116.0"
    assert (row["first_test_utc"], row["last_test_utc"]) == (
        "2025-10-03T15:30:00Z",
        "2025-10-03T19:45:00Z",
    )
    book = openpyxl.load_workbook(out / "challenges.xlsx")
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(table.columns)
    assert sheet.max_row == 3 and len(book.worksheets) == 2  # and a legend
    pack = pd.read_csv(out / "measurements" / "viettel.csv", dtype={"challenged_villages": str})
    assert len(pack) == 6 and set(pack["challenged_villages"]) == {"A"}
    assert pack["time_utc"].is_monotonic_increasing and pack["failing"].sum() == 5


def test_run_record_rules_and_counts(run: tuple[Path, Any]) -> None:
    out, _ = run
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    evidence = record["evidence"]
    assert evidence["rules"] == ChallengeRules().as_dict()
    assert evidence["verdicts"]["village"] == {
        "challenged": 1, "confirmed": 2, "undeclared_coverage": 1, "insufficient": 2,
        "no_data": 1,
    }  # fmt: skip
    assert evidence["verdicts"]["h3"]["challenged"] == 1
    assert evidence["challenges"] == {"village": 1, "h3": 1}
    assert [i["path"] for i in record["inputs"] if i["role"] == "measurements"] == [
        str(out.parent / "drive.csv")
    ]
    assert record["config"]["challenges"]["speed_mbps"] == {"4G": 5.0, "5G": 7.0}
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert "challenges.csv" in readme and "measurements/<carrier>.csv" in readme


def test_report_and_map(run: tuple[Path, Any]) -> None:
    out, _ = run
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Viettel: 1 thôn khai báo có sóng 4G nhưng đo không đạt" in report
    # the Word report holds the same section, with the villages per verdict
    doc = docx.Document(str(out / "report.docx"))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "Đo kiểm thực tế so với vùng phủ khai báo" in paragraphs
    assert "Viettel: 1 thôn khai báo có sóng 4G nhưng đo không đạt" in paragraphs
    verdicts = next(t for t in doc.tables if t.rows[0].cells[1].text == "Công nghệ")
    assert [c.text for c in verdicts.rows[1].cells] == ["Viettel", "4G", "1", "2", "1", "2", "1"]
    page = (out / "map.html").read_text(encoding="utf-8")
    # the H3 layer (each tested cell, its id in the tooltip) and the ring of challenged villages
    assert f"H3 {cell_of('A')}" in page and f"H3 {cell_of('G')}" in page
    assert page.count("radius: 8, color: '#d7191c'") == 1
    assert "Viettel 4G: khai báo có sóng nhưng đo không đạt" in page


def test_map_rerendered_from_the_run_folder_keeps_the_evidence(run: tuple[Path, Any]) -> None:
    out, _ = run
    res = CliRunner().invoke(cli, ["map", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "H3 cells by measured verdict" in page and cell_of("A") in page
    assert CliRunner().invoke(cli, ["verify", str(out)]).exit_code == 0


def test_the_cli_runs_the_evidence_and_reruns_are_identical(tmp_path: Path) -> None:
    project = build_project(tmp_path / "p")
    runner = CliRunner()
    first = runner.invoke(cli, ["run", str(project), "-o", str(tmp_path / "one")])
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, ["run", str(project), "-o", str(tmp_path / "two")])
    assert second.exit_code == 0, second.output
    for name in ("challenges.csv", "challenges.xlsx", "h3_cells.csv", "measurements/viettel.csv",
                 "villages.csv", "villages.gpkg"):  # fmt: skip
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_rules_from_the_project_file(tmp_path: Path) -> None:
    project = build_project(tmp_path / "p", challenges={"min_hours_apart": 2, "min_tests": 6})
    result = run_project(project, write=False)
    verdicts = result.villages.set_index("village_id")["viettel_4g_measured"]
    # G's failing tests 2.5 h apart now suffice; B and F (5-6 tests) change with min_tests 6
    assert verdicts["G"] == "insufficient"  # only 5 tests < 6
    assert verdicts["A"] == "challenged" and verdicts["F"] == "insufficient"
    assert result.evidence is not None and result.evidence.rules.min_tests == 6


def test_speed_thresholds_merge_with_the_defaults(tmp_path: Path) -> None:
    cfg = load_config(build_project(tmp_path / "p", challenges={"speed_mbps": {"LTE": 10}}))
    assert cfg.challenges.speed_mbps == {"4G": 10.0, "5G": 7.0}
    assert ChallengeRules.from_spec(cfg.challenges).speed_mbps == {"4G": 10.0, "5G": 7.0}


def test_the_evidence_keys_are_declared_with_the_issue_defaults() -> None:
    rows = {r[0]: r for r in key_rows(ProjectConfig)}
    for name in ("path", "carrier", "technology", "signal", "download_mbps", "time", "x", "y",
                 "crs"):  # fmt: skip
        assert f"measurements[].{name}" in rows
    defaults = {k.split(".")[1]: rows[k][2] for k in rows if k.startswith("challenges.")}
    assert defaults == {
        "hex_resolution": "8", "village_radius_m": "500.0", "min_tests": "5",
        "min_failing_share": "0.5", "min_hours_apart": "4.0", "speed_mbps": "{4G: 5.0, 5G: 7.0}",
    }  # fmt: skip
    assert rows["ookla.path"][2] == "required"


def test_bad_challenge_keys_are_reported_together(tmp_path: Path) -> None:
    project = build_project(
        tmp_path / "p",
        challenges={"hex_resolution": 16, "min_failing_share": 0, "speed_mbps": {"6G": 3},
                    "min_test": 3},
        measurements=[{"path": "drive.csv", "x": "lon", "y": "lat"}],
    )  # fmt: skip
    with pytest.raises(InputDataError) as err:
        load_config(project)
    text = str(err.value)
    for fragment in ("challenges.hex_resolution", "challenges.min_failing_share",
                     "challenges.speed_mbps.6G", "did you mean 'min_tests'",
                     "measurements[0]: a file of tests needs 'signal'"):  # fmt: skip
        assert fragment in text, text


def test_ookla_tiles_give_a_median_download_column(tmp_path: Path) -> None:
    root = tmp_path / "p"
    project = build_project(root, ookla="tiles.csv")
    lon, lat = TO_LONLAT.transform(*PLACES["A"][:2])
    quadkey = _quadkey(lon, lat, 16)
    pd.DataFrame(
        {"quadkey": [quadkey], "avg_d_kbps": [12500], "avg_u_kbps": [3000], "avg_lat_ms": [30],
         "tests": [9], "devices": [4]}
    ).to_csv(root / "tiles.csv", index=False)  # fmt: skip
    with collect_warnings():
        result = run_project(project, write=False)
    table = result.villages.set_index("village_id")
    assert table.loc["A", "ookla_download_mbps"] == 12.5 and table.loc["A", "ookla_tests"] == 9
    assert np.isnan(table.loc["E", "ookla_download_mbps"])


def _quadkey(lon: float, lat: float, zoom: int) -> str:
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n)
    return "".join(str(((x >> i) & 1) + 2 * ((y >> i) & 1)) for i in range(zoom - 1, -1, -1))


def test_without_measurements_nothing_changes(tmp_path: Path) -> None:
    project = build_project(tmp_path / "p", measurements=[])
    result = run_project(project)
    assert result.evidence is None
    assert not any(c.endswith("_measured") for c in result.villages.columns)
    out = tmp_path / "p" / "out"
    assert not (out / "challenges.csv").exists() and not (out / "measurements").exists()
    assert "evidence" not in json.loads((out / "run.json").read_text(encoding="utf-8"))

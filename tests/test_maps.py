"""map.html without a browser: content, languages, re-rendering, provinces, escaping, size."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from coverage_gaps import run_project
from coverage_gaps.cli import cli
from coverage_gaps.outputs.maps import build_map, fold, map_data_from_run, render_map
from coverage_gaps.outputs.maps.build import _json


def _payload(html_text: str) -> dict:
    """The data object handed to the page script."""
    match = re.search(r"\}\)\(map_\w+, (\{.*\})\);\s*window\.cgMap", html_text, re.S)
    assert match
    return json.loads(match.group(1))


def _text(html_text: str) -> str:
    """The page with JavaScript \\uXXXX escapes decoded (what the browser shows)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), html_text)


def test_fold() -> None:
    assert fold("Trại Cau") == "trai cau"
    assert fold("Đồng Hỷ") == "dong hy"
    assert fold("TRẠI CAU") == fold("trai cau")


def test_json_is_safe_in_script() -> None:
    out = _json({"n": "</script><img src=x onerror=alert(1)>&'"})
    assert "<" not in out and ">" not in out and "&" not in out and "'" not in out
    assert json.loads(out)["n"] == "</script><img src=x onerror=alert(1)>&'"


def test_map_written_by_run(tiny_project: Path) -> None:
    result = run_project(tiny_project)
    assert result.output is not None
    page = _text((result.output / "map.html").read_text(encoding="utf-8"))
    data = _payload(page)
    assert len(data["c"]["geo"]["features"]) == 2
    assert len(data["v"]["name"]) == 8
    # kinds: V3/V4 in commune An have nothing but 2G -> 2G only; see test_pipeline EXPECTED
    assert sorted(set(data["v"]["k"])) <= [0, 1, 2, 3, 4]
    assert data["layers"] == [["Viettel", "4G"], ["Viettel", "2G"], ["VNPT", "3G"]]
    assert "Vùng phủ: Viettel 4G" in page and "Vùng phủ: VNPT 3G" in page
    assert "<strong>4</strong> thôn chưa có sóng 3G/4G/5G" in page
    assert "<strong>5</strong> thôn chưa được phủ cáp quang" in page
    assert "Tuyến cáp quang" in page
    # ranks and assigned carriers from the priority lists
    ranked = result.priority.ranked
    first = ranked.sort_values("overall_rank").iloc[0]
    i = data["v"]["name"].index(
        result.villages.set_index("village_id").loc[first["village_id"], "name"]
    )
    assert data["v"]["rank"][i] == int(first["overall_rank"])
    assert data["carriers_all"][data["v"]["car"][i]] == first["carrier"]
    # no random ids: the same run gives the same file
    assert "map_0001" in page or re.search(r"map_\d{4}", page)


def test_map_command_rerenders_english_and_verify_passes(tiny_project: Path) -> None:
    assert CliRunner().invoke(cli, ["run", str(tiny_project)]).exit_code == 0
    out = tiny_project.parent / "out"
    before = (out / "map.html").read_text(encoding="utf-8")
    res = CliRunner().invoke(cli, ["map", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "map.html").read_text(encoding="utf-8") == before  # same run, same bytes
    res = CliRunner().invoke(cli, ["map", str(out), "--lang", "en"])
    assert res.exit_code == 0 and "map.html" in res.output
    page = _text((out / "map.html").read_text(encoding="utf-8"))
    assert "Coverage: Viettel 4G" in page and "villages without 3G/4G/5G" in page
    assert "Bản đồ" not in page
    res = CliRunner().invoke(cli, ["verify", str(out)])
    assert res.exit_code == 0, res.output


def test_map_command_refuses_other_folders(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["map", str(tmp_path)])
    assert res.exit_code == 2 and "not a finished coverage-gaps run" in res.output


def test_several_provinces_give_overview_and_one_map_each(make_project) -> None:
    project = make_project()
    communes = gpd.read_file(project.parent / "communes.gpkg")
    communes["provinceCode"] = ["98", "99"]
    communes.to_file(project.parent / "communes.gpkg", layer="communes")
    result = run_project(project)
    out = result.output
    assert out is not None
    assert sorted(p.name for p in (out / "maps").iterdir()) == ["98.html", "99.html"]
    overview = _payload((out / "map.html").read_text(encoding="utf-8"))
    assert len(overview["c"]["geo"]["features"]) == 2 and overview["v"]["name"] == []
    assert 'href=\\"maps/98.html' in _text((out / "map.html").read_text(encoding="utf-8"))
    one = _payload((out / "maps" / "99.html").read_text(encoding="utf-8"))
    assert len(one["c"]["geo"]["features"]) == 1 and len(one["v"]["name"]) == 2
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert {"map.html", "maps/98.html", "maps/99.html"} <= {o["path"] for o in run["outputs"]}


def test_names_escaped_in_html(make_project) -> None:
    evil = "<img src=x onerror=alert(1)>"
    project = make_project(name=evil)
    import pandas as pd

    v = pd.read_csv(project.parent / "villages.csv")
    v.loc[0, "name"] = evil
    v.to_csv(project.parent / "villages.csv", index=False)
    out = run_project(project).output
    assert out is not None
    page = (out / "map.html").read_text(encoding="utf-8")
    assert evil not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in _text(page)  # title panel, escaped
    assert evil in _payload(page)["v"]["name"]


def test_simplified_and_rounded_map_is_smaller(tiny_project: Path, tmp_path: Path) -> None:
    out = run_project(tiny_project).output
    assert out is not None
    data = map_data_from_run(out)
    small = render_map(data, tmp_path / "small.html")
    big = render_map(
        data, tmp_path / "big.html", simplify_m=0, precision=None, keep_properties=True
    )
    assert small.stat().st_size < big.stat().st_size
    m = build_map(data)
    assert m.get_name().startswith("map_")


@pytest.mark.slow
def test_real_thai_nguyen_budget(shared_geodata: Path, tmp_path: Path) -> None:
    """92 real communes at full resolution + 3,000 villages: map.html <= 5 MB in < 5 s."""
    import time

    from coverage_gaps.outputs.maps import map_data_from_result
    from coverage_gaps.synthetic import generate_province

    project = generate_province(
        tmp_path / "inputs",
        communes=shared_geodata / "vn_2025" / "wards_2025_north_full.gpkg",
        communes_where="provinceCode = '19'",
        villages=3000,
        seed=1,
    )
    result = run_project(project, write=False)
    data = map_data_from_result(result)
    start = time.perf_counter()
    path = render_map(data, tmp_path / "map.html")
    elapsed = time.perf_counter() - start
    assert len(result.communes) == 92
    assert path.stat().st_size <= 5_000_000, path.stat().st_size
    assert elapsed < 5.0, elapsed

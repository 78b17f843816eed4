"""Priority lists, carrier assignment, budget, report and diff.

The tiny project (tests/conftest.py) with two cell sites; every score below was worked
out by hand with the default weights (people .35, mobile .25, fibre .10, importance .10,
readiness .10, cost .10; readiness unknown = 0.5; reference distance 10 km).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from conftest import CRS, X0, Y0

from coverage_gaps import run_project
from coverage_gaps.analysis.priority import rank_villages, select_within_budget
from coverage_gaps.cli import cli
from coverage_gaps.config import BudgetSpec, PrioritySpec


def _with_sites(make_project, **overrides):
    project = make_project(
        sites={"path": "sites.gpkg"},
        fibre={"path": "fibre.gpkg", "max_distance_m": 270, "owner": "owner"},
        **overrides,
    )
    gpd.GeoDataFrame(
        {"carrier": ["Viettel", "VNPT", "vinaphone"], "technologies": ["2G,4G", "3G;LTE", "3G"]},
        geometry=[
            shapely.Point(X0 + 300, Y0 + 500),
            shapely.Point(X0 + 1800, Y0 + 200),
            shapely.Point(X0 + 100, Y0 + 100),
        ],
        crs=CRS,
    ).to_file(project.parent / "sites.gpkg")
    fibre = gpd.read_file(project.parent / "fibre.gpkg")
    fibre["owner"] = "VNPT"
    fibre.to_file(project.parent / "fibre.gpkg")
    return project


def _score(people: float, mobile: float, fibre: float, cost_km: float) -> float:
    return round(
        100
        * (0.35 * people + 0.25 * mobile + 0.10 * fibre + 0.10 * 0.5 + 0.10 * (1 - cost_km / 10)),
        2,
    )


def test_hand_checked_ranking_and_assignment(make_project) -> None:
    result = run_project(_with_sites(make_project), write=False)
    r = result.priority.ranked.set_index("village_id")
    assert sorted(r.index) == ["V1", "V2", "V3", "V4", "V6", "V8"]  # gap_mobile or gap_fibre
    expected = {  # carrier, basis, distance km, score
        "V6": (
            "VNPT",
            "nearest_site",
            math.hypot(550, 50) / 1000,
            _score(1, 0.7, 0, math.hypot(550, 50) / 1000),
        ),
        "V4": (
            "Viettel",
            "nearest_site",
            math.hypot(50, 450) / 1000,
            _score(400 / 600, 0.7, 1, math.hypot(50, 450) / 1000),
        ),
        "V3": (
            "Viettel",
            "nearest_site",
            math.hypot(50, 450) / 1000,
            _score(300 / 600, 0.7, 1, math.hypot(50, 450) / 1000),
        ),
        "V8": (
            "Viettel",
            "nearest_site",
            math.hypot(350, 450) / 1000,
            _score(0, 1.0, 1, math.hypot(350, 450) / 1000),
        ),
        "V2": ("VNPT", "nearest_fibre", 0.43, _score(200 / 600, 0, 1, 0.43)),
        "V1": ("VNPT", "nearest_fibre", 0.43, _score(100 / 600, 0, 1, 0.43)),
    }
    for vid, (carrier, basis, km, score) in expected.items():
        assert r.loc[vid, "carrier"] == carrier, vid
        assert r.loc[vid, "assignment_basis"] == basis, vid
        assert r.loc[vid, "distance_km"] == pytest.approx(km, abs=0.005), vid
        assert r.loc[vid, "score"] == pytest.approx(score, abs=0.01), vid
    assert r.loc["V6", "score"] == pytest.approx(66.95, abs=0.01)
    ranked = result.priority.ranked
    assert ranked.loc[ranked.carrier == "Viettel", "village_id"].tolist() == ["V4", "V3", "V8"]
    assert ranked.loc[ranked.carrier == "VNPT", "village_id"].tolist() == ["V6", "V2", "V1"]
    assert ranked.loc[ranked.carrier == "Viettel", "rank"].tolist() == [1, 2, 3]
    assert r.sort_values("overall_rank").index.tolist() == ["V6", "V4", "V3", "V8", "V2", "V1"]
    assert r.loc["V8", "population"] == 0 and r.loc["V8", "score_people"] == 0
    assert r.loc["V6", "reason"] == "600 người, chỉ có 2G, cách trạm 4G VNPT gần nhất 0,6 km"
    assert r.loc["V2", "reason"] == "200 người, cáp quang cách 0,4 km (quá 0,3 km)"
    sharing = result.priority.sharing
    assert sorted(sharing["village_id"]) == ["V1", "V2", "V5", "V7"]
    assert sharing.set_index("village_id").loc["V5", "covered_by"] == "VNPT"


def test_english_reasons(make_project) -> None:
    result = run_project(_with_sites(make_project, language="en"), write=False)
    r = result.priority.ranked.set_index("village_id")
    assert r.loc["V6", "reason"] == "600 people, 2G only, 0.6 km from the nearest VNPT 4G site"


def test_site_budget(make_project) -> None:
    project = _with_sites(make_project, priority={"budget": {"sites": {"Viettel": 2, "VNPT": 1}}})
    result = run_project(project, write=False)
    r = result.priority.ranked.set_index("village_id")
    assert sorted(r.index[r["in_budget"]]) == [
        "V3",
        "V4",
        "V6",
    ]  # by population; V8 (0 people) left out
    b = result.priority.budget.set_index("carrier")
    assert b.loc["Viettel", "villages_selected"] == 2 and b.loc["Viettel", "people_selected"] == 700
    assert b.loc["VNPT", "villages_remaining"] == 2 and b.loc["total", "people_selected"] == 1300


def test_money_budget_greedy_on_people_per_cost(make_project) -> None:
    budget = {"money": 3e9, "cost_per_site": 1e9, "cost_per_km_fibre": 1e9}
    result = run_project(_with_sites(make_project, priority={"budget": budget}), write=False)
    r = result.priority.ranked.set_index("village_id")
    # people per cost: V6 600/1e9, V2 200/.43e9, V4 400/1.43e9, V1 100/.43e9, V3 300/1.43e9, V8 0
    assert sorted(r.index[r["in_budget"]]) == ["V2", "V4", "V6"]
    assert r.loc["V4", "cost"] == pytest.approx(1.43e9)
    assert result.priority.budget.set_index("carrier").loc[
        "total", "cost_selected"
    ] == pytest.approx(2.86e9)


def test_explicit_assignment_overrides(make_project) -> None:
    project = _with_sites(
        make_project,
        priority={"assignments": {"path": "giao.csv", "commune": "xa", "carrier": "dn"}},
    )
    pd.DataFrame({"xa": ["B002"], "dn": ["452-04"]}).to_csv(
        project.parent / "giao.csv", index=False
    )
    r = run_project(project, write=False).priority.ranked.set_index("village_id")
    assert r.loc["V6", "carrier"] == "Viettel" and r.loc["V6", "assignment_basis"] == "assigned"
    assert r.loc["V6", "distance_km"] == pytest.approx(math.hypot(950, 250) / 1000, abs=0.005)
    assert r.loc["V4", "assignment_basis"] == "nearest_site"


def test_ties_broken_by_village_id() -> None:
    v = gpd.GeoDataFrame(
        {
            "village_id": ["B1", "A2", "C3"],
            "name": ["b", "a", "c"],
            "commune_id": ["X"] * 3,
            "commune_name": ["Xã X"] * 3,
            "population": [100, 100, 100],
            "best_mobile": ["none"] * 3,
            "gap_mobile": [True] * 3,
            "has_4g": [False] * 3,
            "has_5g": [False] * 3,
            "gap_fibre": [False] * 3,
            "fibre_distance_m": [10.0] * 3,
            "lon": [0.0] * 3,
            "lat": [0.0] * 3,
            "viettel_4g": [False] * 3,
        },
        geometry=[shapely.Point(0, 0), shapely.Point(0, 0), shapely.Point(0, 0)],
        crs=CRS,
    )
    pr = rank_villages(v, spec=PrioritySpec(), carriers=["Viettel"], max_fibre_distance_m=1000)
    assert pr.ranked["village_id"].tolist() == ["A2", "B1", "C3"]
    assert pr.ranked["rank"].tolist() == [1, 2, 3]
    ranked, _ = select_within_budget(pr.ranked, BudgetSpec(sites={"Viettel": 1}))
    assert ranked.loc[ranked["in_budget"], "village_id"].tolist() == ["A2"]


def test_lists_files_and_report(make_project) -> None:
    result = run_project(_with_sites(make_project))
    out = result.output
    folder = out / "priority"
    assert sorted(p.name for p in folder.iterdir()) == [
        "all_carriers.xlsx",
        "sharing.csv",
        "viettel.csv",
        "viettel.gpkg",
        "viettel.xlsx",
        "vnpt.csv",
        "vnpt.gpkg",
        "vnpt.xlsx",
    ]
    csv = pd.read_csv(folder / "viettel.csv", encoding="utf-8-sig", dtype={"Mã thôn": str})
    assert csv["Mã thôn"].tolist() == ["V4", "V3", "V8"] and csv["Thứ tự ưu tiên"].tolist() == [
        1,
        2,
        3,
    ]
    wb = openpyxl.load_workbook(folder / "viettel.xlsx")
    ws = wb["Viettel"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(csv.columns)
    assert [r[2] for r in rows[1:]] == ["V4", "V3", "V8"]
    assert "Chú giải" in wb.sheetnames
    legend = [r for r in wb["Chú giải"].iter_rows(values_only=True)]
    assert ("weight.people", 0.35) in legend
    all_wb = openpyxl.load_workbook(folder / "all_carriers.xlsx")
    assert all_wb.sheetnames == ["VNPT", "Viettel", "Dùng chung hạ tầng", "Chú giải"]
    gp = gpd.read_file(folder / "vnpt.gpkg")
    assert gp["village_id"].tolist() == ["V6", "V2", "V1"] and gp.crs.to_epsg() == 4326
    html = (out / "report.html").read_text(encoding="utf-8")
    p = result.provinces.iloc[0]
    assert re.search(r'id="n-gap-mobile">(\d+)<', html).group(1) == str(p["villages_gap_mobile"])
    assert re.search(r'id="n-gap-fibre">(\d+)<', html).group(1) == str(p["villages_gap_fibre"])
    assert "thôn chưa có sóng 3G/4G/5G" in html and "thôn chưa được phủ cáp quang" in html
    assert html.count("data:image/png;base64,") == 3  # the map of the gap villages, 2 charts
    assert '<img class="map"' in html


def test_hostile_names_are_escaped_and_not_formulas(make_project) -> None:
    project = _with_sites(make_project)
    path = project.parent / "villages.csv"
    df = pd.read_csv(path, dtype={"village_id": str})
    df.loc[df.village_id == "V6", "name"] = "<img src=x onerror=alert(1)>"
    df.loc[df.village_id == "V4", "name"] = '=HYPERLINK("http://evil","click")'
    df.loc[df.village_id == "V3", "name"] = "+1-2"
    df.to_csv(path, index=False)
    out = run_project(project).output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    for f in ["viettel.xlsx", "all_carriers.xlsx"]:
        wb = openpyxl.load_workbook(out / "priority" / f)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (f, cell.coordinate, cell.value)
    text = (out / "priority" / "viettel.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1-2" in text
    villages_csv = (out / "villages.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in villages_csv


@pytest.mark.slow
@pytest.mark.xdist_group("demo-priority")
def test_demo_lists_diff(tmp_path: Path) -> None:
    from coverage_gaps.synthetic import generate_province

    project = generate_province(tmp_path / "inputs", villages=600, seed=11)
    first = run_project(project, output=tmp_path / "run1")
    _check_lists(first)
    v = first.villages
    gap = v[v["gap_mobile"]]
    pts = gap.geometry.to_numpy()
    others = v.geometry.to_numpy()
    # gap villages with no other village within 300 m: a 100 m disc covers only them
    tree = shapely.STRtree(others)
    isolated = [
        i for i, p in enumerate(pts) if len(tree.query(p, predicate="dwithin", distance=300)) == 1
    ]
    chosen = gap.iloc[isolated[:3]]
    assert len(chosen) == 3
    layer = tmp_path / "inputs" / "coverage" / "vnpt_3g.gpkg"
    cov = gpd.read_file(layer)
    added = gpd.GeoSeries(chosen.geometry.buffer(100), crs=v.crs).to_crs(cov.crs)
    cov.loc[0, "geometry"] = shapely.union_all([cov.geometry.iloc[0], *added.to_numpy()])
    cov.to_file(layer, layer="vnpt_3g")
    second = run_project(project, output=tmp_path / "run2")
    res = CliRunner().invoke(cli, ["diff", str(tmp_path / "run1"), str(tmp_path / "run2")])
    assert res.exit_code == 0, res.output
    assert "mobile (3G/4G/5G): 3 villages newly covered, 0 newly lost" in res.output
    changes = pd.read_csv(
        tmp_path / "run2" / "diff" / "changes.csv", encoding="utf-8-sig", dtype=str
    )
    mobile = changes[(changes["layer"] == "mobile") & (changes["change"] == "covered")]
    assert sorted(mobile["Mã thôn"]) == sorted(chosen["village_id"])
    vnpt = changes[changes["layer"] == "vnpt_3g"]
    assert sorted(vnpt["Mã thôn"]) == sorted(chosen["village_id"]) and set(vnpt["change"]) == {
        "covered"
    }
    assert 'id="progress"' in (tmp_path / "run2" / "report.html").read_text(encoding="utf-8")
    _check_lists(second)


def _check_lists(result) -> None:
    """Every gap village in exactly one carrier's list; lists sorted; XLSX = CSV; headline = provinces."""
    v = result.villages
    gap = v["gap_mobile"] | v["gap_fibre"].fillna(False)
    folder = result.output / "priority"
    ids: list[str] = []
    for carrier in result.priority.carriers:
        from coverage_gaps.vietnam.carriers import carrier_slug

        slug = carrier_slug(carrier)
        csv = pd.read_csv(
            folder / f"{slug}.csv", encoding="utf-8-sig", dtype={"Mã thôn": str, "Mã xã": str}
        )
        assert csv["Thứ tự ưu tiên"].tolist() == list(range(1, len(csv) + 1))
        assert csv["Điểm ưu tiên"].is_monotonic_decreasing
        wb = openpyxl.load_workbook(folder / f"{slug}.xlsx", read_only=True)
        rows = list(wb[carrier].iter_rows(values_only=True))
        assert len(rows) - 1 == len(csv)
        assert [str(r[2]) for r in rows[1:]] == csv["Mã thôn"].tolist()
        ids += csv["Mã thôn"].tolist()
    assert len(ids) == len(set(ids)) == int(gap.sum())
    assert set(ids) == set(v.loc[gap, "village_id"])
    html = (result.output / "report.html").read_text(encoding="utf-8")
    p = result.provinces.iloc[0]
    assert (
        int(re.search(r'id="n-gap-mobile">([\d.]+)<', html).group(1).replace(".", ""))
        == p["villages_gap_mobile"]
    )
    assert (
        int(re.search(r'id="n-gap-fibre">([\d.]+)<', html).group(1).replace(".", ""))
        == p["villages_gap_fibre"]
    )
    assert np.isclose(result.priority.ranked["population"].sum(), v.loc[gap, "population"].sum())


def test_diff_keeps_verify_green_and_refuses_non_runs(make_project, tmp_path: Path) -> None:
    project = _with_sites(make_project)
    a = run_project(project, output=tmp_path / "a").output
    b = run_project(project, output=tmp_path / "b").output
    res = CliRunner().invoke(cli, ["diff", str(a), str(b)])
    assert res.exit_code == 0, res.output
    assert CliRunner().invoke(cli, ["verify", str(b)]).exit_code == 0
    res = CliRunner().invoke(cli, ["diff", str(project.parent), str(b)])
    assert res.exit_code == 2 and "not a coverage-gaps" in res.output
    (a / "villages.csv").write_text(
        (a / "villages.csv").read_text(encoding="utf-8-sig").replace("V8,", "V8x,"),
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["diff", str(a), str(b)])
    assert res.exit_code == 0 and "1 village(s) only in NEW_RUN and 1 only in OLD_RUN" in res.output


def test_reasons_for_every_branch_written_at_once() -> None:
    """The reasons are written a phrase at a time for all villages: each branch of a reason
    (severity, site distance unknown, fibre beyond reach or absent, a named or unnamed
    facility, no power, an assignment) in one call, in both languages."""
    from coverage_gaps.analysis.priority.reasons import village_reasons
    from coverage_gaps.config.priority import PrioritySpec

    inf = float("inf")
    ranked = pd.DataFrame(
        {
            "need": ["mobile", "mobile+fibre", "fibre", "fibre", "mobile"],
            "best_mobile": ["none", "3G", "4G", "4G", "weird"],
            "assignment_basis": [
                "assigned",
                "nearest_site",
                "nearest_fibre",
                "nearest_fibre",
                "commune_coverage",
            ],  # fmt: skip
            "carrier": ["Viettel", "VNPT", "VNPT", "MobiFone", "Viettel"],
            "facility": ["", "trạm y tế", "", "", ""],
            "population": [1234567, 5, 0, 80, 12],
            "distance_km": [inf, 12.25, 0.0, 0.0, 3.0],
            "fibre_distance_m": [0.0, 5150.0, inf, 2500.0, 0.0],
            "score_importance": [0.0, 1.0, 0.5, 0.0, 0.0],
            "score_readiness": [0.0, 1.0, 1.0, 1.0, 0.5],
        }
    )
    vi = village_reasons(ranked, PrioritySpec(), 2000.0, "vi")
    assert vi == [
        "1.234.567 người, không có sóng, chưa có điện lưới, được giao theo danh sách",
        "5 người, chưa có 4G, cách trạm 4G VNPT gần nhất 12,2 km, cáp quang cách 5,2 km "
        "(quá 2,0 km), gần trạm y tế",
        "0 người, chưa có cáp quang, gần cơ sở công cộng",
        "80 người, cáp quang cách 2,5 km (quá 2,0 km)",
        "12 người, weird, cách trạm 4G Viettel gần nhất 3,0 km",
    ]
    en = village_reasons(ranked, PrioritySpec(), None, "en")
    assert en[1] == (
        "5 people, no 4G, 12.2 km from the nearest VNPT 4G site, fibre 5.2 km away "
        "(beyond 0.0 km), near trạm y tế"
    )
    assert village_reasons(ranked.iloc[:0], PrioritySpec(), 2000.0, "vi") == []

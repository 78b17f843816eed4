"""Measured evidence: the loader (formats, times, bad input), the rules (each verdict, for
villages and for H3 cells), the outputs as data, and Ookla's tiles."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from coverage_gaps import InputDataError, collect_warnings
from coverage_gaps.analysis import (
    VERDICTS,
    ChallengeRules,
    DeclaredLayer,
    assess_evidence,
    count_verdicts,
    declared_layers,
    gather_evidence,
    h3_cell_polygons,
    measured_columns,
    median_tile_speed,
    recompute_gap_mobile,
    sample_declared,
)
from coverage_gaps.analysis.evidence import cell_strings, h3_cells, judge_tests, pairs_within
from coverage_gaps.config.project import CoverageSpec
from coverage_gaps.inputs import (
    combine_measurements,
    load_measurements,
    load_ookla_tiles,
    quadkey_bounds,
)
from coverage_gaps.io.values import parse_times
from coverage_gaps.results import CoverageLayer

UTM = CRS.from_epsg(32648)
TO_UTM = Transformer.from_crs(4326, UTM, always_xy=True)
VIETTEL_4G = DeclaredLayer("Viettel", "4G", -105.0, "raster")
VNPT_3G = DeclaredLayer("VNPT", "3G", -100.0, "polygons")
LAYERS = [VIETTEL_4G, VNPT_3G]


def cell_centre(lon: float, lat: float) -> tuple[float, float]:
    """The centre of the resolution-8 H3 cell containing a point (lon, lat)."""
    clat, clon = h3.cell_to_latlng(h3.latlng_to_cell(lat, lon, 8))
    return clon, clat


# Six places 5 km apart, each at the centre of its own H3 cell; a village at each.
PLACES = {
    name: cell_centre(105.80 + 0.05 * k, 21.00)
    for k, name in enumerate(["A", "B", "C", "D", "E", "F"])
}


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    """Tests in the standard frame of load_measurements, from lon/lat and local times."""
    df = pd.DataFrame(rows)
    lon, lat = df["lon"].to_numpy(float), df["lat"].to_numpy(float)
    x, y = TO_UTM.transform(lon, lat)
    return gpd.GeoDataFrame(
        {
            "source": "hand.csv",
            "row": np.arange(len(df)) + 2,
            "carrier": df["carrier"],
            "technology": df["technology"],
            "signal_dbm": df["signal_dbm"].astype(float),
            "download_mbps": df.get("download_mbps", pd.Series(np.nan, index=df.index)),
            "time_utc": parse_times(df["time"]),
            "lon": lon,
            "lat": lat,
        },
        geometry=shapely.points(x, y),
        crs=UTM,
    )


def group(place: str, signals: list[float], hours: list[float], **extra) -> list[dict]:
    """Tests a few metres around a place, at local times 2025-10-03 20:00 + hours."""
    lon, lat = PLACES[place]
    start = pd.Timestamp("2025-10-03 20:00")
    return [
        {
            "carrier": "Viettel",
            "technology": "4G",
            "signal_dbm": s,
            "time": str(start + pd.Timedelta(hours=h)),
            "lon": lon + 0.00005 * (k % 3),
            "lat": lat + 0.00005 * (k // 3),
            "place": place,
            **extra,
        }
        for k, (s, h) in enumerate(zip(signals, hours, strict=True))
    ]


def villages() -> gpd.GeoDataFrame:
    lon = np.array([p[0] for p in PLACES.values()])
    lat = np.array([p[1] for p in PLACES.values()])
    x, y = TO_UTM.transform(lon, lat)
    return gpd.GeoDataFrame(
        {"village_id": [f"V{name}" for name in PLACES]}, geometry=shapely.points(x, y), crs=UTM
    )


def hand_case() -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Each verdict once, for the Viettel 4G layer (threshold -105 dBm)."""
    rows = (
        # A: 6 declared, 4 fail, failing tests from 22:00 to 02:30 the next day (4.5 h apart)
        group("A", [-110, -112, -104, -111, -100, -115], [2, 3, 4, 5, 5.5, 6.5])
        # B: 6 declared, 1 fails; the others are exactly at the threshold (they pass)
        + group("B", [-105, -105, -105, -105, -105, -106], [0, 1, 2, 3, 4, 5])
        # C: 6 outside declared coverage, 5 pass
        + group("C", [-90, -95, -99, -101, -103, -120], [0, 1, 2, 3, 4, 5])
        # D: 2 declared tests only
        + group("D", [-120, -121], [0, 1])
        # F: 6 declared, all fail, but within one hour: not two failing tests 4 h apart
        + group("F", [-120] * 6, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    )
    tests = frame(rows)
    declared = np.array([r["place"] != "C" for r in rows])
    return tests, declared


EXPECTED = {
    "A": "challenged",
    "B": "confirmed",
    "C": "undeclared_coverage",
    "D": "insufficient",
    "E": "no_data",
    "F": "insufficient",
}


# --------------------------------------------------------------------------- the rules


def test_each_verdict_for_villages_and_h3_cells() -> None:
    tests, declared = hand_case()
    result = assess_evidence(tests, villages(), layers=LAYERS, declared=declared)
    measured = measured_columns(result)
    assert list(measured.columns) == ["viettel_4g_measured"]  # VNPT 3G has no tests
    got = dict(zip(result.village_ids, measured["viettel_4g_measured"], strict=True))
    assert got == {f"V{k}": v for k, v in EXPECTED.items()}
    cells = result.cells.set_index("h3_cell")["verdict"].astype(str).to_dict()
    expected_cells = {
        h3.latlng_to_cell(lat, lon, 8): EXPECTED[name]
        for name, (lon, lat) in PLACES.items()
        if name != "E"
    }
    assert cells == expected_cells
    a = result.cells[result.cells["verdict"] == "challenged"].iloc[0]
    assert (a["tests"], a["failing"], a["hours_apart"]) == (6, 4, 4.5)


def test_challenges_table() -> None:
    tests, declared = hand_case()
    result = assess_evidence(tests, villages(), layers=LAYERS, declared=declared)
    table = result.challenges
    assert table["level"].tolist() == ["village", "h3"]
    village, cell = table.iloc[0], table.iloc[1]
    assert village["village_id"] == "VA" and village["h3_cell"] == ""
    assert cell["h3_cell"] == h3.latlng_to_cell(PLACES["A"][1], PLACES["A"][0], 8)
    for row in (village, cell):
        assert (row["carrier"], row["technology"], row["tests"], row["failing"]) == (
            "Viettel",
            "4G",
            6,
            4,
        )
        assert row["median_signal_dbm"] == -110.5
        assert row["declared_source"] == "raster"
        # local 22:00 on 3 October is 15:00 UTC; the last test, 02:30 local, 19:30 UTC
        assert str(row["first_test_utc"]) == "2025-10-03 15:00:00+00:00"
        assert str(row["last_test_utc"]) == "2025-10-03 19:30:00+00:00"


def test_a_test_exactly_at_the_threshold_passes() -> None:
    tests = frame(group("B", [-105.0, -105.01], [0, 1], download_mbps=5.0))
    judged = judge_tests(tests, layers=LAYERS, declared=np.ones(2, bool), rules=ChallengeRules())
    assert judged["failing"].tolist() == [False, True]
    slow = frame(group("B", [-80.0, -80.0], [0, 1], download_mbps=4.99))
    judged = judge_tests(slow, layers=LAYERS, declared=np.ones(2, bool), rules=ChallengeRules())
    assert judged["failing"].tolist() == [True, True]  # below the FCC's 5 Mbps for 4G


def test_a_test_counts_for_every_village_within_the_radius() -> None:
    tests, declared = hand_case()
    near = villages()
    extra = near.iloc[[0]].copy()
    extra["village_id"] = "VA2"
    extra.geometry = extra.geometry.translate(300, 0)  # 300 m east of A
    both = pd.concat([near, extra], ignore_index=True)
    result = assess_evidence(tests, both, layers=LAYERS, declared=declared)
    measured = measured_columns(result)["viettel_4g_measured"].tolist()
    assert measured[0] == measured[-1] == "challenged"
    pack = gather_evidence(result)["Viettel"]
    assert set(pack["challenged_villages"]) == {"VA;VA2"}
    assert len(pack) == 6 and pack["h3_challenged"].all()


def test_rules_can_be_changed() -> None:
    tests, declared = hand_case()
    rules = ChallengeRules(min_hours_apart=0.5, min_tests=2)
    result = assess_evidence(tests, villages(), layers=LAYERS, declared=declared, rules=rules)
    got = measured_columns(result)["viettel_4g_measured"].tolist()
    assert got == [
        "challenged",
        "confirmed",
        "undeclared_coverage",
        "challenged",
        "no_data",
        "challenged",
    ]
    assert ChallengeRules().as_dict() == {
        "hex_resolution": 8,
        "village_radius_m": 500.0,
        "min_tests": 5,
        "min_failing_share": 0.5,
        "min_hours_apart": 4.0,
        "speed_mbps": {"4G": 5.0, "5G": 7.0},
    }
    with pytest.raises(ValueError, match="min_failing_share"):
        ChallengeRules(min_failing_share=0)


def test_outputs_as_data() -> None:
    tests, declared = hand_case()
    result = assess_evidence(tests, villages(), layers=LAYERS, declared=declared)
    measured = measured_columns(result)
    table = pd.DataFrame(
        {"viettel_4g": [True] * 6, "vnpt_3g": [False, False, False, False, False, True]}
    )
    gap = recompute_gap_mobile(table, measured, layers=LAYERS)
    assert gap.tolist() == [True, False, False, False, False, False]
    counts = count_verdicts(result)
    village = counts[counts["level"] == "village"].set_index("verdict")["count"].to_dict()
    assert village == {
        "challenged": 1,
        "confirmed": 1,
        "undeclared_coverage": 1,
        "insufficient": 2,
        "no_data": 1,
    }
    cells = counts[counts["level"] == "h3"].set_index("verdict")["count"].to_dict()
    assert cells == {"challenged": 1, "confirmed": 1, "undeclared_coverage": 1, "insufficient": 2}
    pack = gather_evidence(result)
    assert list(pack) == ["Viettel"]
    assert pack["Viettel"]["failing"].sum() == 4
    assert {"source", "row", "time_utc", "signal_dbm", "threshold_dbm", "h3_cell"} <= set(
        pack["Viettel"].columns
    )


def test_tests_of_a_layer_not_declared_are_left_out_with_a_warning() -> None:
    rows = group("A", [-110] * 3, [0, 1, 2])
    rows[0]["carrier"] = "Vietnamobile"
    tests = frame(rows)
    with collect_warnings() as found:
        result = assess_evidence(tests, villages(), layers=LAYERS, declared=np.ones(3, bool))
    assert len(result.tests) == 2
    assert "Vietnamobile 4G (1)" in found[0].what


def test_no_test_near_any_village_and_h3_by_cell_strings() -> None:
    assert pairs_within(np.zeros(0), np.zeros(0), np.zeros(1), np.zeros(1), 500)[0].size == 0
    cells = h3_cells(np.array([21.0285, 10.78]), np.array([105.8542, 106.70]), 8)
    assert cell_strings(cells).tolist() == [
        h3.latlng_to_cell(21.0285, 105.8542, 8),
        h3.latlng_to_cell(10.78, 106.70, 8),
    ]


def test_pairs_within_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 5000, (400, 2))
    b = rng.uniform(0, 5000, (150, 2))
    i, j = pairs_within(a[:, 0], a[:, 1], b[:, 0], b[:, 1], 500)
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    bi, bj = np.nonzero(d <= 500)
    assert list(zip(i, j, strict=True)) == list(zip(bi, bj, strict=True))


def test_declared_coverage_sampled_from_the_carriers_own_layer(tmp_path: Path) -> None:
    tests, _ = hand_case()
    ax, ay = TO_UTM.transform(*PLACES["A"])
    polygons = np.array([shapely.box(ax - 2000, ay - 2000, ax + 2000, ay + 2000)])
    spec = CoverageSpec(path=tmp_path / "v4g.gpkg", carrier="Viettel", technology="4G")
    other = CoverageSpec(path=tmp_path / "m4g.gpkg", carrier="MobiFone", technology="4G")
    layers = [
        CoverageLayer(spec=spec, kind="vector", polygons=polygons),
        CoverageLayer(spec=other, kind="vector", polygons=np.array([shapely.box(0, 0, 1e7, 1e7)])),
    ]
    assert declared_layers(layers) == [
        DeclaredLayer("Viettel", "4G", -105.0, "polygons"),
        DeclaredLayer("MobiFone", "4G", -105.0, "polygons"),
    ]
    declared = sample_declared(tests, layers)
    near_a = tests.distance(shapely.Point(ax, ay)) < 100
    assert declared.tolist() == near_a.tolist()  # only A's tests are inside Viettel's box


def test_combine_measurements_and_cell_polygons() -> None:
    tests, declared = hand_case()
    first = tests.assign(carrier=pd.Categorical(tests["carrier"]))  # as loaded
    other = first.iloc[:2].assign(carrier=pd.Categorical(["VNPT", "VNPT"]))
    both = combine_measurements([first, other])
    assert isinstance(both, gpd.GeoDataFrame) and len(both) == len(tests) + 2
    assert both["carrier"].dtype.name == "category"
    assert both["carrier"].tolist()[-3:] == ["Viettel", "VNPT", "VNPT"]
    result = assess_evidence(tests, villages(), layers=LAYERS, declared=declared)
    hexagons = h3_cell_polygons(result.cells["h3_cell"].astype(str).to_numpy())
    assert hexagons.crs.to_epsg() == 4326 and len(hexagons) == 5
    lon, lat = PLACES["A"]
    assert hexagons.contains(shapely.Point(lon, lat)).sum() == 1


# --------------------------------------------------------------------------- times


def test_times_local_unless_an_offset_is_given_and_across_midnight() -> None:
    values = pd.Series(
        [
            "2025-10-03 23:50",  # local: 16:50 UTC
            "2025-10-04T00:10:00",  # local, after midnight: 17:10 UTC
            "2025-10-03T23:50+07:00",
            "2025-10-03T16:50Z",
            "2025-10-03T18:50+0900",
            "2025-10-04T01:50:00.9+09",
        ]
    )
    got = [str(t) for t in parse_times(values)]
    assert got == [
        "2025-10-03 16:50:00+00:00",
        "2025-10-03 17:10:00+00:00",
        "2025-10-03 16:50:00+00:00",
        "2025-10-03 16:50:00+00:00",
        "2025-10-03 09:50:00+00:00",
        "2025-10-03 16:50:00+00:00",
    ]


def test_spreadsheet_dates_and_bad_times() -> None:
    serial = pd.Series([45933.5, 45933.999988426, 0.5, 3.0e7])
    assert [str(t) for t in parse_times(serial)] == [
        "2025-10-03 05:00:00+00:00",  # noon local
        "2025-10-03 16:59:59+00:00",
        "NaT",  # a time of day without a date
        "NaT",
    ]
    text = pd.Series(["45933.5", "2025-10-03", "23:50", "03/10/2025 23:50", "", None])
    assert [str(t) for t in parse_times(text)] == ["2025-10-03 05:00:00+00:00"] + ["NaT"] * 5


# --------------------------------------------------------------------------- the loader


def write_csv(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def csv_rows() -> list[dict]:
    lon, lat = PLACES["A"]
    return [
        {
            "carrier": "vinaphone",
            "tech": "LTE",
            "rsrp": -101.5,
            "dl": 12.0,
            "timestamp": "2025-10-03 22:00",
            "lon": lon,
            "lat": lat,
        },
        {
            "carrier": "452-04",
            "tech": "4G",
            "rsrp": None,
            "dl": 3.0,
            "timestamp": "2025-10-03T20:00:00Z",
            "lon": lon,
            "lat": lat,
        },
    ]


def test_load_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "drive.csv", csv_rows())
    tests = load_measurements(
        path,
        working_crs=UTM,
        technology="tech",
        signal="rsrp",
        time="timestamp",
        download_mbps="dl",
        x="lon",
        y="lat",
    )
    assert tests.crs == UTM
    assert tests["carrier"].astype(str).tolist() == ["VNPT", "Viettel"]
    assert tests["technology"].astype(str).tolist() == ["4G", "4G"]
    assert [str(t) for t in tests["time_utc"]] == [
        "2025-10-03 15:00:00+00:00",
        "2025-10-03 20:00:00+00:00",
    ]
    assert (
        tests["row"].tolist() == [2, 3]
        and tests["source"].astype(str).tolist() == ["drive.csv"] * 2
    )
    assert np.isnan(tests["signal_dbm"].iloc[1]) and tests["download_mbps"].iloc[1] == 3.0


def test_load_xlsx_with_spreadsheet_dates_and_fixed_values(tmp_path: Path) -> None:
    lon, lat = PLACES["B"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["rsrp", "when", "x", "y"])
    ws.append([-99, dt.datetime(2025, 10, 3, 23, 50), lon, lat])  # a date cell
    ws.append([-98, 45934.0069444444, lon, lat])  # a serial number: 4 Oct 00:10
    wb.save(tmp_path / "tests.xlsx")
    tests = load_measurements(
        tmp_path / "tests.xlsx",
        working_crs=UTM,
        carrier="MobiFone",
        technology="5G",
        signal="rsrp",
        time="when",
        x="x",
        y="y",
    )
    assert tests["carrier"].astype(str).tolist() == ["MobiFone"] * 2
    assert tests["technology"].astype(str).tolist() == ["5G"] * 2
    assert [str(t) for t in tests["time_utc"]] == [
        "2025-10-03 16:50:00+00:00",
        "2025-10-03 17:10:00+00:00",
    ]


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_load_points_from_vector_files(tmp_path: Path, suffix: str) -> None:
    rows = csv_rows()
    gdf = gpd.GeoDataFrame(
        pd.DataFrame(rows).drop(columns=["lon", "lat"]),
        geometry=shapely.points([r["lon"] for r in rows], [r["lat"] for r in rows]),
        crs=4326,
    )
    path = tmp_path / f"tests{suffix}"
    gdf.to_parquet(path) if suffix == ".parquet" else gdf.to_file(path)
    tests = load_measurements(
        path,
        working_crs=UTM,
        technology="tech",
        signal="rsrp",
        time="timestamp",
        download_mbps="dl",
    )
    assert len(tests) == 2 and tests["lon"].iloc[0] == pytest.approx(rows[0]["lon"])
    x, y = TO_UTM.transform(rows[0]["lon"], rows[0]["lat"])
    assert tests.geometry.iloc[0].x == pytest.approx(x)


def bad_rows() -> list[dict]:
    lon, lat = PLACES["A"]
    base = {"carrier": "Viettel", "tech": "4G", "rsrp": -100, "timestamp": "2025-10-03 10:00"}
    base |= {"lon": lon, "lat": lat}
    return [
        base,
        base | {"timestamp": "yesterday"},  # row 3
        base | {"rsrp": 35},  # row 4: positive dBm
        base | {"rsrp": 1e-10},  # row 5: mW
        base | {"tech": "6G"},  # row 6
        base | {"carrier": ""},  # row 7
        base | {"rsrp": -250},  # row 8: not dBm
        base | {"timestamp": ""},  # row 9
    ]


def test_bad_rows_are_named_and_every_problem_collected(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", bad_rows())
    kwargs = {"technology": "tech", "signal": "rsrp", "time": "timestamp", "x": "lon", "y": "lat"}
    with pytest.raises(InputDataError) as err:
        load_measurements(path, working_crs=UTM, **kwargs)
    text = str(err.value)
    assert "row 6" in text and "unknown technology" in text and "6G" in text
    assert "row 7" in text and "empty or unknown carrier" in text
    fixed = [r | {"tech": "4G", "carrier": "Viettel"} for r in bad_rows()]
    path = write_csv(tmp_path / "bad2.csv", fixed)
    with pytest.raises(InputDataError) as err:
        load_measurements(path, working_crs=UTM, **kwargs)
    problems = {p.what.split(": ", 1)[-1][:30]: p.where for p in err.value.problems}
    text = str(err.value)
    assert "row 3" in text and "not ISO 8601 nor a spreadsheet date (yesterday)" in text
    assert "column 'rsrp', row 4, row 5" in text and "0 or positive" in text
    assert "row 8" in text and "below -160 dBm" in text
    assert "column 'timestamp', row 9" in text and "no time" in text
    assert len(problems) == 4


def test_misspelt_columns_and_missing_coordinates(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", bad_rows()[:1])
    with pytest.raises(InputDataError) as err:
        load_measurements(
            path, working_crs=UTM, carrier="carier", technology="tech", signal="rsrp",
            time="timestamp", x="lon", y="lat",
        )  # fmt: skip
    assert "did you mean column 'carrier'?" in str(err.value)
    with pytest.raises(InputDataError, match="needs its coordinate columns"):
        load_measurements(path, working_crs=UTM, technology="tech", signal="rsrp", time="timestamp")
    rows = bad_rows()[:1] + [bad_rows()[0] | {"lon": None}]
    path = write_csv(tmp_path / "t2.csv", rows)
    with pytest.raises(InputDataError, match=r"row 3: 1 test\(s\) have no coordinates"):
        load_measurements(
            path, working_crs=UTM, technology="tech", signal="rsrp", time="timestamp",
            x="lon", y="lat",
        )  # fmt: skip


def test_speed_in_kbps_and_rows_measuring_nothing(tmp_path: Path) -> None:
    rows = [r | {"dl": 12000.0} for r in bad_rows()[:1]] + [bad_rows()[0] | {"rsrp": None}]
    path = write_csv(tmp_path / "t.csv", rows)
    kwargs = {"technology": "tech", "signal": "rsrp", "time": "timestamp", "x": "lon", "y": "lat"}
    with pytest.raises(InputDataError) as err:
        load_measurements(path, working_crs=UTM, download_mbps="dl", **kwargs)
    assert "row 2" in str(err.value) and "kbps" in str(err.value)
    with pytest.raises(InputDataError, match="measured nothing"):
        load_measurements(write_csv(tmp_path / "u.csv", rows[1:]), working_crs=UTM, **kwargs)


def test_tests_outside_every_commune(tmp_path: Path) -> None:
    rows = bad_rows()[:1]
    far = rows[0] | {"lon": 109.0, "lat": 12.0}
    path = write_csv(tmp_path / "t.csv", [rows[0], far])
    x, y = TO_UTM.transform(*PLACES["A"])
    communes = gpd.GeoDataFrame(
        geometry=[shapely.box(x - 1000, y - 1000, x + 1000, y + 1000)], crs=UTM
    )
    kwargs = {"technology": "tech", "signal": "rsrp", "time": "timestamp", "x": "lon", "y": "lat"}
    with collect_warnings() as found:
        tests = load_measurements(path, working_crs=UTM, communes=communes, **kwargs)
    assert len(tests) == 1 and tests["row"].tolist() == [2]
    assert found[0].where == "row 3" and "outside every commune" in found[0].what
    path = write_csv(tmp_path / "u.csv", [far])
    with pytest.raises(InputDataError, match="no test falls inside any commune"):
        load_measurements(path, working_crs=UTM, communes=communes, **kwargs)


# --------------------------------------------------------------------------- Ookla tiles


def tile_of(lon: float, lat: float, zoom: int) -> str:
    """The quadkey of the web-Mercator tile containing a point (the usual scalar formula)."""
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n)
    return "".join(
        str(((x >> (zoom - k)) & 1) + 2 * ((y >> (zoom - k)) & 1)) for k in range(1, zoom + 1)
    )


def test_quadkey_bounds() -> None:
    keys = [tile_of(105.8542, 21.0285, 16), tile_of(106.70, 10.78, 16), "not a key"]
    bounds = quadkey_bounds(pd.Series(keys))
    west, south, east, north = bounds[0]
    assert west <= 105.8542 < east and south <= 21.0285 < north
    assert east - west == pytest.approx(360 / 2**16)
    assert bounds[1][0] <= 106.70 < bounds[1][2] and bounds[1][1] <= 10.78 < bounds[1][3]
    assert np.isnan(bounds[2]).all()


def test_ookla_tiles_median_speed_per_village(tmp_path: Path) -> None:
    lon, lat = PLACES["A"]
    keys = [tile_of(lon, lat, 16), tile_of(lon + 0.004, lat, 16), tile_of(lon + 0.3, lat, 16)]
    table = pd.DataFrame(
        {
            "quadkey": keys,
            "avg_d_kbps": [10000, 30000, 99000],
            "avg_u_kbps": [2000, 4000, 5000],
            "avg_lat_ms": [30, 40, 20],
            "tests": [5, 7, 100],
            "devices": [2, 3, 40],
        }
    )
    table.to_parquet(tmp_path / "ookla.parquet")
    table.to_csv(tmp_path / "ookla.csv", index=False)
    tiles = load_ookla_tiles(tmp_path / "ookla.parquet")
    assert tiles.equals(load_ookla_tiles(tmp_path / "ookla.csv"))
    assert tiles["download_mbps"].tolist() == [10.0, 30.0, 99.0]
    speeds = median_tile_speed(villages().geometry, tiles, radius_m=500)
    assert speeds.loc[0].tolist() == [20.0, 2, 12]  # A: the first two tiles
    assert np.isnan(speeds.loc[1, "ookla_download_mbps"]) and speeds.loc[1, "ookla_tiles"] == 0


def test_ookla_missing_columns_and_bad_quadkeys(tmp_path: Path) -> None:
    pd.DataFrame({"quadkey": ["0123"], "avg_d_kbps": [1]}).to_parquet(tmp_path / "o.parquet")
    with pytest.raises(InputDataError, match="column 'avg_u_kbps' is not in the table"):
        load_ookla_tiles(tmp_path / "o.parquet")
    table = pd.DataFrame(
        {c: [1] for c in ["avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices"]}
    )
    table.insert(0, "quadkey", ["1324x"])
    table.to_csv(tmp_path / "o.csv", index=False)
    with pytest.raises(InputDataError, match="row 2.*not 1-23 digits 0-3"):
        load_ookla_tiles(tmp_path / "o.csv")


# --------------------------------------------------------------------------- docstrings


@pytest.mark.parametrize(
    "module",
    [
        "coverage_gaps.io.values",
        "coverage_gaps.inputs.measurements",
        "coverage_gaps.analysis.evidence",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_verdict_names() -> None:
    assert VERDICTS == ("challenged", "confirmed", "undeclared_coverage", "insufficient", "no_data")

"""The bad-input corpus: every case built in code on the tiny project, run through the CLI.

Each case has the expected exit code and message fragments. No case may give a traceback,
leave an output folder behind or change an input file. ``docs/BAD_INPUTS.md`` is generated
from these cases: ``UPDATE_DOCS=1 pytest tests/test_corpus.py`` rewrites it, and a test
checks that it is current.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from conftest import CRS, X0, Y0, build_tiny_project, write_raster
from rasterio.transform import from_origin

from coverage_gaps.cli import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "BAD_INPUTS.md"


@dataclass(frozen=True)
class Case:
    id: str
    input: str  # what is wrong, for the table
    build: Callable[[Path], None]  # breaks the tiny project in this folder
    exit_code: int
    fragments: tuple[str, ...]
    overrides: tuple[tuple[str, object], ...] = ()


def _villages(root: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = root / "villages.csv"
    change(pd.read_csv(path, dtype={"village_id": str})).to_csv(path, index=False)


def _communes(root: Path, change: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]) -> None:
    path = root / "communes.gpkg"
    change(gpd.read_file(path)).to_file(path, layer="communes")


def _no_crs_shapefile(root: Path) -> None:
    import warnings

    gdf = gpd.read_file(root / "communes.gpkg").drop(columns="provinceCode")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        pyogrio.write_dataframe(
            gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=gdf.geometry.to_numpy()),
            root / "communes.shp",
        )


def _shapefile_without(suffix: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        gdf = gpd.read_file(root / "communes.gpkg").drop(columns="provinceCode")
        gdf.to_file(root / "communes.shp")
        (root / f"communes{suffix}").unlink()

    return build


def _raster(data: np.ndarray, **kw: object) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        write_raster(root / "viettel_4g.tif", data, **kw)  # type: ignore[arg-type]

    return build


def _candidates(rows: list[tuple[str, float, float, float | None]]) -> Callable[[Path], None]:
    """Write ``candidates.csv``: (site_id, x, y, cost) per row, 800 m range each."""

    def build(root: Path) -> None:
        pd.DataFrame(
            {
                "site_id": [r[0] for r in rows],
                "x": [r[1] for r in rows],
                "y": [r[2] for r in rows],
                "range_m": [800.0] * len(rows),
                "cost": [r[3] for r in rows],
            }
        ).to_csv(root / "candidates.csv", index=False)

    return build


# A site list 3 km west of the communes (lon/lat), and its DEM (UTM 48N, metres).
SITE_HEADER = "site_id,lon,lat,height_m,frequency_mhz,eirp_dbm\n"
SITE_ROW = "W1,105.7446,21.5252,30,900,33\n"


def _sites(rows: str, *, dem: dict[str, object] | None = None) -> Callable[[Path], None]:
    """Write ``sites.csv`` (the header, then ``rows``) and a DEM (``dem``: write_raster's
    keywords; by default flat ground around the communes)."""

    def build(root: Path) -> None:
        (root / "sites.csv").write_text(SITE_HEADER + rows, encoding="utf-8")
        kw: dict[str, object] = {
            "nodata": -32768.0,
            "transform": from_origin(X0 - 10_000, Y0 + 10_000, 100, 100),
        }
        kw.update(dem or {})
        units = kw.pop("units", None)
        path = write_raster(root / "dem.tif", np.full((200, 200), 120, "float32"), **kw)  # type: ignore[arg-type]
        if units:
            with rasterio.open(path, "r+") as ds:
                ds.units = (str(units),)

    return build


def _drive(change: Callable[[pd.DataFrame], pd.DataFrame] = lambda d: d) -> Callable[[Path], None]:
    """Six drive tests near village V1 (UTM metres, local times over two days), changed."""

    def build(root: Path) -> None:
        tests = pd.DataFrame(
            {
                "carrier": "Viettel",
                "technology": "4G",
                "rsrp": [-95.0, -96.0, -97.0, -98.0, -99.0, -100.0],
                "time": [f"2025-10-0{d} {h}:00" for d in (1, 2) for h in (9, 12, 15)],
                "x": X0 + 60.0,
                "y": Y0 + 940.0,
            }
        )
        change(tests).to_csv(root / "drive.csv", index=False)

    return build


def _planning(**changes: object) -> tuple[tuple[str, object], ...]:
    plan: dict[str, object] = {
        "candidates": {"path": "candidates.csv", "crs": CRS},
        "model": "range",
        "budget": {"sites": 2},
    }
    plan.update(changes)
    return (("planning", {k: v for k, v in plan.items() if v is not None}),)


TWO_CANDIDATES = _candidates([("T1", X0 + 300, Y0 + 800, 2e9), ("T2", X0 + 1200, Y0 + 300, 3e9)])


def _cell(column: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(d: pd.DataFrame) -> pd.DataFrame:
        d = d.astype({column: object})
        d.loc[row, column] = value
        return d

    return change


DRIVE = (
    (
        "measurements",
        [{"path": "drive.csv", "signal": "rsrp", "x": "x", "y": "y", "crs": CRS}],
    ),
)


def _with_sites(**entry: object) -> tuple[tuple[str, object], ...]:
    """The tiny project's coverage with Viettel 4G given as a site list instead."""
    declared = [
        {"path": "viettel_2g.tif", "carrier": "452-04", "technology": "2G", "values": "mask"},
        {"path": "vnpt_3g.gpkg", "carrier": "Vinaphone", "technology": "3G"},
    ]
    site_list = {
        "kind": "sites",
        "path": "sites.csv",
        "carrier": "Viettel",
        "technology": "4G",
        "model": "hata+terrain",
        "dem": "dem.tif",
        **entry,
    }
    return (("coverage", [*declared, {k: v for k, v in site_list.items() if v is not None}]),)


LONLAT_VILLAGES = (
    (
        "villages",
        {"path": "villages.csv", "id": "village_id", "x": "x", "y": "y", "crs": "EPSG:4326"},
    ),
)
SHP_COMMUNES = (("communes", {"path": "communes.shp", "id": "code", "name": "fullName"}),)
#: Villages in degrees with no 'crs:': EPSG:4326 is assumed.
LONLAT_VILLAGES_NO_CRS = (
    ("villages", {"path": "villages.csv", "id": "village_id", "x": "x", "y": "y"}),
)

CASES = [
    Case(
        "empty-file",
        "commune file of 0 bytes",
        lambda r: (r / "communes.gpkg").write_bytes(b""),
        2,
        ("communes.gpkg", "is empty (0 bytes)"),
    ),
    Case(
        "truncated-gpkg",
        "GeoPackage cut to a third of its size",
        lambda r: (r / "communes.gpkg").write_bytes((r / "communes.gpkg").read_bytes()[:20000]),
        2,
        ("communes.gpkg", "cannot be read"),
    ),
    Case(
        "shp-no-shx",
        "shapefile without its .shx",
        _shapefile_without(".shx"),
        2,
        ("communes.shp", ".shx", "missing"),
        SHP_COMMUNES,
    ),
    Case(
        "shp-no-dbf",
        "shapefile without its .dbf",
        _shapefile_without(".dbf"),
        2,
        ("communes.shp", ".dbf", "missing"),
        SHP_COMMUNES,
    ),
    Case(
        "zero-features",
        "commune layer with no features",
        lambda r: _communes(r, lambda g: g.iloc[:0]),
        2,
        ("communes.gpkg", "no features"),
    ),
    Case(
        "null-geometries",
        "every commune geometry null",
        lambda r: _communes(r, lambda g: g.set_geometry(gpd.GeoSeries([None, None], crs=g.crs))),
        2,
        ("communes.gpkg", "2 feature(s) have no geometry"),
    ),
    Case(
        "self-intersection",
        "self-intersecting commune polygon (repaired, reported)",
        lambda r: _communes(
            r,
            lambda g: g.set_geometry(
                gpd.GeoSeries(
                    [
                        shapely.Polygon(
                            [
                                (X0, Y0),
                                (X0 + 1000, Y0),
                                (X0 + 1000, Y0 + 1000),
                                (X0, Y0 + 1000),
                                (X0 + 10, Y0 - 10),
                            ]
                        ),
                        g.geometry.iloc[1],
                    ],
                    crs=g.crs,
                )
            ),
        ),
        0,
        ("communes.gpkg", "repaired with make_valid", "Self-intersection"),
    ),
    Case(
        "mixed-geometry",
        "communes mixing polygons and lines",
        lambda r: _communes(
            r,
            lambda g: g.set_geometry(
                gpd.GeoSeries(
                    [g.geometry.iloc[0], shapely.LineString([(X0, Y0), (X0 + 5, Y0 + 5)])],
                    crs=g.crs,
                )
            ),
        ),
        2,
        ("communes.gpkg", "feature 2 (id B002)", "LineString"),
    ),
    Case(
        "points-for-polygons",
        "points given as communes",
        lambda r: _communes(r, lambda g: g.set_geometry(g.geometry.centroid)),
        2,
        ("communes.gpkg", "are Point", "Polygon"),
    ),
    Case(
        "no-crs",
        "shapefile without .prj",
        _no_crs_shapefile,
        2,
        ("communes.shp", "no coordinate reference system", "crs: EPSG:4326"),
        SHP_COMMUNES,
    ),
    Case(
        "different-crs",
        "villages in degrees without 'crs:', communes in UTM (reprojected, reported; with "
        "'crs:' given it is a note in run.json)",
        lambda r: _villages(r, lambda d: _to_lonlat(d)),
        0,
        ("different coordinate systems", "reprojected", "villages.csv: EPSG:4326 (assumed)"),
        LONLAT_VILLAGES_NO_CRS,
    ),
    Case(
        "lon-lat-swapped",
        "longitude and latitude columns swapped",
        lambda r: _villages(r, lambda d: _to_lonlat(d).rename(columns={"x": "y", "y": "x"})),
        2,
        ("villages.csv", "longitude and latitude look swapped", "exchange the 'x' and 'y' keys"),
        LONLAT_VILLAGES,
    ),
    Case(
        "duplicate-ids",
        "two villages with the same id",
        lambda r: _villages(r, lambda d: d.assign(village_id=["V1", "V1", *d["village_id"][2:]])),
        2,
        ("villages.csv", "used more than once: V1"),
    ),
    Case(
        "population-text",
        "population 'many'",
        lambda r: _villages(
            r, lambda d: d.assign(population=["many", *d["population"][1:].astype(str)])
        ),
        2,
        ("villages.csv", "row 2 (id V1)", "not a number"),
    ),
    Case(
        "population-negative",
        "population -5",
        lambda r: _villages(r, lambda d: d.assign(population=[-5, *d["population"][1:]])),
        2,
        ("villages.csv", "row 2 (id V1)", "negative population"),
    ),
    Case(
        "population-missing",
        "population left empty",
        lambda r: _villages(r, lambda d: d.assign(population=[None, *d["population"][1:]])),
        2,
        ("villages.csv", "row 2 (id V1)", "no population"),
    ),
    Case(
        "coordinates-nan-inf",
        "coordinates NaN and inf",
        lambda r: _villages(r, lambda d: d.assign(x=[np.nan, np.inf, *d["x"][2:]])),
        2,
        ("villages.csv", "row 2 (id V1)", "NaN or infinite"),
    ),
    Case(
        "outside-communes",
        "village 9 km outside every commune",
        lambda r: _villages(
            r,
            lambda d: pd.concat(
                [
                    d,
                    pd.DataFrame(
                        {
                            "village_id": ["FAR"],
                            "name": ["Bản Xa"],
                            "population": [5],
                            "x": [X0 + 9000],
                            "y": [Y0],
                        }
                    ),
                ]
            ),
        ),
        2,
        ("villages.csv", "FAR", "outside every commune"),
    ),
    Case(
        "raster-no-crs",
        "coverage raster without CRS",
        _raster(np.full((10, 20), -80.0, dtype="float32"), nodata=-9999.0, crs=None),
        2,
        ("viettel_4g.tif", "no coordinate reference system"),
    ),
    Case(
        "raster-all-nodata",
        "coverage raster holding only nodata",
        _raster(np.full((10, 20), -9999.0, dtype="float32"), nodata=-9999.0),
        2,
        ("viettel_4g.tif", "only nodata"),
    ),
    Case(
        "raster-complex",
        "coverage raster of complex numbers",
        _raster(np.full((10, 20), -80 + 0j, dtype="complex64"), nodata=None),
        2,
        ("viettel_4g.tif", "unexpected data type complex64"),
    ),
    Case(
        "raster-elsewhere",
        "coverage raster 50 km away",
        _raster(
            np.full((10, 10), -80.0, dtype="float32"),
            nodata=-9999.0,
            transform=from_origin(X0 + 50_000, Y0 + 1000, 100, 100),
        ),
        2,
        ("viettel_4g.tif", "contains none of the villages"),
    ),
    Case(
        "sites-no-coordinates",
        "site list: a site without coordinates",
        _sites(SITE_ROW + "W2,,,30,900,33\n"),
        2,
        ("sites.csv", "row 3 (W2)", "no usable coordinates", "fill in the coordinates"),
        _with_sites(),
    ),
    Case(
        "sites-no-height",
        "site list: a site without antenna height (model hata)",
        _sites(SITE_ROW + "W2,105.7446,21.5252,,900,33\n"),
        2,
        ("sites.csv", "column 'height_m', row 3 (W2)", "no value", "antenna height"),
        _with_sites(),
    ),
    Case(
        "sites-no-frequency",
        "site list: a site without frequency (model hata)",
        _sites(SITE_ROW + "W2,105.7446,21.5252,30,,33\n"),
        2,
        ("sites.csv", "column 'frequency_mhz', row 3 (W2)", "no value", "frequency in MHz"),
        _with_sites(),
    ),
    Case(
        "sites-frequency-outside",
        "site list: frequency 1.8 (GHz, not MHz)",
        _sites(SITE_ROW + "W2,105.7446,21.5252,30,1.8,33\n"),
        2,
        ("sites.csv", "row 3 (W2)", "outside every model", "in GHz?"),
        _with_sites(),
    ),
    Case(
        "sites-no-dem",
        "site list: model hata+terrain without a DEM",
        _sites(SITE_ROW),
        2,
        ("project.yml", "needs the terrain: 'dem' is missing"),
        _with_sites(dem=None),
    ),
    Case(
        "dem-degrees",
        "DEM band in degrees (a slope raster)",
        _sites(SITE_ROW, dem={"units": "degree"}),
        2,
        ("dem.tif", "not heights (a slope or aspect raster?)"),
        _with_sites(),
    ),
    Case(
        "dem-no-crs",
        "DEM without CRS",
        _sites(SITE_ROW, dem={"crs": None}),
        2,
        ("dem.tif", "the DEM has no coordinate reference system"),
        _with_sites(),
    ),
    Case(
        "dem-not-covering",
        "DEM that does not cover the sites",
        _sites(SITE_ROW, dem={"transform": from_origin(X0, Y0 + 10_000, 100, 100)}),
        2,
        ("dem.tif", "1 site(s) lie outside the DEM: row 2", "give a DEM covering every site"),
        _with_sites(),
    ),
    Case(
        "config-unknown-key",
        "project key 'fiber' instead of 'fibre'",
        lambda r: None,
        2,
        ("project.yml", "unknown key 'fiber'", "did you mean 'fibre'?"),
        (("fiber", {"path": "fibre.gpkg"}),),
    ),
    Case(
        "config-wrong-type",
        "area_resolution_m: fine",
        lambda r: None,
        2,
        ("project.yml", "area_resolution_m", "expected a number"),
        (("area_resolution_m", "fine"),),
    ),
    Case(
        "config-missing-file",
        "coverage file that does not exist",
        lambda r: None,
        2,
        ("nope.tif", "does not exist"),
        (("coverage", [{"path": "nope.tif", "carrier": "Viettel", "technology": "4G"}]),),
    ),
    Case(
        "planning-budget-below-cheapest",
        "planning budget in money below the cheapest candidate",
        TWO_CANDIDATES,
        2,
        ("budget.money", "below the cheapest candidate", "raise budget.money to at least 2e+09"),
        _planning(budget={"money": 1e9, "cost_per_site": 1e8}),
    ),
    Case(
        "planning-no-candidates-no-dem",
        "planning without candidates and without a DEM to generate them",
        lambda r: None,
        2,
        ("planning", "no candidates and no DEM to generate them"),
        _planning(candidates=None),
    ),
    Case(
        "planning-candidate-outside",
        "a candidate site 20 km outside every commune (left out, reported)",
        _candidates([("T1", X0 + 300, Y0 + 800, None), ("FAR", X0 + 20_000, Y0, None)]),
        0,
        ("candidates.csv", "outside every commune", "row 3"),
        _planning(),
    ),
    Case(
        "planning-candidates-no-range",
        "candidates without range_m for model: range",
        lambda r: pd.DataFrame({"x": [X0 + 300], "y": [Y0 + 800]}).to_csv(
            r / "candidates.csv", index=False
        ),
        2,
        ("candidates.csv", "no range_m column (model range needs it)"),
        _planning(),
    ),
    Case(
        "planning-cost-text",
        "candidate cost 'cheap'",
        lambda r: (
            TWO_CANDIDATES(r)
            or pd.read_csv(r / "candidates.csv")
            .assign(cost=["cheap", "3e9"])
            .to_csv(r / "candidates.csv", index=False)
        ),
        2,
        ("candidates.csv", "column 'cost', row 2", "not a number of 0 or more"),
        _planning(),
    ),
    Case(
        "tests-bad-time",
        "drive test with an unreadable time (03/10/2025) and one without a date",
        _drive(lambda d: _cell("time", 3, "10:30")(_cell("time", 1, "03/10/2025")(d))),
        2,
        ("drive.csv", "column 'time', row 3, row 5", "not ISO 8601 nor a spreadsheet date"),
        DRIVE,
    ),
    Case(
        "tests-positive-dbm",
        "drive-test signal written as a positive number (97 for -97 dBm)",
        _drive(_cell("rsrp", 2, 97.0)),
        2,
        ("drive.csv", "column 'rsrp', row 4", "0 or positive, so not in dBm"),
        DRIVE,
    ),
    Case(
        "tests-signal-in-mw",
        "drive-test signal in milliwatts (2e-10)",
        _drive(_cell("rsrp", 0, 2e-10)),
        2,
        ("drive.csv", "column 'rsrp', row 2", "mW or ASU"),
        DRIVE,
    ),
    Case(
        "tests-unknown-technology",
        "drive test of technology 6G",
        _drive(_cell("technology", 4, "6G")),
        2,
        ("drive.csv", "column 'technology', row 6", "unknown technology", "(6G)"),
        DRIVE,
    ),
    Case(
        "tests-unknown-carrier",
        "drive test of a carrier the project has no layer for (FooTel)",
        _drive(_cell("carrier", 5, "FooTel")),
        0,
        ("drive.csv: row 7", "FooTel 4G (1)", "left out of the verdicts"),
        DRIVE,
    ),
    Case(
        "tests-outside-communes",
        "drive tests outside every commune",
        _drive(_cell("x", 0, X0 + 5000.0)),
        0,
        ("drive.csv", "row 2", "outside every commune; they are left out"),
        DRIVE,
    ),
    Case(
        "tests-all-outside",
        "every drive test outside the communes (x and y swapped)",
        _drive(lambda d: d.assign(x=d["y"], y=d["x"])),
        2,
        ("drive.csv", "no test falls inside any commune"),
        DRIVE,
    ),
    Case(
        "tests-no-signal-key",
        "measurements without 'signal' or 'download_mbps'",
        _drive(),
        2,
        ("project.yml", "measurements[0]", "needs 'signal'"),
        (("measurements", [{"path": "drive.csv", "x": "x", "y": "y", "crs": CRS}]),),
    ),
    Case(
        "output-is-file",
        "output path is an existing file",
        lambda r: (r / "out").write_text("x"),
        2,
        ("is an existing file",),
    ),
    Case(
        "output-holds-inputs",
        "output folder is the input folder",
        lambda r: None,
        2,
        ("holds the input", "would replace it"),
        (("output", "."),),
    ),
]


def _to_lonlat(d: pd.DataFrame) -> pd.DataFrame:
    pts = gpd.GeoSeries(gpd.points_from_xy(d["x"], d["y"]), crs=CRS).to_crs(4326)
    return d.assign(x=pts.x.round(7), y=pts.y.round(7))


def _digest(root: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.iterdir() if p.is_file()
    }


def run_case(case: Case, root: Path) -> tuple[int, str]:
    project = build_tiny_project(root, **dict(case.overrides))
    case.build(root)
    before = _digest(root)
    res = CliRunner().invoke(cli, ["run", str(project)])
    after = _digest(root)
    assert {k: after.get(k) for k in before} == before, "an input file changed"
    assert "Traceback" not in res.output
    if res.exit_code != 0:
        assert not (root / "out").is_dir(), "an output folder was left behind"
        assert not list(root.glob(".out.partial-*"))
    return res.exit_code, res.output


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    code, output = run_case(case, tmp_path / "p")
    assert code == case.exit_code, output
    for fragment in case.fragments:
        assert fragment in output, (fragment, output)


def _message(output: str, root: Path, fragment: str) -> str:
    """The line of the output that carries the case's first expected fragment, with the
    temporary folder removed and GDAL's own wording (which varies by version) elided."""
    text = output.replace(str(root.resolve()) + "/", "").replace(str(root) + "/", "")
    text = text.replace(str(root.resolve()), ".").replace(str(root), ".")
    lines = [ln.strip() for ln in text.splitlines() if fragment in ln]
    msg = lines[0] if lines else ""
    msg = msg.removeprefix("- ").removeprefix("Error: ").removeprefix("WARNING: ")
    return re.sub(
        r"cannot be read as a (.+?) \((.*)\)\. Fix",
        r"cannot be read as a \1 (GDAL's error). Fix",
        msg,
    )


def render_table(tmp: Path) -> str:
    rows = ["| case | input | exit code | message |", "|---|---|---|---|"]
    for case in CASES:
        root = tmp / case.id
        code, output = run_case(case, root)
        msg = re.sub(r"\s+", " ", _message(output, root, case.fragments[0])).replace("|", "\\|")
        rows.append(f"| `{case.id}` | {case.input} | {code} | {msg} |")
    head = (
        "# Bad inputs and what coverage-gaps says\n\n"
        "Generated from `tests/test_corpus.py` (`UPDATE_DOCS=1 pytest tests/test_corpus.py`). Each case is "
        "built in code on the tiny test project and run with `coverage-gaps run`; exit code 2 means nothing "
        "was written, 0 means the run went on and reported the finding as a warning. Paths are relative "
        "to the project folder.\n\n"
    )
    return head + "\n".join(rows) + "\n"


def test_docs_table_is_current(tmp_path: Path) -> None:
    table = render_table(tmp_path)
    if os.environ.get("UPDATE_DOCS"):
        DOC.write_text(table, encoding="utf-8")
    assert DOC.is_file() and DOC.read_text(encoding="utf-8") == table, (
        "docs/BAD_INPUTS.md is out of date: run UPDATE_DOCS=1 pytest tests/test_corpus.py"
    )

"""map.html without a browser: content, languages, re-rendering, provinces, escaping, size."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.affinity
from click.testing import CliRunner
from PIL import Image

from coverage_gaps import run_project
from coverage_gaps.cli import cli
from coverage_gaps.outputs.maps import build_map, fold, map_data_from_run, render_map
from coverage_gaps.outputs.maps.elements import to_script_json


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
    out = to_script_json({"n": "</script><img src=x onerror=alert(1)>&'"})
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
    """92 real communes at full resolution + 3,000 villages: map.html <= 5 MB. (Its time is
    measured by benchmarks/bench_map.py, side by side with the baseline: never by a timed test
    on a shared machine.)"""
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
    path = render_map(data, tmp_path / "map.html")
    assert len(result.communes) == 92
    assert path.stat().st_size <= 5_000_000, path.stat().st_size


def test_number_format_docstring_examples() -> None:
    """The one number formatter (used by the map's title panel) works as documented."""
    import doctest

    from coverage_gaps.vietnam import numbers

    result = doctest.testmod(numbers)
    assert result.failed == 0 and result.attempted > 0
    assert numbers.format_number(12345, lang="vi") == "12.345"
    assert numbers.format_number(12345, lang="en") == "12,345"


def test_headline_numbers_grouped_by_language(tiny_project: Path) -> None:
    from dataclasses import replace

    out = run_project(tiny_project).output
    assert out is not None
    data = map_data_from_run(out)
    many = data.villages.copy()
    many = many.loc[many.index.repeat(300)].reset_index(drop=True)  # 2,400 villages
    n_gap = int(many["gap_mobile"].astype(bool).sum())
    assert n_gap >= 1000
    vi = _text(build_map(replace(data, villages=many)).get_root().render())
    en = _text(build_map(replace(data, villages=many, lang="en")).get_root().render())
    assert f"<strong>{n_gap // 1000}.{n_gap % 1000:03d}</strong> thôn" in vi
    assert f"<strong>{n_gap // 1000},{n_gap % 1000:03d}</strong> villages" in en


@pytest.mark.parametrize(
    ("values", "dtype", "value", "covered"),
    [
        ("auto", "float32", -105.0, True),  # exactly at the 4G threshold: covered
        ("auto", "float32", -105.5, False),
        ("auto", "uint8", 1, True),  # unsigned: a 0/1 mask
        ("auto", "uint8", 2, False),
        ("mask", "int16", 1, True),
    ],
)
def test_raster_overlay_follows_the_coverage_rule(
    tmp_path: Path, values: str, dtype: str, value: float, covered: bool
) -> None:
    import base64
    import io

    import numpy as np
    from conftest import write_raster
    from PIL import Image
    from rasterio.warp import transform_bounds

    from coverage_gaps.config.project import CoverageSpec
    from coverage_gaps.outputs.maps.layers import raster_overlay

    path = write_raster(tmp_path / "r.tif", np.full((10, 20), value, dtype=dtype), nodata=None)
    spec = CoverageSpec(path=path, carrier="Viettel", technology="4G", values=values)
    bounds = transform_bounds("EPSG:32648", "EPSG:4326", 580_000, 2_380_000, 582_000, 2_381_000)
    uri, _latlon = raster_overlay(spec, bounds, max_px=64)
    png = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert bool((np.asarray(png) == 1).any()) is covered


def test_unreadable_layers_left_off_the_map_with_a_warning(tiny_project: Path) -> None:
    from coverage_gaps._errors import CoverageGapsWarning
    from coverage_gaps.outputs.maps import render_run_map

    out = run_project(tiny_project).output
    assert out is not None
    (tiny_project.parent / "viettel_4g.tif").write_bytes(b"not a raster")
    (tiny_project.parent / "vnpt_3g.gpkg").unlink()
    (tiny_project.parent / "fibre.gpkg").unlink()
    with pytest.warns(CoverageGapsWarning) as caught:
        render_run_map(out)
    messages = [str(w.message) for w in caught if w.category is CoverageGapsWarning]
    assert len(messages) == 3, messages
    for name in ("viettel_4g.tif", "vnpt_3g.gpkg", "fibre.gpkg"):
        assert any(name in m and "left off the map" in m for m in messages), messages
    page = _text((out / "map.html").read_text(encoding="utf-8"))
    assert "Vùng phủ: Viettel 2G" in page  # the readable layer is still drawn
    assert "Vùng phủ: Viettel 4G" not in page and "Vùng phủ: VNPT 3G" not in page
    assert '"Tuyến cáp quang" :' not in page  # not in the layer control
    assert '"Vùng phủ: Viettel 2G" :' in page


def test_layer_left_off_during_a_run_is_recorded(
    tiny_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rasterio.errors

    from coverage_gaps.outputs.maps import layers

    def broken(*args: object, **kwargs: object) -> None:
        raise rasterio.errors.RasterioIOError("disk gone")

    monkeypatch.setattr(layers, "raster_overlay", broken)
    out = run_project(tiny_project).output
    assert out is not None
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    left_off = [w for w in run["warnings"] if "left off the map" in w]
    assert len(left_off) == 2 and "viettel_4g.tif" in left_off[0] and "disk gone" in left_off[0]


def test_rerendered_map_without_recorded_crs_chooses_one(tiny_project: Path) -> None:
    result = run_project(tiny_project)
    out = result.output
    assert out is not None
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    del run["working_crs"]
    (out / "run.json").write_text(json.dumps(run), encoding="utf-8")
    assert map_data_from_run(out).metric_crs == result.working_crs


# --------------------------------------------------------------------------- libraries: inline or CDN

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = re.compile(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", re.I)


def test_map_inlines_its_libraries_by_default(tiny_project: Path) -> None:
    """The default map.html needs no network: no script or stylesheet is linked, Leaflet and
    the plug-ins are in the page with their licences, and the page credits them."""
    from coverage_gaps.outputs.maps import ASSETS

    out = run_project(tiny_project).output
    assert out is not None
    page = (out / "map.html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(page)
    assert "cdn.jsdelivr.net" not in page and "code.jquery.com" not in page
    assert "url(images/" not in page and "url(icon-" not in page  # CSS images inlined
    assert "Copyright (c) 2010-2022, Vladimir Agafonkin" in page  # Leaflet's licence
    assert page.count("<script>/*!") == 4  # leaflet, fullscreen, measure, minimap (no clusters)
    credits = _payload(page)["credits"]
    for key in ("leaflet", "fullscreen", "minimap", "measure", "markercluster"):
        pkg, version, _files = ASSETS[key]
        assert f"{pkg} {version} (" in " ".join(credits)
    assert _payload(page)["t"]["offline"] == "không có kết nối: ẩn bản đồ nền"


def test_map_assets_cdn_links_the_pinned_libraries(tiny_project: Path, tmp_path: Path) -> None:
    from coverage_gaps.outputs.maps import ASSETS, render_map

    out = run_project(tiny_project).output
    assert out is not None
    data = map_data_from_run(out)
    page = render_map(data, tmp_path / "cdn.html", map_assets="cdn").read_text(encoding="utf-8")
    for key in ("leaflet", "fullscreen", "minimap", "measure"):
        pkg, version, files = ASSETS[key]
        for name in files:
            assert f"https://cdn.jsdelivr.net/npm/{pkg}@{version}/{name}" in page
    assert "leaflet.markercluster" not in page.split("<body>")[0]  # 8 villages: no clusters
    assert "<script>/*!" not in page
    inline = render_map(data, tmp_path / "inline.html").stat().st_size
    assert (tmp_path / "cdn.html").stat().st_size < inline - 200_000
    with pytest.raises(ValueError, match="map_assets"):
        build_map(data, map_assets="offline")


def test_map_assets_option_of_the_commands(tiny_project: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["run", str(tiny_project), "--map-assets", "cdn"])
    assert res.exit_code == 0, res.output
    out = tiny_project.parent / "out"
    assert EXTERNAL.search((out / "map.html").read_text(encoding="utf-8"))
    res = runner.invoke(cli, ["map", str(out)])  # default: inline
    assert res.exit_code == 0, res.output
    assert not EXTERNAL.search((out / "map.html").read_text(encoding="utf-8"))
    assert runner.invoke(cli, ["verify", str(out)]).exit_code == 0
    res = runner.invoke(cli, ["map", str(out), "--map-assets", "web"])
    assert res.exit_code == 2 and "--map-assets" in res.output
    for command in ("run", "demo", "map"):
        help_text = runner.invoke(cli, [command, "--help"]).output
        assert "--map-assets [inline|cdn]" in help_text, command


def test_shipped_libraries_are_the_pinned_npm_files() -> None:
    """Every file the page uses is shipped (package data), its CSS images too; the versions are
    those of .browser/package.json, and, when `make browser-deps` has installed them, the
    shipped files are byte for byte the npm packages' files."""
    from coverage_gaps.outputs.maps.libraries import (
        ASSETS,
        LICENCES,
        MINIFIED,
        inline_code,
        vendor_folder,
    )

    pinned = json.loads((ROOT / ".browser" / "package.json").read_text())["dependencies"]
    modules = ROOT / ".browser" / "node_modules"
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    for key, (pkg, version, files) in ASSETS.items():
        assert pinned[pkg] == version
        assert f"{pkg}@{version}" in notice
        folder = Path(str(vendor_folder(key)))
        names = [MINIFIED.get(f, f) for f in files] + [LICENCES[key][1]]
        for css in (f for f in files if f.endswith(".css")):
            text = (folder / css).read_text(encoding="utf-8")
            for ref in re.findall(r"url\(['\"]?(?!data:|#)([^)'\"]+)", text):
                names.append(str(Path(css).parent / ref))
        for name in names:
            assert (folder / name).is_file(), f"{pkg}@{version}/{name} is not shipped"
            if (modules / pkg).is_dir():
                assert (folder / name).read_bytes() == (modules / pkg / name).read_bytes(), name
        assert sorted(
            p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
        ) == sorted({*names, *(["BUNDLED-LICENCES.txt"] if key == "measure" else [])})
        js, css = inline_code(key)
        assert js.startswith("/*!") and "url(images/" not in css


def test_province_outlines(make_project) -> None:
    from coverage_gaps.outputs.maps.payload import province_outlines

    project = make_project()
    out = run_project(project).output
    assert out is not None
    data = map_data_from_run(out)
    outline = province_outlines(
        data.communes, metric_crs=data.metric_crs, simplify_m=20, precision=5
    )
    (feature,) = outline["features"]  # the two communes share an edge: one ring around both
    assert feature["geometry"]["type"] == "LineString"
    assert len(feature["geometry"]["coordinates"]) == 5  # a closed rectangle
    communes = data.communes.assign(province_id=["98", "99"])
    two = province_outlines(communes, metric_crs=data.metric_crs, simplify_m=20, precision=5)
    assert len(two["features"]) == 2


def test_province_outlines_start_from_the_runs_shapes(make_project) -> None:
    """The analysis dissolves each province's communes (``RunResult.province_shapes``); the
    maps' cache starts from them: the same outlines as unions made by the map itself, and no
    union made again (a cache holding a different shape shows it is used)."""
    from coverage_gaps.outputs.maps.cache import MapCache
    from coverage_gaps.outputs.maps.payload import province_outlines

    result = run_project(make_project(), write=False)
    shapes = result.province_shapes
    assert shapes is not None and set(shapes) == set(result.communes["province_id"].astype(str))
    communes = result.communes
    opts = {"metric_crs": result.working_crs, "simplify_m": 20, "precision": 5}
    alone = province_outlines(communes, **opts)
    seeded = province_outlines(communes, cache=MapCache(communes, unions=shapes), **opts)
    assert seeded == alone
    moved = {k: shapely.affinity.translate(v, 5000) for k, v in shapes.items()}
    assert province_outlines(communes, cache=MapCache(communes, unions=moved), **opts) != alone


@pytest.mark.parametrize("module", ["elements", "geometry", "libraries", "payload", "style"])
def test_docstring_examples(module: str) -> None:
    """The examples in the map modules' docstrings run as written."""
    import doctest
    import importlib

    mod = importlib.import_module(f"coverage_gaps.outputs.maps.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def _gap_kinds(villages) -> int:
    """Villages drawn as gap markers (no signal, 2G only, 3G only, no fibre)."""
    from coverage_gaps.outputs.maps.payload import village_kinds

    return int((village_kinds(villages) < 4).sum())


def test_large_run_map_shows_gap_cells_not_markers(tiny_project: Path) -> None:
    """Above the cap (lowered here to 3 villages) no village marker travels into the page:
    the gap points are counted per commune and H3 cell, and drawn as hexagons."""
    import pandas as pd

    from coverage_gaps.outputs.maps import aggregate_gap_points, map_data_from_result

    result = run_project(tiny_project, write=False)
    villages = pd.DataFrame(result.villages)
    data = map_data_from_result(result, max_points=3)
    assert len(data.villages) == 0 and data.gap_cells is not None
    cells = data.gap_cells
    assert list(cells.columns) == [
        "commune_id", "h3_cell", "k0", "k1", "k2", "k3", "population"
    ]  # fmt: skip
    assert int(cells[["k0", "k1", "k2", "k3"]].to_numpy().sum()) == _gap_kinds(villages) > 0
    assert set(cells["commune_id"]) <= set(villages["commune_id"].astype(str))
    pd.testing.assert_frame_equal(cells, aggregate_gap_points(villages))
    page = build_map(data).get_root().render()
    payload = _payload(page)
    assert payload["v"]["name"] == [] and not payload["cluster"]
    assert len(payload["c"]["geo"]["features"]) == 2  # the communes stay
    text = _text(page)
    assert "Điểm lõm sóng hoặc chưa có cáp quang theo ô H3" in text
    assert text.count('"H3 8') == cells["h3_cell"].nunique()  # one hexagon per cell
    assert "<strong>4</strong> thôn chưa có sóng 3G/4G/5G" in text  # from the communes
    # under the cap: the markers as before
    assert len(map_data_from_result(result).villages) == len(villages)


def test_map_command_on_a_run_with_villages_parquet(
    tiny_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A village table written as GeoParquet parts (cap lowered to 3 rows): the run's map
    and ``coverage-gaps map`` show gap cells read from the parts, and agree byte for byte."""
    import pandas as pd

    from coverage_gaps.outputs import files
    from coverage_gaps.outputs.maps import aggregate_gap_points

    local = run_project(tiny_project, write=False)
    monkeypatch.setattr(files, "XLSX_MAX_ROWS", 3)
    monkeypatch.setattr("coverage_gaps.io.writers.PARQUET_PART_ROWS", 3)
    out = run_project(tiny_project).output
    assert out is not None and (out / "villages.parquet").is_dir()
    assert len(list((out / "villages.parquet").glob("*.parquet"))) == 3
    assert not (out / "villages.gpkg").exists()
    before = (out / "map.html").read_text(encoding="utf-8")
    assert _payload(before)["v"]["name"] == []
    data = map_data_from_run(out)
    assert data.gap_cells is not None and len(data.villages) == 0
    pd.testing.assert_frame_equal(
        data.gap_cells, aggregate_gap_points(pd.DataFrame(local.villages))
    )
    assert data.technologies == ["2G", "3G", "4G"]
    res = CliRunner().invoke(cli, ["map", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "map.html").read_text(encoding="utf-8") == before
    assert CliRunner().invoke(cli, ["verify", str(out)]).exit_code == 0
    (out / "villages.parquet").rename(out / "elsewhere")
    res = CliRunner().invoke(cli, ["map", str(out)])
    assert res.exit_code == 2 and "villages.gpkg missing" in res.output


def test_overlay_png_is_one_bit_and_holds_the_mask_exactly() -> None:
    from coverage_gaps.outputs.maps.layers import _png_data_uri

    mask = np.random.default_rng(1).random((41, 67)) > 0.4
    uri = _png_data_uri(mask, "#c0392b")
    raw = base64.b64decode(uri.split(",", 1)[1])
    assert raw[24:26] == b"\x01\x03"  # IHDR: one bit per pixel, a palette
    png = Image.open(io.BytesIO(raw))
    rgba = np.asarray(png.convert("RGBA"))
    assert png.mode == "P" and png.info["transparency"] == 0
    np.testing.assert_array_equal(rgba[..., 3] > 0, mask)
    assert (rgba[mask][:, :3] == (192, 57, 43)).all()


def test_text_parts_render_the_same_page_without_compiling_templates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """folium's own elements made through ``text_parts`` give the page folium gives, their
    parts (and their children's) put in as text instead of compiled as jinja2 templates."""
    import branca.element
    import folium
    from folium import plugins

    from coverage_gaps.outputs.maps.elements import number_element_ids, text_parts

    def page(make: Callable[[Any], Any], attr: str = "A &copy;") -> str:
        m = make(folium.Map)(location=[21.6, 105.8], tiles=None)
        make(folium.TileLayer)("https://t/{z}/{x}/{y}.png", attr=attr, name="T").add_to(m)
        make(plugins.Fullscreen)(position="topleft").add_to(m)
        make(plugins.MeasureControl)(position="topleft").add_to(m)
        mini = make(plugins.MiniMap)(tile_layer=make(folium.TileLayer)("https://m/{z}/{x}/{y}.png",
                                                                         attr="M"))  # fmt: skip
        mini.tile_layer._id = "minimap"  # not in the tree: numbered as the maps do
        mini.add_to(m)
        make(folium.LayerControl)(collapsed=True).add_to(m)
        m.fit_bounds([[21.0, 105.0], [22.0, 106.0]])
        root = m.get_root()
        number_element_ids(root)
        return str(root.render())

    compiled: list[str] = []
    init = branca.element.Element.__init__

    def spy(self: object, template: str | None = None, template_name: str | None = None) -> None:
        if template is not None:
            compiled.append(template)
        init(self, template, template_name)  # type: ignore[arg-type]

    monkeypatch.setattr(branca.element.Element, "__init__", spy)
    plain = page(lambda cls: cls)
    folium_compiled = len(compiled)
    compiled.clear()
    assert page(text_parts) == plain
    assert folium_compiled >= 10 and len(compiled) <= 1  # the page (Figure) itself
    # text is not read as template code a second time (folium drops "{{x}}")
    assert '"A {{x}}"' in page(text_parts, "A {{x}}")
    assert '"A {{x}}"' not in page(lambda cls: cls, "A {{x}}")


def test_map_cache_picks_a_provinces_rows_once_per_table() -> None:
    """The map cache works out the rows of each province once per table, and again for
    another table under the same name (never the positions of a table it was not given)."""
    import pandas as pd

    from coverage_gaps.outputs.maps.cache import MapCache

    communes = gpd.GeoDataFrame(
        {"commune_id": ["a", "b"], "province_id": ["01", "02"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326,
    )  # fmt: skip
    cache = MapCache(communes)
    first = pd.DataFrame({"commune_id": ["b", "a", "b"]})
    rows = cache.rows("villages", first)
    assert rows is not None and {k: v.tolist() for k, v in rows.items()} == {
        "01": [1], "02": [0, 2]
    }  # fmt: skip
    assert cache.rows("villages", first) is rows  # made once
    other = pd.DataFrame({"commune_id": ["a"]})
    again = cache.rows("villages", other)
    assert again is not None and {k: v.tolist() for k, v in again.items()} == {"01": [0]}

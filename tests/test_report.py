"""The report: Vietnamese throughout (English with --lang en), the Word document holding the
same headline as provinces.csv, one report per province, XLSX legends in the list's language.

The tiny project (tests/conftest.py) with cell sites and a site budget, so that every table
of the report (carriers, budget, top 20, communes, parameters, inputs) has rows.
"""

from __future__ import annotations

import doctest
import importlib
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from conftest import CRS, X0, Y0

from coverage_gaps.analysis.classify import VILLAGE_COLUMNS
from coverage_gaps.analysis.summaries import COMMUNE_SUMMARY_COLUMNS, commune_column_order
from coverage_gaps.cli import cli
from coverage_gaps.outputs.i18n import COLUMNS
from coverage_gaps.outputs.lists import LIST_COLUMNS, SHARING_COLUMNS
from coverage_gaps.outputs.report.content import COMMUNE_COLUMNS, TOP_COLUMNS
from coverage_gaps.vietnam.carriers import TECHNOLOGIES
from coverage_gaps.vietnam.numbers import format_number

BUDGET_COLUMNS = ["carrier", "budget_sites", "villages_selected", "people_selected",
                  "sites_used", "cost_selected", "villages_remaining", "people_remaining"]  # fmt: skip
CARRIER_COLUMNS = [f"{c}_{t.lower()}" for c in ("viettel", "vnpt") for t in TECHNOLOGIES]
#: Every column name of the output contract a report could show.
CONTRACT = {
    *VILLAGE_COLUMNS,
    *COMMUNE_SUMMARY_COLUMNS,
    *commune_column_order(TECHNOLOGIES),
    *LIST_COLUMNS,
    *SHARING_COLUMNS,
    *COMMUNE_COLUMNS,
    *TOP_COLUMNS,
    *BUDGET_COLUMNS,
    *CARRIER_COLUMNS,
    "villages",
    "need_mobile",
    "need_fibre",
    "communes",
}


def _project(make_project, **overrides) -> Path:
    project = make_project(
        sites={"path": "sites.gpkg"},
        priority={"budget": {"sites": {"Viettel": 1, "VNPT": 1}}},
        **overrides,
    )
    gpd.GeoDataFrame(
        {"carrier": ["Viettel", "VNPT"], "technologies": ["4G", "3G"]},
        geometry=[shapely.Point(X0 + 300, Y0 + 500), shapely.Point(X0 + 1800, Y0 + 200)],
        crs=CRS,
    ).to_file(project.parent / "sites.gpkg")
    return project


def _run(project: Path, *args: str) -> Path:
    res = CliRunner().invoke(cli, ["run", str(project), *args])
    assert res.exit_code == 0, res.output
    return Path(args[args.index("-o") + 1]) if "-o" in args else project.parent / "out"


class _Text(HTMLParser):
    """The text a reader sees: text nodes outside <style>/<script>, and alt/title texts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("style", "script")
        self.parts += [v for k, v in attrs if k in ("alt", "title") and v]

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _raw_names(texts: list[str]) -> set[str]:
    """The column names of the contract among the words of ``texts`` (a word: letters,
    digits and ``_ . / : -``, so that a path such as ``villages.csv`` is one word)."""
    words = {w.strip(".:-") for t in texts for w in re.findall(r"[\w./:-]+", t)}
    return words & CONTRACT


def _html_text(path: Path) -> list[str]:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.parts


def _docx_text(path: Path) -> list[str]:
    doc = docx.Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return [p.text for p in doc.paragraphs] + cells


def test_vietnamese_report_shows_no_raw_column_name(make_project) -> None:
    out = _run(_project(make_project))
    seen = _html_text(out / "report.html")
    assert "Thôn lõm sóng" in seen and "Dân được phủ 4G (%)" in seen  # commune table headers
    assert {"Số trạm được cấp", "Tổng", "Lý do", "Khóa trong tệp dự án"} <= set(seen)
    assert not _raw_names(seen), "raw column names in report.html"
    assert not _raw_names(_docx_text(out / "report.docx")), "raw column names in report.docx"


def test_progress_section_shows_no_raw_column_name(make_project, tmp_path: Path) -> None:
    project = _project(make_project)
    before = _run(project, "-o", str(tmp_path / "a"))
    after = _run(project, "-o", str(tmp_path / "b"))
    res = CliRunner().invoke(cli, ["diff", str(before), str(after)])
    assert res.exit_code == 0, res.output
    seen = _html_text(after / "report.html")
    assert {"Tiến độ so với lần chạy trước", "Có 4G", "Viettel 4G", "Sóng 3G/4G/5G"} <= {
        s.split(" (")[0] for s in seen
    }
    assert not _raw_names(seen)


def test_english_report(make_project) -> None:
    out = _run(_project(make_project), "--lang", "en")
    seen = _html_text(out / "report.html")
    assert "Villages without 3G/4G/5G" in seen and "Area covered by 4G (%)" in seen
    assert "Thôn lõm sóng" not in seen
    # English words such as "villages" are column names too: look for the compound ones
    assert not {n for n in _raw_names(seen) if "_" in n}
    doc = _docx_text(out / "report.docx")
    assert "Mobile and fibre coverage gaps: Tỉnh Thử" in doc
    assert not {n for n in _raw_names(doc) if "_" in n}


def _headline(doc: docx.document.Document) -> dict[str, tuple[int, int]]:
    """Headline paragraph -> (villages, people), read from 'N <label> (M người)'."""
    found = {}
    for p in doc.paragraphs:
        m = re.fullmatch(r"([\d.]+) (.+) \(([\d.]+) người\)", p.text)
        if m:
            found[m.group(2)] = (int(m.group(1).replace(".", "")), int(m.group(3).replace(".", "")))
    return found


def test_word_report_holds_the_headline_of_provinces_csv(make_project) -> None:
    out = _run(_project(make_project))
    p = pd.read_csv(out / "provinces.csv", encoding="utf-8-sig").iloc[0]
    doc = docx.Document(str(out / "report.docx"))
    assert _headline(doc) == {
        "thôn chưa có sóng 3G/4G/5G": (p["villages_gap_mobile"], p["population_gap_mobile"]),
        "thôn chưa được phủ cáp quang": (p["villages_gap_fibre"], p["population_gap_fibre"]),
        "thôn chưa có 4G": (p["villages_no_4g"], p["population_no_4g"]),
    }
    totals = f"Tổng cộng: {p['villages']} thôn, {format_number(p['population'], lang='vi')} người"
    assert any(par.text.startswith(totals) for par in doc.paragraphs)
    titles = [par.text for par in doc.paragraphs if par.style.name == "Heading 2"]
    assert titles == ["Theo doanh nghiệp", "Ngân sách", "Biểu đồ", "20 thôn ưu tiên cao nhất",
                      "Theo xã", "Tham số và dữ liệu đầu vào"]  # fmt: skip
    communes = doc.tables[3]
    assert [c.text for c in communes.rows[0].cells][:3] == ["Mã xã", "Tên xã", "Số thôn"]
    assert len(communes.rows) == 1 + p["communes"]
    assert len(doc.inline_shapes) == 3  # the map of the gap villages and two charts
    landscape = doc.sections[-1]
    assert landscape.page_width > landscape.page_height  # the wide tables
    assert round(doc.sections[0].page_width.mm) == 210 and round(landscape.page_width.mm) == 297


def test_several_provinces_give_a_report_each(make_project) -> None:
    project = _project(make_project)
    communes = gpd.read_file(project.parent / "communes.gpkg")
    communes["provinceCode"] = ["98", "99"]
    communes.to_file(project.parent / "communes.gpkg", layer="communes")
    out = _run(project)
    assert sorted(p.name for p in (out / "reports").iterdir()) == [
        "98.docx", "98.html", "99.docx", "99.html"
    ]  # fmt: skip
    assert not (out / "report.docx").exists()
    index = (out / "report.html").read_text(encoding="utf-8")
    assert 'href="reports/98.docx"' in index and 'href="reports/99.html"' in index
    provinces = pd.read_csv(out / "provinces.csv", encoding="utf-8-sig", dtype={"province_id": str})
    for row in provinces.itertuples():
        doc = docx.Document(str(out / "reports" / f"{row.province_id}.docx"))
        mobile = _headline(doc)["thôn chưa có sóng 3G/4G/5G"]
        assert mobile == (row.villages_gap_mobile, row.population_gap_mobile)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_xlsx_legend_in_the_lists_language(make_project, lang: str) -> None:
    out = _run(_project(make_project), "--lang", lang)
    wb = openpyxl.load_workbook(out / "priority" / "viettel.xlsx")
    legend = {r[0]: r[1] for r in wb[wb.sheetnames[-1]].iter_rows(values_only=True) if r[0]}
    vi, en, vi_meaning, en_meaning = COLUMNS["score_mobile"]
    if lang == "vi":
        assert wb.sheetnames[-1] == "Chú giải" and legend[vi] == vi_meaning
        assert legend["Cần đầu tư"].startswith("mobile: cần phủ sóng")
    else:
        assert wb.sheetnames[-1] == "Legend" and legend[en] == en_meaning
    headers = next(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    assert set(headers) <= set(legend)  # every column of the list is explained


@pytest.mark.parametrize(
    "module",
    [
        "coverage_gaps.outputs.i18n",
        "coverage_gaps.outputs.report.content",
        "coverage_gaps.io.checks",
        "coverage_gaps.io.writers",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed


#: Printable width of an A4 page with the report's 12 mm margins, in CSS pixels (96/inch).
PORTRAIT_PX = round((210 - 24) / 25.4 * 96)
LANDSCAPE_PX = round((297 - 24) / 25.4 * 96)
_OVERFLOW = """(section) => {
    const all = [...document.querySelectorAll(`section.${section} table, section.${section} img`)];
    const wide = all.filter(e => e.getBoundingClientRect().right
                                 > document.documentElement.clientWidth + 0.5);
    return [all.length, wide.map(e => e.id || e.alt)];
}"""


@pytest.mark.xdist_group("browser")
def test_printed_report_fits_a4(make_project, tmp_path: Path) -> None:
    """Printed in Chromium: portrait pages for the headline, map, carriers and charts,
    landscape ones for the wide tables, and no table or picture wider than its page, even
    with long names."""
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if not chromium.exists() or sync_playwright is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("Chromium and playwright are needed in CI: run `make browser-deps`")
        pytest.skip("Chromium or playwright missing (run `make browser-deps`)")
    project = _project(make_project)
    villages = pd.read_csv(project.parent / "villages.csv", dtype={"village_id": str})
    villages["name"] = "Tổ dân phố Quyết Thắng Nam Sơn Đông Bắc số " + villages["village_id"]
    villages.to_csv(project.parent / "villages.csv", index=False)
    out = _run(project)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            page = browser.new_page()
            page.goto((out / "report.html").as_uri())
            page.emulate_media(media="print")
            for section, width in (("portrait", PORTRAIT_PX), ("wide", LANDSCAPE_PX)):
                page.set_viewport_size({"width": width, "height": 1000})
                shown, too_wide = page.evaluate(_OVERFLOW, section)
                assert shown >= 4 and too_wide == [], (section, too_wide)
            pdf = page.pdf(prefer_css_page_size=True, path=str(tmp_path / "report.pdf"))
        finally:
            browser.close()
    boxes = {tuple(round(float(x)) for x in m.split())
             for m in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)}  # fmt: skip
    assert boxes == {(0, 0, 595, 842), (0, 0, 842, 595)}  # A4 portrait and landscape, in points


def test_word_table_rows_match_what_python_docx_writes() -> None:
    """Body rows are written as one XML string (fast); they must be the XML python-docx's
    own cell API writes, for awkward texts too: outer spaces, markup characters, empty,
    tabs and line breaks, numbers (right-aligned) and booleans (not)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    from coverage_gaps.outputs.report import Table
    from coverage_gaps.outputs.report.word import TABLE_STYLE, _add_table

    rows = [[" Bản  Nà ", 1234, "a<b>&\"c'"], ["", 2.5, "tab\there\nline"], [True, -3, "x"]]
    table = Table(id="t", title="", columns=["name", "n", "note"], rows=rows, widths=[2, 1, 1])

    def fmt(value: object) -> str:
        return "" if value == "" else str(value)

    fast = docx.Document()
    fast.styles.add_style(TABLE_STYLE, 1)
    _add_table(fast, table, fmt, width_mm=120.0)
    slow = docx.Document()
    slow.styles.add_style(TABLE_STYLE, 1)
    grid = slow.add_table(rows=1, cols=3)
    for values in rows:
        for cell, value, weight in zip(grid.add_row().cells, values, [2, 1, 1], strict=True):
            cell.width = Mm(120.0 * weight / 4)
            par = cell.paragraphs[0]
            par.style = TABLE_STYLE
            par.add_run(fmt(value))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    want = [row._tr.xml for row in slow.tables[0].rows[1:]]
    got = [row._tr.xml for row in fast.tables[0].rows[1:]]
    assert len(got) == 3
    for g, w in zip(got, want, strict=True):
        assert g == w
    assert fast.tables[0].rows[2].cells[2].text == "tab\there\nline"


def test_word_style_ids_are_the_ones_python_docx_gives() -> None:
    """The report sets styles by id (a lookup by name scans every style): the ids must be
    those python-docx gives the styles of its template and the one the report adds."""
    from coverage_gaps.outputs.report.word import STYLE_IDS, TABLE_STYLE

    document = docx.Document()
    document.styles.add_style(TABLE_STYLE, 1)
    for name, style_id in STYLE_IDS.items():
        assert document.styles[name].style_id == style_id


def test_word_tables_from_the_header_cache_and_docx_written_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table met again (another province's report) starts from a copy of the header
    made the first time: the same XML as a fresh one, the new rows only. The DOCX is
    written in one pass: the entries python-docx's own save writes, with the fixed date."""
    import io
    import zipfile

    from coverage_gaps.outputs.report import Table
    from coverage_gaps.outputs.report import word as word_module
    from coverage_gaps.outputs.report.word import TABLE_STYLE, _add_table, docx_bytes

    def document(rows: list[list[object]]) -> Any:
        doc = docx.Document()
        doc.styles.add_style(TABLE_STYLE, 1)
        table = Table(id="t", title="", columns=["Mã xã", "Số thôn"], rows=rows, widths=[2, 1])
        _add_table(doc, table, str, width_mm=100.0)
        return doc

    word_module._HEADERS.clear()
    first = document([["a", 1]])
    again = document([["b", 2], ["c", 3]])  # from the cache
    word_module._HEADERS.clear()
    fresh = document([["b", 2], ["c", 3]])
    assert again.tables[0]._tbl.xml == fresh.tables[0]._tbl.xml
    assert [c.text for c in again.tables[0].rows[0].cells] == ["Mã xã", "Số thôn"]
    assert len(first.tables[0].rows) == 2 and len(again.tables[0].rows) == 3
    saved = io.BytesIO()
    fresh.save(saved)
    ours = zipfile.ZipFile(io.BytesIO(docx_bytes(fresh)))
    theirs = zipfile.ZipFile(saved)
    assert [i.filename for i in ours.infolist()] == [i.filename for i in theirs.infolist()]
    for info in ours.infolist():
        assert info.date_time == (2025, 7, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        mine, saved_part = ours.read(info.filename), theirs.read(info.filename)
        if info.filename == "docProps/core.xml":  # save stamps the time of saving
            assert b"<dcterms:modified" in mine and b">2025-07-01T00:00:00Z<" in mine
            saved_part = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>", saved_part)
            mine = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>", mine)
        assert mine == saved_part
    fast = docx_bytes(fresh)
    assert fast == docx_bytes(fresh)
    # a python-docx without the writer's steps: its own save, re-zipped, the same bytes
    monkeypatch.setattr(word_module, "_WRITER_STEPS", ("_write_parts_renamed",))
    assert docx_bytes(fresh) == fast


def test_word_reports_copied_from_one_blank_keep_their_own_content() -> None:
    """Two reports in one language from the one blank document: each holds its own title
    and text, the blank stays empty, and a fresh blank gives the same bytes."""
    import io

    from coverage_gaps.outputs.report import ProvinceReport
    from coverage_gaps.outputs.report import word as word_module

    def report(title: str, meta: str) -> ProvinceReport:
        return ProvinceReport(lang="vi", title=title, meta=meta, synthetic=None, headline=[],
                              totals="", gap_map=None, tables=[], charts=[], fmt=str)  # fmt: skip

    word_module._blank.cache_clear()
    first = word_module.render_word(report("Báo cáo: Thái Nguyên", "một"))
    second = word_module.render_word(report("Báo cáo: Lào Cai", "hai"))
    blank = word_module._blank("vi")  # its body read as XML (python-docx would keep it)
    assert blank.element.body.xpath("./w:p") == [] and blank.core_properties.title == ""
    for data, title, meta in ((first, "Báo cáo: Thái Nguyên", "một"),
                              (second, "Báo cáo: Lào Cai", "hai")):  # fmt: skip
        doc = docx.Document(io.BytesIO(data))
        assert doc.core_properties.title == title
        assert [p.text for p in doc.paragraphs][:2] == [title, meta]
    word_module._blank.cache_clear()
    assert word_module.render_word(report("Báo cáo: Lào Cai", "hai")) == second


def test_carrier_table_counts_each_carrier_listed_or_not() -> None:
    """Listed villages, their people and their needs per carrier; a carrier without a
    listed village gets zeros; a village without population counts as a village only."""
    from coverage_gaps.outputs.report.content import carrier_table

    ranked = pd.DataFrame({
        "carrier": ["VNPT", "Viettel", "VNPT", "VNPT"],
        "village_id": ["a", "b", "c", "d"],
        "population": [100, 50, None, 7],
        "need": ["mobile", "mobile+fibre", "fibre", "mobile"],
    })  # fmt: skip
    got = carrier_table(ranked, ["Viettel", "VNPT", "MobiFone"])
    assert got.to_dict("records") == [
        {"carrier": "MobiFone", "villages": 0, "population": 0, "need_mobile": 0, "need_fibre": 0},
        {"carrier": "VNPT", "villages": 3, "population": 107, "need_mobile": 2, "need_fibre": 1},
        {"carrier": "Viettel", "villages": 1, "population": 50, "need_mobile": 1, "need_fibre": 1},
    ]
    empty = carrier_table(None, ["VNPT"])
    assert empty.to_dict("records") == [{"carrier": "VNPT", "villages": 0, "population": 0}]


def test_each_province_takes_the_rows_of_its_communes() -> None:
    """A report takes a province's villages, points and ranked villages at positions worked
    out once per table: the rows, in their order, that testing each row's commune against the
    province's communes gives; a commune id listed twice falls back to that test."""
    from coverage_gaps.analysis.summaries import rows_by_province
    from coverage_gaps.outputs.report.content import ReportInputs

    communes = pd.DataFrame(
        {"commune_id": ["a", "b", "c", "d"], "province_id": ["01", "02", "01", None]}
    )
    villages = pd.DataFrame(
        {"commune_id": ["c", "b", "x", "a", "c", "d"], "v": range(6)}, index=[9, 8, 7, 6, 5, 4]
    )
    data = ReportInputs(
        project="p", provinces=pd.DataFrame(), communes=communes, villages=villages,
        ranked=villages.iloc[::-1], budget=None, carriers=[], parameters=[], inputs=[],
        synthetic=True, fibre=False,
    )  # fmt: skip
    for pid in ("01", "02", "None", "09"):
        ids = communes.loc[communes["province_id"].astype(str) == pid, "commune_id"]
        for table, frame in (("villages", villages), ("points", villages),
                             ("ranked", villages.iloc[::-1])):  # fmt: skip
            expected = frame[frame["commune_id"].isin(ids)]
            pd.testing.assert_frame_equal(data.in_province(table, pid, ids), expected)
    assert data.in_province("villages", "01", pd.Series(["a", "c"]))["v"].tolist() == [0, 3, 4]
    twice = pd.concat([communes, communes.iloc[:1].assign(province_id="02")])
    assert rows_by_province(villages, twice) is None
    data = ReportInputs(
        project="p", provinces=pd.DataFrame(), communes=twice, villages=villages, ranked=None,
        budget=None, carriers=[], parameters=[], inputs=[], synthetic=True, fibre=False,
    )  # fmt: skip
    ids = pd.Series(["a", "b"])  # province 2's communes: b, and a listed again
    assert data.in_province("villages", "02", ids)["v"].tolist() == [1, 3]

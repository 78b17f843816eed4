"""The report as a Word document (``report.docx``), the format provincial offices edit and
sign: the same headline, map, tables and charts as the HTML page, on A4 (portrait, then
landscape pages for the wide tables), in the report's language.
"""

from __future__ import annotations

import copy
import functools
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from html import escape as _escape_html
from typing import cast

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.phys_pkg import PhysPkgWriter
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.table import CT_Tbl
from docx.section import Section
from docx.shared import Emu, Length, Mm, Pt, RGBColor

from ...io.writers import OUTPUT_DATE, zip_entries
from ..i18n import text
from .charts import Picture
from .content import TEXT_WIDTHS, ProvinceReport, Table
from .evidence import EvidenceSection
from .planning import PlanningSection

__all__ = ["docx_bytes", "render_word"]

#: A4 in millimetres, and the margins of every page.
A4 = (210.0, 297.0)
MARGIN_MM = 12.0
TABLE_STYLE = "CG table"
#: Style ids of the styles the report uses, as python-docx derives them from their names
#: (``tests/test_report.py`` checks them): set directly on each paragraph and table, as
#: looking a style up by name scans every style of the document (a tenth of a report's time).
STYLE_IDS = {TABLE_STYLE: "CGtable", "Table Grid": "TableGrid", "Heading 1": "Heading1",
             "Heading 2": "Heading2", "Heading 3": "Heading3"}  # fmt: skip
#: Word's code for the language of the text (spelling and hyphenation).
LANGUAGES = {"vi": "vi-VN", "en": "en-GB"}
#: Characters python-docx writes as elements (tab, line breaks) or refuses (not XML).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def escape(value: str) -> str:
    """XML text: ``&``, ``<`` and ``>`` escaped, quotes kept (as lxml writes text)."""
    return _escape_html(value, quote=False)


def render_word(report: ProvinceReport) -> bytes:
    """The Word document of one province's report: reproducible DOCX bytes (see
    :func:`docx_bytes`)."""
    doc = copy.deepcopy(_blank(report.lang))
    doc.core_properties.title = report.title
    _set_page(doc.sections[0], landscape=False)
    _heading(doc, report.title, level=1)
    doc.add_paragraph(report.meta)
    if report.synthetic:
        doc.add_paragraph().add_run(report.synthetic).font.color.rgb = RGBColor(0xC0, 0x39, 0x2B)
    _add_headline(doc, report)
    if report.gap_map is not None:
        _add_picture(doc, report.gap_map, width_mm=150.0, caption=False)
    for table in (t for t in report.tables if not t.wide):
        _add_table(doc, table, report.fmt, width_mm=A4[0] - 2 * MARGIN_MM)
    if report.evidence is not None:
        _add_evidence(doc, report.evidence, report.fmt)
    if report.planning is not None:
        _add_planning(doc, report.planning, report.fmt)
    _heading(doc, text("charts", report.lang), level=2)
    for chart in report.charts:
        _add_picture(doc, chart, width_mm=A4[0] - 2 * MARGIN_MM, caption=True)
    _set_page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
    for table in (t for t in report.tables if t.wide):
        _add_table(doc, table, report.fmt, width_mm=A4[1] - 2 * MARGIN_MM)
    return docx_bytes(doc)


class _Entries:
    """The entries python-docx's package writer hands over, kept in order (the interface
    of its physical package writers: ``write`` and ``close``)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        self.items.append((pack_uri.membername, blob))

    def close(self) -> None:
        """Nothing to flush."""


#: The steps of python-docx's ``PackageWriter.write`` (1.1, 1.2), called one by one to hand
#: the parts to :class:`_Entries`; a python-docx without them gets its own ``save`` re-zipped.
_WRITER_STEPS = ("_write_content_types_stream", "_write_pkg_rels", "_write_parts")


def docx_bytes(doc: DocumentObject) -> bytes:
    """The document's DOCX bytes, reproducible (:func:`~coverage_gaps.io.writers.zip_entries`:
    every entry stamped :data:`~coverage_gaps.io.writers.OUTPUT_DATE`).

    The parts python-docx's ``save`` writes, in its order, compressed once: ``save``
    deflates them with the time of saving, which a second pass had to redo (a fifth of a
    report's Word time).
    """
    if not all(hasattr(PackageWriter, step) for step in _WRITER_STEPS):
        saved = io.BytesIO()
        doc.save(saved)
        with zipfile.ZipFile(saved) as src:
            return zip_entries((i.filename, src.read(i.filename)) for i in src.infolist())
    package = doc.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    writer = cast(PhysPkgWriter, _Entries())  # the interface python-docx's writer uses
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    return zip_entries(cast(_Entries, writer).items)


@functools.cache
def _blank(lang: str) -> DocumentObject:
    """python-docx's blank document set up for the reports in ``lang`` (:func:`_set_up`),
    made once and deep-copied for each report (copying takes half the time of reading the
    template again).

    The copy holds only what :func:`_set_up` touched: the properties, the styles and the
    package's relationships. Nothing may read the body here (``paragraphs``,
    ``add_paragraph``, ``inline_shapes``): python-docx keeps the body it found, and a copy
    would then write into a body detached from its document (``tests/test_report.py``
    checks two reports made from one blank).
    """
    doc = Document()
    _set_up(doc, lang)
    return doc


def _set_up(doc: DocumentObject, lang: str) -> None:
    """Fixed document properties (reproducible files; the title left empty, in its place),
    the text's language, the styles, and no thumbnail (the template's would show another
    document)."""
    props = doc.core_properties
    fixed = OUTPUT_DATE.replace(tzinfo=None)
    props.author = props.last_modified_by = "coverage-gaps"
    props.title = ""
    props.comments = ""
    props.created = props.modified = fixed
    props.revision = 1
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            del package.rels[rid]
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGES.get(lang, "vi-VN"))
    normal.element.get_or_add_rPr().append(language)
    small = doc.styles.add_style(TABLE_STYLE, 1)  # 1: a paragraph style
    small.base_style = normal
    small.font.size = Pt(7.5)
    small.paragraph_format.space_after = Pt(0)


def _heading(doc: DocumentObject, title: str, *, level: int) -> None:
    """A heading paragraph (as ``doc.add_heading`` writes it, its style set by id)."""
    doc.add_paragraph(title)._p.style = STYLE_IDS[f"Heading {level}"]


def _set_page(section: Section, *, landscape: bool) -> None:
    width, height = (A4[1], A4[0]) if landscape else A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(width), Mm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))


def _add_headline(doc: DocumentObject, report: ProvinceReport) -> None:
    for line in report.headline:
        par = doc.add_paragraph()
        count = par.add_run(report.fmt(line.count))
        count.bold = True
        people = text("people_count", report.lang).format(people=report.fmt(line.people))
        par.add_run(f" {line.label} ({people})")
    doc.add_paragraph(report.totals)


def _add_evidence(
    doc: DocumentObject, section: EvidenceSection, fmt: Callable[[object], str]
) -> None:
    """The measured-evidence section: its lines, the villages per verdict, the rules."""
    _heading(doc, section.title, level=2)
    for line in section.lines:
        doc.add_paragraph(line)
    widths = [TEXT_WIDTHS["carrier"], *[1.0] * (len(section.columns) - 1)]
    table = Table(id="verdicts", title="", columns=section.columns, rows=section.rows,
                  widths=widths)  # fmt: skip
    _add_table(doc, table, fmt, width_mm=A4[0] - 2 * MARGIN_MM)
    doc.add_paragraph(section.rules)


def _add_planning(
    doc: DocumentObject, section: PlanningSection, fmt: Callable[[object], str]
) -> None:
    """Where to build: the headline, the targets, method and budget, the sites, the clusters."""
    _heading(doc, section.title, level=2)
    doc.add_paragraph().add_run(section.headline).bold = True
    doc.add_paragraph(" ".join(section.lines))
    width = A4[0] - 2 * MARGIN_MM
    sites = Table(id="planning-sites", title="", columns=section.sites_columns,
                  rows=section.sites, widths=[1.0] * len(section.sites_columns))  # fmt: skip
    _add_table(doc, sites, fmt, width_mm=width)
    _heading(doc, section.clusters_title, level=3)
    widths = [*[1.0] * (len(section.clusters_columns) - 1), 3.0]
    clusters = Table(id="planning-clusters", title="", columns=section.clusters_columns,
                     rows=section.clusters, widths=widths)  # fmt: skip
    _add_table(doc, clusters, fmt, width_mm=width)


def _add_picture(doc: DocumentObject, picture: Picture, *, width_mm: float, caption: bool) -> None:
    doc.add_picture(io.BytesIO(picture.png), width=Mm(width_mm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if caption:
        doc.add_paragraph(picture.title).alignment = WD_ALIGN_PARAGRAPH.CENTER


def _add_table(
    doc: DocumentObject, table: Table, fmt: Callable[[object], str], *, width_mm: float
) -> None:
    """A table filling ``width_mm``, columns as wide as ``table.widths`` say, its header
    repeated on each page, numbers right-aligned."""
    if table.title:
        _heading(doc, table.title, level=2)
    weights = table.widths or [1.0] * len(table.columns)
    widths = [Mm(width_mm * w / sum(weights)) for w in weights]
    key = (tuple(table.columns), tuple(widths))
    if key in _HEADERS:  # the same table in another province's report
        tbl = copy.deepcopy(_HEADERS[key])
        doc.element.body._insert_tbl(tbl)
    else:
        tbl = _add_header(doc, table.columns, widths)
        _HEADERS[key] = copy.deepcopy(tbl)
    _add_rows(tbl, table.rows, fmt, widths, STYLE_IDS[TABLE_STYLE])


#: The XML of each table's frame and header row made so far, by (column labels, widths):
#: every province's report has the same tables, and python-docx's objects take 4 ms to
#: make one (the body rows are written as XML, :func:`_add_rows`).
_HEADERS: dict[tuple[tuple[str, ...], tuple[Length, ...]], CT_Tbl] = {}


def _add_header(doc: DocumentObject, columns: Sequence[str], widths: Sequence[Length]) -> CT_Tbl:
    """A table of one row, its header: the columns' widths, the labels in bold."""
    grid = doc.add_table(rows=1, cols=len(columns))
    grid._tbl.tblStyle_val = STYLE_IDS["Table Grid"]
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the grid (LibreOffice reads it); the cells' widths for Word
    head = grid.rows[0]
    _repeat_as_header(head)
    style_id = STYLE_IDS[TABLE_STYLE]
    for cell, label, width in zip(head.cells, columns, widths, strict=True):
        cell.width = width
        par = cell.paragraphs[0]
        par._p.style = style_id
        par.add_run(label).bold = True
    return grid._tbl


def _add_rows(
    tbl: CT_Tbl,
    rows: Sequence[Sequence[object]],
    fmt: Callable[[object], str],
    widths: Sequence[Length],
    style_id: str | None,
) -> None:
    """The body rows, written as one XML string and parsed once (python-docx's objects cost
    tens of seconds over a national run's 47,000 cells). The same XML python-docx writes:
    a cell's width, the paragraph's style, numbers right-aligned, ``xml:space="preserve"``
    on text with outer spaces. Empty text and text with control characters go through python-docx
    (tabs and line breaks become ``w:tab`` and ``w:br``)."""
    cells = [_cell_template(width, style_id) for width in widths]
    parts = [f"<w:tbl {nsdecls('w')}>"]
    slow: list[tuple[int, int, str]] = []
    for i, values in enumerate(rows):
        parts.append("<w:tr>")
        for j, (value, (left, right)) in enumerate(zip(values, cells, strict=True)):
            shown = fmt(value)
            parts.append(right if _is_number(value) else left)
            if not shown or _CONTROL.search(shown):
                slow.append((i, j, shown))
                parts.append("<w:r/></w:p></w:tc>")
            else:
                space = ' xml:space="preserve"' if shown.strip() != shown else ""
                parts.append(f"<w:r><w:t{space}>{escape(shown)}</w:t></w:r></w:p></w:tc>")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    trs = parse_xml("".join(parts)).tr_lst
    for i, j, shown in slow:
        trs[i].tc_lst[j].p_lst[0].r_lst[0].text = shown
    tbl.extend(trs)


def _cell_template(width: Length, style_id: str | None) -> tuple[str, str]:
    """The XML of a body cell up to its run, left- and right-aligned, as python-docx writes
    it (``tcW`` in twips, the paragraph's style, ``jc`` for numbers)."""
    style = f'<w:pStyle w:val="{style_id}"/>' if style_id else ""
    head = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{Emu(width).twips}"/></w:tcPr><w:p>'
    left = f"{head}<w:pPr>{style}</w:pPr>" if style else head
    return left, f'{head}<w:pPr>{style}<w:jc w:val="right"/></w:pPr>'


def _is_number(value: object) -> bool:
    """Numbers are right-aligned (not booleans)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _repeat_as_header(row: object) -> None:
    """Mark a table row as the header row Word repeats at the top of each page."""
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(mark)  # type: ignore[attr-defined]

"""The report as an HTML page, readable on its own (pictures embedded) and printable on A4.

Printed, the headline, the map, the carriers and the charts come on portrait pages and the
wide tables (top 20, communes, parameters and inputs) on landscape pages (CSS named pages),
in a smaller type; long cells wrap, so no table is wider than its page.

Every value from the data is escaped (jinja2 autoescape), so a village named ``<script>``
shows as text.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import cache
from numbers import Number

import jinja2
from markupsafe import Markup, escape

from ..i18n import text
from .content import ProvinceReport, Table

__all__ = ["PROGRESS_MARKS", "render_page"]

#: Where ``coverage-gaps diff`` puts its progress section.
PROGRESS_MARKS = ("<!-- progress -->", "<!-- /progress -->")

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ r.lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.title }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .45em;text-align:left;vertical-align:top}
td.long{overflow-wrap:anywhere}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.headline{font-size:1.15em;background:#fff6e5;border-left:5px solid #e69500;padding:.6em 1em;margin:1em 0}
.headline p{margin:.2em 0}.synthetic{background:#fde8e8;border-left:5px solid #c0392b;padding:.5em 1em}
.meta{color:#555}img{max-width:100%}figure{margin:1em 0}code{font-size:.85em;word-break:break-all}
@page{size:A4 portrait;margin:12mm}
@page wide{size:A4 landscape;margin:12mm}
@media print{
body{margin:0;max-width:none;padding:0;font-size:9pt}
h1{font-size:15pt}h2{font-size:11pt;break-after:avoid}
section.wide{page:wide}
table{font-size:7.5pt}th,td{padding:1px 3px}
thead{display:table-header-group}tr,figure,.headline{break-inside:avoid}
img.map{max-height:160mm;width:auto}
}
</style>
</head>
<body>
<section class="portrait">
<h1>{{ r.title }}</h1>
<p class="meta">{{ r.meta }}</p>
{% if r.synthetic %}<p class="synthetic">{{ r.synthetic }}</p>{% endif %}
<div class="headline" id="headline">
{% for h in r.headline %}<p><strong id="{{ h.id }}">{{ r.fmt(h.count) }}</strong> {{ h.label }}
 ({{ people(h.people) }})</p>
{% endfor %}<p>{{ r.totals }}</p>
</div>
{{ marks[0]|safe }}{{ marks[1]|safe }}
{% if r.gap_map %}<figure><img class="map" alt="{{ r.gap_map.title }}" src="data:image/png;base64,{{ png(r.gap_map) }}"></figure>{% endif %}
{% for t in r.tables if not t.wide %}{{ table(t) }}{% endfor %}
{% if r.evidence %}<h2>{{ r.evidence.title }}</h2>
<div id="evidence">{% for line in r.evidence.lines %}<p>{{ line }}</p>{% endfor %}
<table id="verdicts"><thead><tr>{% for c in r.evidence.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in r.evidence.rows %}<tr>{% for v in row %}<td{% if v is number %} class="n"{% endif %}>{{ r.fmt(v) }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
<p class="meta">{{ r.evidence.rules }}</p></div>{% endif %}
{% if r.planning %}<h2>{{ r.planning.title }}</h2>
<div class="headline" id="planning-headline"><p><strong>{{ r.planning.headline }}</strong></p></div>
<p id="planning-method">{% for line in r.planning.lines %}{{ line }} {% endfor %}</p>
<table id="planning-sites"><thead><tr>{% for c in r.planning.sites_columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in r.planning.sites %}<tr>{% for v in row %}<td{% if v is number %} class="n"{% endif %}>{{ r.fmt(v) }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
<h3>{{ r.planning.clusters_title }}</h3>
<table id="planning-clusters"><thead><tr>{% for c in r.planning.clusters_columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in r.planning.clusters %}<tr>{% for v in row %}<td{% if v is number %} class="n"{% endif %}>{{ r.fmt(v) }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>{% endif %}
<h2>{{ charts_title }}</h2>
{% for c in r.charts %}<figure><img alt="{{ c.title }}" src="data:image/png;base64,{{ png(c) }}"><figcaption>{{ c.title }}</figcaption></figure>
{% endfor %}</section>
<section class="wide">
{% for t in r.tables if t.wide %}{{ table(t) }}{% endfor %}</section>
</body>
</html>
"""


def render_page(report: ProvinceReport) -> str:
    """The HTML page of one province's report."""

    def people(n: float | None) -> str:
        return text("people_count", report.lang).format(people=report.fmt(n))

    return _template().render(
        r=report,
        marks=PROGRESS_MARKS,
        charts_title=text("charts", report.lang),
        people=people,
        png=lambda p: base64.b64encode(p.png).decode("ascii"),
        table=lambda t: table_html(t, report.fmt),
    )


def table_html(table: Table, fmt: Callable[[object], str]) -> Markup:
    """One table of the page: its title, a header row and a row per row, each value written
    by ``fmt`` and escaped; numbers (not booleans) right-aligned (``class="n"``), long text
    allowed to break (``class="long"``).

    Written here rather than as a template macro: the macro's machinery per cell took most
    of a page's rendering (0.95 of 1.0 s for 34 provinces), for the same bytes.

    Examples
    --------
    >>> t = Table(id="t", title="A & B", columns=["n", "x"], rows=[[1, "<b>"], [True, None]],
    ...           widths=[1.0, 4.0])
    >>> print(table_html(t, lambda v: "" if v is None else str(v)))
    <h2>A &amp; B</h2>
    <table id="t"><thead><tr><th>n</th><th>x</th></tr></thead>
    <tbody><tr><td class="n">1</td><td class="long">&lt;b&gt;</td></tr>
    <tr><td>True</td><td class="long"></td></tr>
    </tbody></table>
    <BLANKLINE>
    """
    long = table.long
    head = f"<h2>{escape(table.title)}</h2>\n" if table.title else ""
    columns = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    classes = [' class="long"' if wide else "" for wide in long]
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{_NUMBER if _is_number(v) else classes[j]}>{escape(fmt(v))}</td>"
            for j, v in enumerate(row)
        )
        + "</tr>\n"
        for row in table.rows
    )
    return Markup(
        f'{head}<table id="{escape(table.id)}"><thead><tr>{columns}</tr></thead>\n'
        f"<tbody>{rows}</tbody></table>\n"
    )


_NUMBER = ' class="n"'


def _is_number(value: object) -> bool:
    """A number and not a boolean, as the template's ``is number and is not boolean``."""
    return isinstance(value, Number) and not (value is True or value is False)


@cache
def _template() -> jinja2.Template:
    """The page's template, compiled once per process (compiling it took longer than
    rendering a province's page)."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE)

"""A short, printable HTML report per province, readable on its own (charts embedded).

Every value from the data is escaped (jinja2 autoescape), so a village named
``<script>`` shows as text. Labels come from :mod:`coverage_gaps.outputs.i18n`; numbers are
written by :func:`coverage_gaps.vietnam.numbers.format_number`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from .._version import __version__
from ..analysis.evidence import VERDICTS
from ..results import PlanningResult, RunResult
from ..vietnam.carriers import TECHNOLOGIES, carrier_slug
from ..vietnam.numbers import format_number
from .i18n import TEXT, header, map_text, text
from .lists import priority_parameters
from .planning import planning_section

__all__ = ["render_reports"]

#: Columns of the "top 20" table.
TOP_COLUMNS = [
    "overall_rank",
    "village_id",
    "name",
    "commune_name",
    "population",
    "carrier",
    "score",
    "reason",
]

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t.report_title }}: {{ province }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2em auto;max-width:1100px;
color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .45em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.headline{font-size:1.15em;background:#fff6e5;border-left:5px solid #e69500;padding:.6em 1em;margin:1em 0}
.headline p{margin:.2em 0}.synthetic{background:#fde8e8;border-left:5px solid #c0392b;padding:.5em 1em}
.meta{color:#555}img{max-width:100%}code{font-size:.85em}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}table,img{page-break-inside:avoid}}
</style>
</head>
<body>
<h1>{{ t.report_title }}: {{ province }}</h1>
<p class="meta">{{ t.run_date }}: {{ run_date }} · coverage-gaps {{ version }} · {{ project }}</p>
{% if synthetic %}<p class="synthetic">{{ t.synthetic }}</p>{% endif %}
<div class="headline" id="headline">
<p><strong id="n-gap-mobile">{{ fmt(row.villages_gap_mobile) }}</strong> {{ t.headline_mobile }}
 ({{ fmt(row.population_gap_mobile) }} {{ t.people|lower }})</p>
{% if fibre %}<p><strong id="n-gap-fibre">{{ fmt(row.villages_gap_fibre) }}</strong> {{ t.headline_fibre }}
 ({{ fmt(row.population_gap_fibre) }} {{ t.people|lower }})</p>{% endif %}
<p><strong id="n-no-4g">{{ fmt(row.villages_no_4g) }}</strong> {{ t.headline_no4g }};
 {{ fmt(row.villages) }} {{ t.villages|lower }}, {{ fmt(row.population) }} {{ t.people|lower }},
 {{ fmt(row.communes) }} {{ t.communes_word }}.</p>
</div>

<!-- progress --><!-- /progress -->

<h2>{{ t.carriers }}</h2>
<table id="carriers"><tr>{% for c in carriers.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in carriers.rows %}<tr>{% for v in r %}<td{% if v is number %} class="n"{% endif %}>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}
</table>
{% if budget %}<h2>{{ t.budget }}</h2>
<table id="budget"><tr>{% for c in budget.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in budget.rows %}<tr>{% for v in r %}<td{% if v is number %} class="n"{% endif %}>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endif %}{% if planning %}
<h2>{{ t.planning }}</h2>
<div class="headline" id="planning-headline"><p><strong>{{ planning.headline }}</strong></p></div>
<p id="planning-method">{{ planning.targets }} {{ planning.quality }} {{ planning.budget }}</p>
<table id="planning-sites"><tr>{% for c in planning.sites.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in planning.sites.rows %}<tr>{% for v in r %}<td{% if v is number %} class="n"{% endif %}>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}
</table>
<h3>{{ t.planning_clusters }}</h3>
<table id="planning-clusters"><tr>{% for c in planning.clusters.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in planning.clusters.rows %}<tr>{% for v in r %}<td{% if v is number %} class="n"{% endif %}>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endif %}

{% if evidence %}<h2>{{ t.evidence }}</h2>
<div id="evidence">{% for line in evidence.lines %}<p>{{ line }}</p>{% endfor %}
<table id="verdicts"><tr>{% for c in evidence.table.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in evidence.table.rows %}<tr>{% for v in r %}<td{% if v is number %} class="n"{% endif %}>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}
</table><p class="meta">{{ evidence.rules }}</p></div>{% endif %}

<h2>{{ t.top }}</h2>
<table id="top"><tr>{% for c in top.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in top.rows %}<tr>{% for v in r %}<td{% if v is number %} class="n"{% endif %}>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}
</table>

<h2>{{ t.charts }}</h2>
{% for c in charts %}<figure><img alt="{{ c.title }}" src="data:image/png;base64,{{ c.png }}"><figcaption>{{ c.title }}</figcaption></figure>{% endfor %}

<h2>{{ t.communes }}</h2>
<table id="communes"><tr>{% for c in communes.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in communes.rows %}<tr>{% for v in r %}<td{% if v is number %} class="n"{% endif %}>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}
</table>

<h2>{{ t.inputs }}</h2>
<table id="parameters">{% for k, v in parameters %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
<table id="checksums"><tr><th>role</th><th>file</th><th>sha256</th></tr>
{% for i in inputs %}<tr><td>{{ i.role }}</td><td>{{ i.path }}</td><td><code>{{ i.sha256 }}</code></td></tr>{% endfor %}
</table>
</body>
</html>
"""


def _fmt(lang: str) -> Callable[[object], object]:
    """The template's cell formatter: ✓ for true, numbers written the `lang` way (whole
    numbers without decimals, others with two; NaN empty), anything else unchanged."""

    def fmt(value: object) -> object:
        if isinstance(value, (bool, np.bool_)):
            return "✓" if value else ""
        if isinstance(value, (int, np.integer)):
            return format_number(int(value), lang=lang)
        if isinstance(value, (float, np.floating)):
            x = float(value)
            whole = x.is_integer() and abs(x) >= 1
            return format_number(x, lang=lang, decimals=0 if whole else 2)
        return value

    return fmt


def _table(df: pd.DataFrame, lang: str) -> dict[str, Any]:
    return {
        "columns": [header(c, lang) for c in df.columns],
        "rows": [[_plain(v) for v in row] for row in df.itertuples(index=False)],
    }


def _plain(value: object) -> object:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(
    communes: pd.DataFrame, villages: pd.DataFrame, carriers: Sequence[str], lang: str
) -> list[dict[str, str]]:
    # deferred: matplotlib takes about half a second to import and only the charts need it
    from matplotlib.figure import Figure

    charts = []
    top = communes.sort_values(["villages_gap_mobile", "commune_id"], ascending=[False, True]).head(
        25
    )
    top = top[top["villages_gap_mobile"] > 0]
    title = text("gap_villages_chart", lang)
    fig = Figure(figsize=(9, max(2.0, 0.28 * len(top) + 1)))
    ax = fig.subplots()
    ax.barh(
        top["commune_name"].astype(str)[::-1], top["villages_gap_mobile"][::-1], color="#c0392b"
    )
    ax.set_xlabel(text("villages", lang))
    ax.set_title(title)
    charts.append({"title": title, "png": _png(fig)})

    pop = villages["population"].to_numpy(dtype=float)
    total = pop.sum() or 1.0
    techs = [
        t
        for t in TECHNOLOGIES
        if any(f"{carrier_slug(c)}_{t.lower()}" in villages for c in carriers)
    ]
    title = text("pop_covered_chart", lang)
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    width = 0.8 / max(len(carriers), 1)
    for j, c in enumerate(carriers):
        shares = [
            100.0 * pop[villages[col].to_numpy(dtype=bool)].sum() / total
            if (col := f"{carrier_slug(c)}_{t.lower()}") in villages
            else 0.0
            for t in techs
        ]
        ax.bar(np.arange(len(techs)) + j * width, shares, width, label=c)
    ax.set_xticks(np.arange(len(techs)) + width * (len(carriers) - 1) / 2, techs)
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.legend(ncols=min(4, max(len(carriers), 1)), fontsize=8)
    ax.set_title(title)
    charts.append({"title": title, "png": _png(fig)})
    return charts


def render_reports(
    *,
    project: str,
    provinces: pd.DataFrame,
    communes: pd.DataFrame,
    villages: pd.DataFrame,
    ranked: pd.DataFrame | None,
    budget: pd.DataFrame | None,
    carriers: Sequence[str],
    parameters: Sequence[tuple[str, object]],
    inputs: Sequence[Mapping[str, Any]],
    synthetic: bool,
    fibre: bool,
    lang: str = "vi",
    run_date: str | None = None,
    planning: PlanningResult | None = None,
    evidence: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """One HTML report per province: ``{province_id: html}``; with ``planning``, a section
    on where to build (the sites standing in the province).

    ``evidence`` (when the run has measurements): ``layers``, ``(column, carrier,
    technology)`` of each layer judged, and ``rules``, the rules as ``ChallengeRules.as_dict``;
    each province's report then has a section per carrier (see :func:`_evidence_view`).

    Examples
    --------
    >>> html = render_reports(project="X", provinces=p, communes=c, villages=v, ranked=r,
    ...                       budget=None, carriers=["Viettel"], parameters=[], inputs=[],
    ...                       synthetic=True, fibre=True)  # doctest: +SKIP
    """

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_TEMPLATE)
    shared = {
        "lang": lang,
        "t": {k: text(k, lang) for k in TEXT},
        "h": {k: header(k, lang) for k in ("commune_name",)},
        "fmt": _fmt(lang),
        "project": project,
        "version": __version__,
        "run_date": run_date or dt.date.today().isoformat(),
        "synthetic": synthetic,
        "fibre": fibre,
        "budget": _budget_view(budget, lang) if budget is not None else None,
        "parameters": parameters,
        "inputs": inputs,
    }
    out: dict[str, str] = {}
    for row in provinces.itertuples(index=False):
        pid = str(row.province_id)
        c = communes[communes["province_id"].astype(str) == pid]
        ids = c["commune_id"].astype(str)
        v = villages[villages["commune_id"].astype(str).isin(ids)]
        rk = ranked[ranked["commune_id"].astype(str).isin(ids)] if ranked is not None else None
        out[pid] = template.render(
            **shared,
            province=str(row.province_name),
            row=row,
            carriers=_table(_carrier_table(rk, carriers), lang),
            top=_table(_top_table(rk), lang),
            charts=_charts(c, v, carriers, lang),
            communes=_table(_commune_table(c), lang),
            planning=_planning_view(planning, list(ids), lang),
            evidence=_evidence_view(v, evidence, lang) if evidence is not None else None,
        )
    return out


def _planning_view(
    planning: PlanningResult | None, communes: list[str], lang: str
) -> dict[str, Any] | None:
    """The planning section of one province's report (None without a planning)."""
    if planning is None:
        return None
    section = planning_section(planning, communes=communes, lang=lang)
    section["sites"] = _table(section["sites"], lang)
    section["clusters"] = _table(section["clusters"], lang)
    return section


def _evidence_view(
    villages: pd.DataFrame, evidence: Mapping[str, Any], lang: str
) -> dict[str, Any]:
    """The measured-evidence section of one province: a line per carrier and technology
    ("Viettel: 7 thôn khai báo có sóng 4G nhưng đo không đạt"), villages per verdict, the
    rules."""
    lines, rows = [], []
    for column, carrier, tech in evidence["layers"]:
        verdicts = villages.get(f"{column}_measured")
        if verdicts is None:
            continue
        counts = verdicts.value_counts()
        n = {v: int(counts.get(v, 0)) for v in VERDICTS}
        lines.append(
            text("evidence_line", lang).format(
                carrier=carrier, tech=tech, n=format_number(n["challenged"], lang=lang)
            )
        )
        rows.append({"carrier": carrier, "technology": tech, **n})
    table = pd.DataFrame(rows, columns=["carrier", "technology", *VERDICTS])
    view = _table(table, lang)
    view["columns"] = [header(c, lang) for c in ("carrier",)] + [
        "technology" if lang == "en" else "Công nghệ",
        *(map_text(f"verdict_{v}", lang) for v in VERDICTS),
    ]
    rules = evidence["rules"]
    return {
        "lines": lines or [text("evidence_none", lang)],
        "table": view,
        "rules": text("evidence_rules", lang).format(
            min_tests=rules["min_tests"],
            radius=format_number(float(rules["village_radius_m"]), lang=lang, decimals=0),
            share=format_number(100 * float(rules["min_failing_share"]), lang=lang, decimals=0),
            hours=format_number(float(rules["min_hours_apart"]), lang=lang, decimals=0),
        ),
    }


def _commune_table(communes: pd.DataFrame) -> pd.DataFrame:
    """The province's communes with their counts, by commune id."""
    columns = ["commune_id", "commune_name", "villages", "population", "villages_gap_mobile",
               "population_gap_mobile", "villages_gap_fibre", "population_gap_fibre",
               "villages_no_4g", "pct_population_4g", "pct_area_4g"]  # fmt: skip
    return communes[[k for k in columns if k in communes.columns]].sort_values("commune_id")


def _carrier_table(ranked: pd.DataFrame | None, carriers: Sequence[str]) -> pd.DataFrame:
    """Per carrier: listed villages, their people, and how many need mobile and fibre."""
    if ranked is None or not len(ranked):
        return pd.DataFrame({"carrier": sorted(carriers), "villages": 0, "population": 0})
    per = ranked.groupby("carrier", sort=True).agg(
        villages=("village_id", "size"),
        population=("population", "sum"),
    )
    for need in ("mobile", "fibre"):
        per[f"need_{need}"] = ranked["need"].str.contains(need).groupby(ranked["carrier"]).sum()
    return per.reindex(sorted(carriers), fill_value=0).reset_index(names="carrier")


def _top_table(ranked: pd.DataFrame | None) -> pd.DataFrame:
    """The 20 best-scored listed villages of the province (ties by village id)."""
    if ranked is None or not len(ranked):
        return pd.DataFrame(columns=TOP_COLUMNS)
    top = ranked.sort_values(["score", "village_id"], ascending=[False, True]).head(20)
    return top[TOP_COLUMNS]


def _budget_view(budget: pd.DataFrame, lang: str) -> dict[str, Any]:
    view = _table(budget, lang)
    view["columns"] = list(budget.columns)
    return view


def _evidence_input(result: RunResult) -> dict[str, Any] | None:
    """What :func:`render_reports` needs of the measured evidence (None without it)."""
    if result.evidence is None:
        return None
    tested = sorted({int(i) for i in result.evidence.tests["layer"].unique()})
    layers = [result.evidence.layers[i] for i in tested]
    return {
        "layers": [(x.column, x.carrier, x.technology) for x in layers],
        "rules": result.evidence.rules.as_dict(),
    }


def write_reports(
    result: RunResult,
    folder: Path,
    *,
    inputs: list[dict[str, Any]],
    run_date: str | None = None,
) -> list[Path]:
    """``report.html`` (one province), or ``reports/<province_id>.html`` and an index
    ``report.html`` (several provinces)."""

    cfg = result.config
    pr = result.priority
    pages = render_reports(
        project=cfg.name,
        provinces=result.provinces,
        communes=pd.DataFrame(result.communes.drop(columns="geometry", errors="ignore")),
        # the population per commune and coverage pattern stands for a table not gathered
        villages=result.village_groups
        if result.village_groups is not None
        else pd.DataFrame(result.villages.drop(columns="geometry", errors="ignore")),
        ranked=pd.DataFrame(pr.ranked.drop(columns="geometry")) if pr is not None else None,
        budget=pr.budget if pr is not None else None,
        carriers=sorted({c.carrier for c in cfg.coverage}),
        parameters=priority_parameters(result),
        inputs=inputs,
        synthetic=cfg.synthetic,
        fibre=cfg.fibre is not None,
        lang=cfg.language,
        run_date=run_date,
        planning=result.planning,
        evidence=_evidence_input(result),
    )
    if len(pages) == 1:
        path = folder / "report.html"
        path.write_text(next(iter(pages.values())), encoding="utf-8")
        return [path]
    (folder / "reports").mkdir(exist_ok=True)
    written = []
    links = []
    for pid, page in sorted(pages.items()):
        path = folder / "reports" / f"{pid}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
        name = result.provinces.loc[
            result.provinces["province_id"].astype(str) == pid, "province_name"
        ].iloc[0]
        links.append(
            f'<li><a href="reports/{html.escape(pid)}.html">{html.escape(str(name))}</a></li>'
        )
    index = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(cfg.name)}</title></head>'
        f"<body><h1>{html.escape(text('report_title', cfg.language))}: {html.escape(cfg.name)}</h1>"
        f"<ul>{''.join(links)}</ul></body></html>\n"
    )
    (folder / "report.html").write_text(index, encoding="utf-8")
    return [folder / "report.html", *written]

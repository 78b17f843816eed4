"""The measured-evidence layers of the map: H3 cells coloured by verdict (off by default) and
the challenged villages marked (shown).

A cell tested for several carriers or technologies is drawn once, in the colour of its
strongest verdict (challenged, then confirmed, then undeclared coverage, then insufficient);
its tooltip lists every carrier and technology with its verdict and counts. Names reach the
page only as escaped JSON and are put into tooltips with ``textContent``.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import folium
import numpy as np
import pandas as pd
import shapely

from ...analysis.evidence import VERDICTS, h3_cell_polygons
from .elements import TOOLTIP_LINES_JS, JsLayer, to_script_json
from .geometry import to_geojson

__all__ = ["VERDICT_COLOURS", "add_evidence_layers"]

#: Colour of each verdict (diverging: red challenged, green confirmed, blue more than
#: declared, grey not enough tests).
VERDICT_COLOURS = {
    "challenged": "#d7191c",
    "confirmed": "#1a9641",
    "undeclared_coverage": "#2b83ba",
    "insufficient": "#969696",
    "no_data": "#d9d9d9",
}

Labels = Callable[..., str]


def add_evidence_layers(
    m: folium.Map,
    cells: pd.DataFrame | None,
    villages: pd.DataFrame,
    *,
    labels: dict[str, str],
    precision: int | None,
    t: Labels,
) -> None:
    """The H3 cells (``h3_cell, carrier, technology, verdict, tests, failing``; off by
    default) and the villages with a challenged layer (``<column>_measured`` columns;
    ``labels`` names each column's layer, e.g. ``viettel_4g`` -> ``Viettel 4G``)."""
    if cells is not None and len(cells):
        JsLayer(_cells_js(cells, precision=precision, t=t), name=_cells_name(t), show=False).add_to(
            m
        )
    marked = _challenged_villages_js(villages, labels=labels, precision=precision, t=t)
    if marked is not None:
        name = f"{_swatch(VERDICT_COLOURS['challenged'])} {html.escape(t('challenged_villages'))}"
        JsLayer(marked, name=name, show=True).add_to(m)


def _swatch(colour: str) -> str:
    return f'<span style="color:{colour}">&#9632;</span>'


def _cells_name(t: Labels) -> str:
    """The layer's name in the layer control, with a small colour legend."""
    keys = [v for v in VERDICTS if v != "no_data"]
    legend = " ".join(
        f"{_swatch(VERDICT_COLOURS[v])} {html.escape(t(f'verdict_{v}'))}" for v in keys
    )
    return f"{html.escape(t('evidence_cells'))}<br><small>{legend}</small>"


def _line(row: pd.Series, t: Labels) -> str:
    return (
        f"{row['carrier']} {row['technology']}: {t('verdict_' + str(row['verdict']))} "
        f"({int(row['tests'])} {t('tests')}, {int(row['failing'])} {t('failing')})"
    )


def _cells_js(cells: pd.DataFrame, *, precision: int | None, t: Labels) -> str:
    """``L.geoJSON`` of the tested cells, one hexagon per cell, its strongest verdict."""
    frame = pd.DataFrame(cells).copy()
    frame["rank"] = frame["verdict"].astype(str).map(VERDICTS.index)
    frame["line"] = [_line(row, t) for _, row in frame.iterrows()]  # one per tested cell layer
    frame = frame.sort_values(["h3_cell", "rank", "carrier", "technology"], kind="stable")
    grouped = frame.groupby("h3_cell", sort=True)
    ids = np.array(list(grouped.groups))
    strongest = grouped["rank"].min().to_numpy()
    lines = grouped["line"].apply(list).to_numpy()
    props = [
        {"v": int(v), "t": [f"H3 {cell}", *ls]}
        for cell, v, ls in zip(ids, strongest, lines, strict=True)
    ]
    geojson = to_geojson(h3_cell_polygons(ids).to_numpy(), precision=precision, props=props)
    colours = [VERDICT_COLOURS[v] for v in VERDICTS]
    style = (
        f"function(f){{var c={to_script_json(colours)}[f.properties.v];"
        "return {color: c, weight: 1, fillColor: c, fillOpacity: 0.45};}"
    )
    return f"L.geoJSON({to_script_json(geojson)}, {{style: {style}, onEachFeature: {TOOLTIP_LINES_JS}}})"


def _challenged_villages_js(
    villages: pd.DataFrame, *, labels: dict[str, str], precision: int | None, t: Labels
) -> str | None:
    """``L.geoJSON`` of the villages with at least one challenged layer (None: no such
    village), each with the carriers and technologies challenged."""
    columns = [
        c for c in villages.columns if c.endswith("_measured") and c != "gap_mobile_measured"
    ]
    if not columns:
        return None
    hit = np.column_stack([villages[c].to_numpy() == "challenged" for c in columns])
    rows = np.flatnonzero(hit.any(axis=1))
    if not rows.size:
        return None
    label = [labels.get(c.removesuffix("_measured"), c.removesuffix("_measured")) for c in columns]
    props = [
        {
            "t": [
                str(villages["name"].iloc[r]),
                *(f"{label[j]}: {t('verdict_challenged')}" for j in np.flatnonzero(hit[r])),
            ]
        }
        for r in rows  # only the challenged villages
    ]
    points = shapely.points(
        villages["lon"].to_numpy(dtype=float)[rows], villages["lat"].to_numpy(dtype=float)[rows]
    )
    geojson = to_geojson(points, precision=precision, props=props)
    colour = VERDICT_COLOURS["challenged"]
    marker = (
        f"function(f, ll){{return L.circleMarker(ll, {{radius: 8, color: '{colour}', "
        "weight: 3, fill: false});}"
    )
    return (
        f"L.geoJSON({to_script_json(geojson)}, "
        f"{{pointToLayer: {marker}, onEachFeature: {TOOLTIP_LINES_JS}}})"
    )

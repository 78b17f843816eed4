"""The gap points of a large run, aggregated for the map: counts per commune and H3 cell,
drawn as hexagons, never one marker per point.

A run whose village table has more than :data:`MAP_POINTS_MAX` rows (households or
buildings rather than villages), or whose table was written as GeoParquet parts
(``villages.parquet/``, see :func:`coverage_gaps.outputs.files.write_tables`), gets a map
of its communes (the choropleth, as always) and of its gap points counted per H3 cell of
resolution :data:`MAP_CELL_RESOLUTION`: no signal, 2G only, 3G only and no fibre (the
kinds of the village markers), and the people there. Covered points are not drawn.

The counts are kept per commune and cell (:data:`GAP_CELL_COLUMNS`), so that a province's
map takes its communes' rows; a map sums them per cell. A folder of parts is read part by
part, a few columns at a time, so memory stays that of one part.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ...analysis.evidence import cell_strings, h3_cell_polygons, h3_cells
from .elements import TOOLTIP_LINES_JS, JsLayer, to_script_json
from .geometry import to_geojson
from .payload import village_kinds
from .style import COLOURS, KINDS

__all__ = [
    "GAP_CELL_COLUMNS",
    "MAP_CELL_RESOLUTION",
    "MAP_POINTS_MAX",
    "CELL_BINS",
    "add_gap_cells_layer",
    "aggregate_gap_points",
    "gap_cells_of_parts",
]

#: More villages (points) than this in a run and its map shows the gap points aggregated per
#: H3 cell instead of one marker each (a real national village layer, about 70,000 thôn,
#: stays under it; households and buildings do not).
MAP_POINTS_MAX = 100_000
#: H3 resolution of the map's cells: 7 is about 5.2 km² (an edge of 1.2 km).
MAP_CELL_RESOLUTION = 7
#: The aggregated table: per commune and H3 cell, the gap points of each kind (``k0`` no
#: signal, ``k1`` 2G only, ``k2`` 3G only, ``k3`` no fibre, as :data:`~.style.KINDS`) and the
#: people at those points.
GAP_CELL_COLUMNS = ("commune_id", "h3_cell", "k0", "k1", "k2", "k3", "population")
#: Gap points per cell: lower limits of the colour classes (:data:`~.style.COLOURS`).
CELL_BINS = (1, 10, 100, 1_000, 10_000)
#: The columns of the village table the aggregation reads.
_COLUMNS = ("commune_id", "lon", "lat", "population", "best_mobile", "gap_fibre")
_KIND_COLUMNS = ("k0", "k1", "k2", "k3")

Labels = Callable[..., str]


def aggregate_gap_points(
    villages: pd.DataFrame, *, resolution: int = MAP_CELL_RESOLUTION
) -> pd.DataFrame:
    """The gap points of ``villages`` counted per commune and H3 cell
    (:data:`GAP_CELL_COLUMNS`, sorted by commune and cell).

    ``villages`` needs ``commune_id, lon, lat, population, best_mobile`` (and ``gap_fibre``
    when the run has fibre data).

    Examples
    --------
    >>> v = pd.DataFrame({"commune_id": ["A", "A", "A"], "lon": [105.85, 105.85, 105.9],
    ...                   "lat": [21.03, 21.03, 21.0], "population": [3, 4, 5],
    ...                   "best_mobile": ["none", "2G", "4G"], "gap_fibre": [True, None, False]})
    >>> aggregate_gap_points(v).to_dict("records")
    [{'commune_id': 'A', 'h3_cell': '87415cb4effffff', 'k0': 1, 'k1': 1, 'k2': 0, 'k3': 0, 'population': 7.0}]
    """
    kind = village_kinds(villages)
    gap = kind < len(_KIND_COLUMNS)
    if not gap.any():
        return _empty_cells()
    v = villages.loc[gap]
    cells = h3_cells(
        v["lat"].to_numpy(dtype=float), v["lon"].to_numpy(dtype=float), resolution
    )  # only the gap points: the covered ones are not drawn
    frame = pd.DataFrame(
        {
            "commune_id": v["commune_id"].astype(str).to_numpy(),
            "h3_cell": cell_strings(cells),
            "population": pd.to_numeric(v["population"], errors="coerce").fillna(0).to_numpy(float),
        }
    )
    onehot = np.eye(len(_KIND_COLUMNS), dtype=np.int64)[kind[gap]]
    for i, column in enumerate(_KIND_COLUMNS):
        frame[column] = onehot[:, i]
    return _sum_cells(frame, ["commune_id", "h3_cell"])


def gap_cells_of_parts(folder: Path, *, resolution: int = MAP_CELL_RESOLUTION) -> pd.DataFrame:
    """:func:`aggregate_gap_points` of a village table written as GeoParquet parts
    (``villages.parquet/part-*.parquet``), read part by part, only the columns needed."""
    found = []
    for part in sorted(folder.glob("*.parquet")):  # one part in memory at a time
        names = set(pq.read_schema(part).names)
        frame = pq.read_table(part, columns=[c for c in _COLUMNS if c in names]).to_pandas()
        found.append(aggregate_gap_points(frame, resolution=resolution))
    if not found:
        return _empty_cells()
    # a commune may straddle two parts (parts cut by rows): sum again
    return _sum_cells(pd.concat(found, ignore_index=True), ["commune_id", "h3_cell"])


def _sum_cells(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The counts and people summed per ``keys``, sorted by them."""
    summed = frame.groupby(keys, sort=True)[[*_KIND_COLUMNS, "population"]].sum().reset_index()
    return summed[[*keys, *_KIND_COLUMNS, "population"]]


def _empty_cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "commune_id": pd.Series(dtype=object),
            "h3_cell": pd.Series(dtype=object),
            **{c: pd.Series(dtype=np.int64) for c in _KIND_COLUMNS},
            "population": pd.Series(dtype=float),
        }
    )


def add_gap_cells_layer(
    m: folium.Map, cells: pd.DataFrame, *, precision: int | None, t: Labels
) -> None:
    """The gap points per H3 cell (summed over the communes of the map), shown, coloured by
    the number of gap points, each with a tooltip of its counts."""
    per_cell = _sum_cells(pd.DataFrame(cells), ["h3_cell"])
    if not len(per_cell):
        return
    counts = per_cell[list(_KIND_COLUMNS)].to_numpy(dtype=np.int64)
    total = counts.sum(axis=1)
    colour = np.searchsorted(np.asarray(CELL_BINS), total, side="right") - 1
    people = per_cell["population"].to_numpy(dtype=float).round().astype(np.int64)
    labels = [t(key) for key, _colour in KINDS[: len(_KIND_COLUMNS)]]
    props = [
        {
            "v": int(c),
            "t": [
                f"H3 {cell}",
                *(f"{labels[j]}: {int(row[j])}" for j in np.flatnonzero(row)),
                f"{t('population')}: {int(p)}",
            ],
        }
        for cell, c, row, p in zip(per_cell["h3_cell"], colour, counts, people, strict=True)
    ]  # one per cell with gap points (a few thousand per province at resolution 7)
    geojson = to_geojson(
        h3_cell_polygons(per_cell["h3_cell"].to_numpy()).to_numpy(),
        precision=precision,
        props=props,
    )
    style = (
        f"function(f){{var c={to_script_json(list(COLOURS))}[f.properties.v];"
        "return {color: c, weight: 1, fillColor: c, fillOpacity: 0.6};}"
    )
    js = f"L.geoJSON({to_script_json(geojson)}, {{style: {style}, onEachFeature: {TOOLTIP_LINES_JS}}})"
    JsLayer(js, name=_layer_name(t), show=True).add_to(m)


def _layer_name(t: Labels) -> str:
    """The layer's name in the layer control, with its colour classes."""
    limits = [*CELL_BINS[1:], None]
    legend = " ".join(
        f'<span style="color:{c}">&#9632;</span> {lo:,}' + ("+" if hi is None else f"-{hi - 1:,}")
        for c, lo, hi in zip(COLOURS, CELL_BINS, limits, strict=True)
    )
    return f"{html.escape(t('gap_cells'))}<br><small>{legend}</small>"

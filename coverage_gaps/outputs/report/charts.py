"""The report's pictures, drawn with Pillow: a static map of the gap villages (commune
outlines, no tiles, so it prints and opens anywhere; :mod:`.gapmap`) and two bar charts
(:mod:`.bars`).

Each is a PNG (bytes), identical for identical data: the HTML report embeds it as base64,
the Word report as an image.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from PIL import Image

from ...vietnam.carriers import TECHNOLOGIES, carrier_slug
from ..i18n import text
from ..maps.geometry import simplify_for_drawing
from .bars import (
    LABEL_PT,
    TITLE_BAND_IN,
    BarFrame,
    draw_bar_chart,
    draw_grouped_bars,
    draw_note,
    text_width_in,
)
from .gapmap import Dots, MapLayout, draw_gap_picture, outline_lines

__all__ = ["Picture", "draw_charts", "draw_gap_map"]

#: Colours of the static map (as the map's village kinds) and of the charts.
GAP_MOBILE_COLOUR = "#c0392b"
GAP_FIBRE_COLOUR = "#e69500"
OTHER_COLOUR = "#b5b5b5"
OUTLINE_COLOUR = "#555555"
#: Width of every picture in inches: the printable width of an A4 page (186 mm) at most.
WIDTH_IN = 7.2
DPI = 110
#: Bands around the axes, in inches: room for the title above (:data:`~.bars.TITLE_BAND_IN`),
#: for tick labels and an axis label below and on the left, for the legend below a map or
#: above a chart's bars, and a margin on the right.
AXIS_BAND_IN = 0.55
LEGEND_BAND_IN = 0.45
LEGEND_ROW_IN = 0.25
MARGIN_IN = 0.12
#: Height of the tallest picture (the map of a tall province), in inches.
MAX_HEIGHT_IN = 8.0
#: Diameters of the map's dots in points: other villages, without fibre only, without
#: 3G/4G/5G (the areas of 2, 5 and 9 square points matplotlib drew).
DOT_PT = (1.41, 2.24, 3.0)
#: Space between a tick label and the axes (tick length and pad), in inches.
TICK_GAP_IN = 0.12
#: zlib level of the PNGs: 1 encodes several times faster than PIL's 6 and, on charts of flat
#: colours, the files are hardly larger.
PNG_COMPRESSION = 1


@dataclass(frozen=True)
class Picture:
    """A titled PNG."""

    title: str
    png: bytes


def _encode(rgb: np.ndarray) -> bytes:
    """An RGB picture as a PNG of at most 256 colours (Pillow's fast octree): the same
    picture to the eye (no colour off by more than 15 of 255), a third of the bytes for a
    report opened over a poor connection, and 3x faster to encode than the full-colour PNG,
    whose row filters took a sixth of a picture's time."""
    img = Image.fromarray(np.ascontiguousarray(rgb)).quantize(256, method=Image.Quantize.FASTOCTREE)
    # the octree averages each colour's cell: the paper comes out 254 grey; paper and ink
    # are given back their pure white and black
    palette = np.asarray(img.getpalette() or [], dtype=np.int16)
    palette[palette >= 251] = 255
    palette[palette <= 4] = 0
    img.putpalette(palette.astype(np.uint8).tolist())
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=PNG_COMPRESSION, dpi=(DPI, DPI))
    return buf.getvalue()


def draw_gap_map(
    communes: gpd.GeoDataFrame, villages: pd.DataFrame, *, lang: str
) -> Picture | None:
    """The province's communes (outlines) and its villages: those without 3G/4G/5G in red,
    those only without fibre in orange, the others in grey. None without commune geometry.

    ``communes`` in any CRS (drawn in longitude/latitude, simplified to the drawing's
    resolution); ``villages`` with ``lon``, ``lat``, ``gap_mobile`` and ``gap_fibre``.
    """
    if communes.crs is None or not len(communes):
        return None
    metric = communes.estimate_utm_crs() if communes.crs.is_geographic else communes.crs
    shapes = communes.geometry.to_crs(metric)
    x0, y0, x1, y1 = shapes.total_bounds
    tolerance = max(x1 - x0, y1 - y0) / 1500.0
    shapes = gpd.GeoSeries(simplify_for_drawing(shapes.to_numpy(), tolerance), crs=metric)
    shapes = shapes.to_crs(4326)
    lon0, lat0, lon1, lat1 = (float(v) for v in shapes.total_bounds)
    aspect = 1.0 / max(np.cos(np.radians((lat0 + lat1) / 2.0)), 0.1)
    title = text("map_title", lang)
    image = draw_gap_picture(
        _map_layout((lat1 - lat0) * aspect / max(lon1 - lon0, 1e-9), (lon0, lat0, lon1, lat1)),
        outline_lines(shapes.to_numpy()), _village_dots(villages, lang), title=title,
        outline_colour=OUTLINE_COLOUR, outline_label=text("map_communes", lang),
    )  # fmt: skip
    return Picture(title, _encode(np.asarray(image)))


def _map_layout(ratio: float, extent: tuple[float, float, float, float]) -> MapLayout:
    """A picture whose map box (height / width = ``ratio``) fills the page's width, or 8
    inches of height for a tall province, with the title above and the legend below."""
    bands = TITLE_BAND_IN + LEGEND_BAND_IN
    width = WIDTH_IN - 2 * MARGIN_IN
    height = min(max(width * ratio, 1.0), MAX_HEIGHT_IN - bands)
    width = min(width, height / max(ratio, 1e-9))
    side = (WIDTH_IN - width) / 2.0
    box = (side, TITLE_BAND_IN, WIDTH_IN - side, TITLE_BAND_IN + height)
    return MapLayout(WIDTH_IN, height + bands, box, DPI, extent)


def _village_dots(villages: pd.DataFrame, lang: str) -> list[Dots]:
    """Grey, then orange, then red dots (so the gaps are on top); kinds without villages are
    left out (and out of the legend)."""
    lon = villages["lon"].to_numpy(dtype=float)
    lat = villages["lat"].to_numpy(dtype=float)
    mobile = villages["gap_mobile"].to_numpy(dtype=bool)
    fibre = villages["gap_fibre"].astype("boolean").fillna(False).to_numpy(dtype=bool) & ~mobile
    other = ~mobile & ~fibre
    return [
        Dots(lon[keep], lat[keep], colour, diameter, text(key, lang))
        for keep, colour, diameter, key in (
            (other, OTHER_COLOUR, DOT_PT[0], "map_other"),
            (fibre, GAP_FIBRE_COLOUR, DOT_PT[1], "map_gap_fibre"),
            (mobile, GAP_MOBILE_COLOUR, DOT_PT[2], "map_gap_mobile"),
        )
        if keep.any()
    ]


def draw_charts(
    communes: pd.DataFrame, villages: pd.DataFrame, carriers: Sequence[str], lang: str
) -> list[Picture]:
    """The villages without 3G/4G/5G in the 25 communes with most, and the share of the people
    each carrier covers with each technology."""
    return [_gap_villages_chart(communes, lang), _population_chart(villages, carriers, lang)]


def _gap_villages_chart(communes: pd.DataFrame, lang: str) -> Picture:
    top = communes.sort_values(["villages_gap_mobile", "commune_id"], ascending=[False, True])
    top = top.head(25)
    top = top[top["villages_gap_mobile"] > 0]
    title = text("gap_villages_chart", lang)
    if not len(top):
        return _note(title, text("no_gap_villages", lang))
    names = top["commune_name"].astype(str).to_list()
    left = text_width_in(names, points=LABEL_PT, dpi=DPI) + TICK_GAP_IN + MARGIN_IN
    frame = BarFrame(WIDTH_IN, 0.24 * len(top) + TITLE_BAND_IN + AXIS_BAND_IN, left,
                     2 * MARGIN_IN, TITLE_BAND_IN, AXIS_BAND_IN, DPI)  # fmt: skip
    image = draw_bar_chart(
        frame, names, top["villages_gap_mobile"].to_numpy(dtype=float).tolist(), title=title,
        xlabel=text("villages", lang), colour=GAP_MOBILE_COLOUR, label_gap_in=TICK_GAP_IN,
    )  # fmt: skip
    return Picture(title, _encode(np.asarray(image)))


def _note(title: str, note: str) -> Picture:
    """A chart with nothing to show: its title and a sentence saying why."""
    image = draw_note(WIDTH_IN, 1.2, dpi=DPI, title=title, note=note, colour=OUTLINE_COLOUR)
    return Picture(title, _encode(np.asarray(image)))


def _population_chart(villages: pd.DataFrame, carriers: Sequence[str], lang: str) -> Picture:
    pop = villages["population"].to_numpy(dtype=float)
    total = pop.sum() or 1.0
    techs = [
        t
        for t in TECHNOLOGIES
        if any(f"{carrier_slug(c)}_{t.lower()}" in villages for c in carriers)
    ]
    shares = np.array(
        [
            [
                100.0 * pop[villages[col].to_numpy(dtype=bool)].sum() / total
                if (col := f"{carrier_slug(c)}_{t.lower()}") in villages
                else 0.0
                for t in techs
            ]
            for c in carriers
        ]
    ).reshape(len(carriers), len(techs))
    title = text("pop_covered_chart", lang)
    frame = BarFrame(WIDTH_IN, 3.2, AXIS_BAND_IN + MARGIN_IN, MARGIN_IN,
                     TITLE_BAND_IN + LEGEND_ROW_IN, 0.4, DPI)  # fmt: skip
    image = draw_grouped_bars(frame, techs, list(carriers), shares, title=title, ylabel="%",
                              top=100.0)  # fmt: skip
    return Picture(title, _encode(np.asarray(image)))

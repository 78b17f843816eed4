"""The report's pictures: a static map of the gap villages drawn with matplotlib (commune
outlines, no tiles, so it prints and opens anywhere) and two bar charts (:mod:`.bars`).

Each is a PNG (bytes), identical for identical data: the HTML report embeds it as base64,
the Word report as an image.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
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

__all__ = ["Picture", "draw_charts", "draw_gap_map", "import_drawing"]

#: Colours of the static map (as the map's village kinds) and of the charts.
GAP_MOBILE_COLOUR = "#c0392b"
GAP_FIBRE_COLOUR = "#e69500"
OTHER_COLOUR = "#b5b5b5"
OUTLINE_COLOUR = "#555555"
#: Width of every picture in inches: the printable width of an A4 page (186 mm) at most.
WIDTH_IN = 7.2
DPI = 110
#: Titles at the top of the axes, given rather than found: matplotlib otherwise measures every
#: artist of the axes to lift the title over any above it (there are none here: the same
#: picture), which took more than half of a chart's time.
TITLE_Y = 1.0
#: Bands around the axes, in inches, laid out here rather than found by ``bbox_inches="tight"``
#: (which draws every picture twice: a third of its time): room for the title above
#: (:data:`~.bars.TITLE_BAND_IN`), for tick labels and an axis label below and on the left,
#: for the legend below a map or above a chart's bars, and a margin on the right.
AXIS_BAND_IN = 0.55
LEGEND_BAND_IN = 0.45
LEGEND_ROW_IN = 0.25
MARGIN_IN = 0.12
#: Height of the tallest picture (the map of a tall province), in inches.
MAX_HEIGHT_IN = 8.0
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


def _png(fig: Any) -> bytes:
    """A matplotlib figure as a PNG (see :func:`_encode`)."""
    fig.canvas.draw()
    return _encode(np.asarray(fig.canvas.buffer_rgba())[..., :3])  # an opaque white figure


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


def import_drawing() -> None:
    """Import the parts of matplotlib the pictures use (about half a second).

    A run calls it in a thread while its inputs load, when one core is idle: the processes
    that write the provinces' reports, forked later, then find it imported.
    """
    import matplotlib.backends.backend_agg
    import matplotlib.collections
    import matplotlib.figure
    import matplotlib.font_manager  # noqa: F401


def _figure(height_in: float) -> Any:
    # deferred: matplotlib takes about half a second to import and only the pictures need it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(fig)  # the canvas that measures texts and draws the PNG
    return fig


def _axes(
    fig: Any, *, left: float = AXIS_BAND_IN, right: float = MARGIN_IN,
    bottom: float = AXIS_BAND_IN, top: float = TITLE_BAND_IN,
) -> Any:  # fmt: skip
    """Axes with the given bands (inches) around them in ``fig``."""
    width, height = fig.get_size_inches()
    return fig.add_axes((left / width, bottom / height, 1.0 - (left + right) / width,
                         1.0 - (bottom + top) / height))  # fmt: skip


def _outline_segments(geoms: np.ndarray) -> list[np.ndarray]:
    """The boundary lines of ``geoms`` as arrays of (x, y), one per line part."""
    lines = shapely.get_parts(shapely.boundary(geoms[~shapely.is_empty(geoms)]))
    lines = shapely.get_parts(shapely.line_merge(lines)) if len(lines) else lines
    coords, index = shapely.get_coordinates(lines, return_index=True)
    if not len(coords):
        return []
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(coords, cuts)


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
    from matplotlib.collections import LineCollection  # deferred with the figure, see _figure

    metric = communes.estimate_utm_crs() if communes.crs.is_geographic else communes.crs
    shapes = communes.geometry.to_crs(metric)
    x0, y0, x1, y1 = shapes.total_bounds
    tolerance = max(x1 - x0, y1 - y0) / 1500.0
    shapes = gpd.GeoSeries(simplify_for_drawing(shapes.to_numpy(), tolerance), crs=metric)
    shapes = shapes.to_crs(4326)
    lon0, lat0, lon1, lat1 = shapes.total_bounds
    aspect = 1.0 / max(np.cos(np.radians((lat0 + lat1) / 2.0)), 0.1)
    fig, ax = _map_axes((lat1 - lat0) * aspect / max(lon1 - lon0, 1e-9))
    ax.add_collection(
        LineCollection(
            _outline_segments(shapes.to_numpy()),
            colors=OUTLINE_COLOUR,
            linewidths=0.4,
            label=text("map_communes", lang),
        )  # fmt: skip
    )
    _draw_villages(ax, villages, lang)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect)
    ax.set_axis_off()
    title = text("map_title", lang)
    ax.set_title(title, y=TITLE_Y)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=7,
              markerscale=1.5, frameon=False)  # fmt: skip
    return Picture(title, _png(fig))


def _map_axes(ratio: float) -> tuple[Any, Any]:
    """A figure whose map axes (height / width = ``ratio``) fill the page's width, or 8 inches
    of height for a tall province, with the title above and the legend below."""
    bands = TITLE_BAND_IN + LEGEND_BAND_IN
    width = WIDTH_IN - 2 * MARGIN_IN
    height = min(max(width * ratio, 1.0), MAX_HEIGHT_IN - bands)
    width = min(width, height / max(ratio, 1e-9))
    fig = _figure(height + bands)
    side = (WIDTH_IN - width) / 2.0
    return fig, _axes(fig, left=side, right=side, bottom=LEGEND_BAND_IN, top=TITLE_BAND_IN)


def _draw_villages(ax: Any, villages: pd.DataFrame, lang: str) -> None:
    """Grey, then orange, then red dots (so the gaps are on top)."""
    lon = villages["lon"].to_numpy(dtype=float)
    lat = villages["lat"].to_numpy(dtype=float)
    mobile = villages["gap_mobile"].to_numpy(dtype=bool)
    fibre = villages["gap_fibre"].astype("boolean").fillna(False).to_numpy(dtype=bool) & ~mobile
    other = ~mobile & ~fibre
    for keep, colour, size, key in (
        (other, OTHER_COLOUR, 2.0, "map_other"),
        (fibre, GAP_FIBRE_COLOUR, 5.0, "map_gap_fibre"),
        (mobile, GAP_MOBILE_COLOUR, 9.0, "map_gap_mobile"),
    ):
        if keep.any():
            ax.scatter(lon[keep], lat[keep], s=size, c=colour, linewidths=0,
                       label=text(key, lang), zorder=3)  # fmt: skip


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

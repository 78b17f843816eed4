"""The report's static map of the gap villages, drawn with Pillow: commune outlines and
village dots drawn at twice the resolution and halved (a box filter: smooth edges without
an anti-aliasing renderer), the dots stamped for all villages at once with numpy, then the
title and the legend set at the final resolution.

matplotlib drew it before: about 0.1 s a province, most of it in its artists and legend;
this takes a few tens of milliseconds for the same picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from PIL import Image, ImageColor, ImageDraw

from .bars import INK, PAPER, draw_title, font

__all__ = ["Dots", "MapLayout", "draw_gap_picture", "outline_lines"]

#: Drawing at this many times the resolution, then halving it: smooth lines and dots.
SUPERSAMPLE = 2
#: Width of the commune outlines in points (1 pixel at 110 dpi, as dark as matplotlib's 0.4-point lines).
OUTLINE_PT = 0.5
#: Legend text size in points.
LEGEND_PT = 7.0


@dataclass(frozen=True)
class MapLayout:
    """The picture's size and its map box in inches (the title band above the box, the
    legend band below it), its resolution, and the longitude/latitude the box spans."""

    width_in: float
    height_in: float
    box_in: tuple[float, float, float, float]  # left, top, right, bottom
    dpi: float
    extent: tuple[float, float, float, float]  # lon0, lat0, lon1, lat1


@dataclass(frozen=True)
class Dots:
    """One kind of village: where (longitude, latitude), in which colour, how large
    (diameter in points) and its legend label."""

    lon: np.ndarray
    lat: np.ndarray
    colour: str
    diameter_pt: float
    label: str


def draw_gap_picture(
    layout: MapLayout, outlines: Sequence[np.ndarray], dots: Sequence[Dots], *, title: str,
    outline_colour: str, outline_label: str,
) -> Image.Image:  # fmt: skip
    """The map: ``outlines`` (arrays of longitude, latitude) as thin lines, then each kind of
    ``dots`` over them in order (the last on top), the title above and a legend below in two
    columns."""
    scale = layout.dpi * SUPERSAMPLE
    big = Image.new("RGB", (round(layout.width_in * scale), round(layout.height_in * scale)),
                    PAPER)  # fmt: skip
    to_px = _projector(layout, scale)
    draw = ImageDraw.Draw(big)
    width = max(1, round(OUTLINE_PT / 72.0 * scale))
    for line in outlines:
        if len(line) > 1:
            draw.line(to_px(line).ravel().tolist(), fill=outline_colour, width=width)
    pixels = np.asarray(big).copy()
    for kind in dots:
        _stamp(pixels, to_px(np.column_stack([kind.lon, kind.lat])),
               radius=kind.diameter_pt / 72.0 * scale / 2.0, colour=kind.colour)  # fmt: skip
    image = Image.fromarray(pixels).reduce(SUPERSAMPLE)
    final = ImageDraw.Draw(image)
    draw_title(final, image.width, title, dpi=layout.dpi)
    _legend(final, layout, [(outline_label, outline_colour, None)] +
            [(d.label, d.colour, d.diameter_pt) for d in dots])  # fmt: skip
    return image


def _projector(layout: MapLayout, scale: float) -> Callable[[np.ndarray], np.ndarray]:
    """Longitude/latitude rows to pixel (x, y) rows of the map box at ``scale`` px/inch."""
    left, top, right, bottom = (v * scale for v in layout.box_in)
    lon0, lat0, lon1, lat1 = layout.extent
    sx = (right - left) / max(lon1 - lon0, 1e-12)
    sy = (bottom - top) / max(lat1 - lat0, 1e-12)

    def to_px(lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [left + (lonlat[:, 0] - lon0) * sx, bottom - (lonlat[:, 1] - lat0) * sy]
        )

    return to_px


def _stamp(pixels: np.ndarray, xy: np.ndarray, *, radius: float, colour: str) -> None:
    """A filled disc of ``radius`` pixels at each row of ``xy``, all at once."""
    if not len(xy):
        return
    r = int(np.ceil(radius))
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    disc = (dx**2 + dy**2) <= radius**2 + 0.25
    cx = np.rint(xy[:, 0]).astype(np.int64)[:, None] + dx[disc][None, :]
    cy = np.rint(xy[:, 1]).astype(np.int64)[:, None] + dy[disc][None, :]
    inside = (cx >= 0) & (cx < pixels.shape[1]) & (cy >= 0) & (cy < pixels.shape[0])
    pixels[cy[inside], cx[inside]] = ImageColor.getrgb(colour)[:3]


def _legend(
    draw: ImageDraw.ImageDraw, layout: MapLayout, entries: Sequence[tuple[str, str, float | None]]
) -> None:
    """Two columns of entries (a line sample for ``None``, else a dot of that diameter in
    points, shown half as large again) in the band under the map box."""
    dpi = layout.dpi
    face = font(LEGEND_PT, dpi)
    sample = round(0.25 * dpi)
    gap = round(0.08 * dpi)
    rows = (len(entries) + 1) // 2
    columns = [entries[:rows], entries[rows:]]
    widths = [max((sample + gap + face.getlength(e[0]) for e in col), default=0) for col in columns]
    total = sum(widths) + (round(0.3 * dpi) if columns[1] else 0)
    x = (round(layout.width_in * dpi) - total) / 2
    row_h = round(face.size * 1.6)
    y0 = round(layout.box_in[3] * dpi) + round(0.08 * dpi)
    for col, width in zip(columns, widths, strict=True):
        for k, (label, colour, diameter) in enumerate(col):
            cy = y0 + k * row_h + row_h // 2
            if diameter is None:
                draw.line((x, cy, x + sample, cy), fill=colour, width=1)
            else:
                r = max(1.0, 1.5 * diameter / 72.0 * dpi / 2.0)
                cx = x + sample / 2
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
            draw.text((x + sample + gap, cy), label, fill=INK, font=face, anchor="lm")
        x += width + round(0.3 * dpi)


def outline_lines(geoms: np.ndarray) -> list[np.ndarray]:
    """The boundary lines of ``geoms`` as arrays of (x, y), one per line part.

    >>> [line.shape for line in outline_lines(np.array([shapely.box(0, 0, 1, 1)]))]
    [(5, 2)]
    """
    lines = shapely.get_parts(shapely.boundary(geoms[~shapely.is_empty(geoms)]))
    lines = shapely.get_parts(shapely.line_merge(lines)) if len(lines) else lines
    coords, index = shapely.get_coordinates(lines, return_index=True)
    if not len(coords):
        return []
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(coords, cuts)

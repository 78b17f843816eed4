"""The report's bar charts, drawn with Pillow: bars, frames and tick marks are upright
rectangles and lines (crisp without anti-aliasing), the texts are set in DejaVu Sans (the
font of the report's map, shipped with matplotlib) by FreeType.

matplotlib drew them before: its text and artist machinery took about 0.1 s a chart, a sixth
of a national run's work for 70 charts; these take a few milliseconds and look the same.
Layout in inches at :data:`~.charts.DPI`, as the map's figure.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "TITLE_BAND_IN",
    "BarFrame",
    "font",
    "draw_bar_chart",
    "draw_grouped_bars",
    "draw_note",
    "draw_title",
    "nice_ticks",
]

#: Height of the band above the axes that holds the title, in inches.
TITLE_BAND_IN = 0.4
#: Text sizes in points, as matplotlib's defaults (titles "large", the rest "medium").
TITLE_PT = 12.0
LABEL_PT = 10.0
LEGEND_PT = 8.0
#: Line widths and tick marks in points, as matplotlib's defaults.
FRAME_PT = 0.8
TICK_PT = 3.5
TICK_PAD_PT = 3.5
#: matplotlib's first colours (``tab10``): one per carrier.
SERIES_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
PAPER = (255, 255, 255)
INK = (0, 0, 0)


@dataclass(frozen=True)
class BarFrame:
    """A picture's size and the bands around its axes, in inches, and its resolution."""

    width_in: float
    height_in: float
    left_in: float
    right_in: float
    top_in: float
    bottom_in: float
    dpi: float

    def px(self, inches: float) -> int:
        """``inches`` in whole pixels."""
        return round(inches * self.dpi)

    def axes_box(self) -> tuple[int, int, int, int]:
        """Left, top, right, bottom of the axes in pixels."""
        return (
            self.px(self.left_in),
            self.px(self.top_in),
            self.px(self.width_in - self.right_in),
            self.px(self.height_in - self.bottom_in),
        )


@functools.cache
def font(points: float, dpi: float) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``points`` (the font file shipped with matplotlib, found without
    importing it: 0.2 s in each page writer), laid out glyph by glyph (the same on every
    machine; village and commune names are in composed Unicode)."""
    size = round(points * dpi / 72.0)
    return ImageFont.truetype(_font_path(), size, layout_engine=ImageFont.Layout.BASIC)


@functools.cache
def _font_path() -> str:
    """The path of matplotlib's ``DejaVuSans.ttf`` (``matplotlib.get_data_path()``: the
    ``mpl-data`` folder beside its package).

    Examples
    --------
    >>> os.path.basename(_font_path())
    'DejaVuSans.ttf'
    """
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("matplotlib (its DejaVu Sans font) is not installed")
    path = os.path.join(os.path.dirname(spec.origin), "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
    if not os.path.exists(path):
        raise FileNotFoundError(f"matplotlib's font is missing: {path}")
    return path


def text_width_in(labels: Sequence[str], *, points: float, dpi: float) -> float:
    """Width in inches of the widest of ``labels`` set at ``points``."""
    face = font(points, dpi)
    return max((face.getlength(s) for s in labels), default=0.0) / dpi


def nice_ticks(top: float, *, most: int = 6, integer: bool = False) -> np.ndarray:
    """Ticks from 0 to at least ``top`` in steps of 1, 2, 2.5 or 5 times a power of ten,
    at most ``most`` of them (whole numbers only when ``integer``).

    >>> nice_ticks(7, integer=True).tolist()
    [0.0, 2.0, 4.0, 6.0, 8.0]
    >>> nice_ticks(100).tolist()
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    """
    top = max(float(top), 1.0 if integer else 1e-9)
    magnitude = 10.0 ** math.floor(math.log10(top / (most - 1)))
    step = 10.0 * magnitude
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = m * magnitude
        if integer and (candidate < 1.0 or candidate != int(candidate)):
            continue
        if top / candidate <= most - 1:
            step = candidate
            break
    return np.arange(0.0, math.ceil(top / step - 1e-9) * step + step / 2, step)


def _tick_text(value: float) -> str:
    return f"{value:g}"


def _canvas(frame: BarFrame) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (frame.px(frame.width_in), frame.px(frame.height_in)), PAPER)
    return image, ImageDraw.Draw(image)


def _points_px(frame: BarFrame, points: float) -> int:
    """``points`` in whole pixels, at least one."""
    return max(1, round(points * frame.dpi / 72.0))


def draw_title(draw: ImageDraw.ImageDraw, width_px: int, title: str, *, dpi: float) -> None:
    """``title`` centred in the band at the top of a picture ``width_px`` wide."""
    draw.text((width_px // 2, round(TITLE_BAND_IN / 2 * dpi)), title, fill=INK,
              font=font(TITLE_PT, dpi), anchor="mm")  # fmt: skip


def _title(draw: ImageDraw.ImageDraw, frame: BarFrame, title: str) -> None:
    draw_title(draw, frame.px(frame.width_in), title, dpi=frame.dpi)


def _frame(draw: ImageDraw.ImageDraw, frame: BarFrame) -> None:
    x0, y0, x1, y1 = frame.axes_box()
    draw.rectangle((x0, y0, x1, y1), outline=INK, width=_points_px(frame, FRAME_PT))


def _ticks(
    draw: ImageDraw.ImageDraw, frame: BarFrame, at: Sequence[float], labels: Sequence[str], *,
    axis: Literal["x", "y"],
) -> int:  # fmt: skip
    """Tick marks with their labels, under the axes at pixel columns ``at`` (``x``) or left
    of them at pixel rows ``at`` (``y``); the pixel row below the x labels."""
    x0, _, _, y1 = frame.axes_box()
    mark, pad = _points_px(frame, TICK_PT), _points_px(frame, TICK_PAD_PT)
    face = font(LABEL_PT, frame.dpi)
    width = _points_px(frame, FRAME_PT)
    for p, label in zip(at, labels, strict=True):
        if axis == "x":
            draw.line((p, y1, p, y1 + mark), fill=INK, width=width)
            draw.text((p, y1 + mark + pad), label, fill=INK, font=face, anchor="mt")
        else:
            draw.line((x0 - mark, p, x0, p), fill=INK, width=width)
            draw.text((x0 - mark - pad, p), label, fill=INK, font=face, anchor="rm")
    return y1 + mark + pad + round(face.size * 1.2)


def draw_bar_chart(
    frame: BarFrame, names: Sequence[str], values: Sequence[float], *, title: str,
    xlabel: str, colour: str, label_gap_in: float,
) -> Image.Image:  # fmt: skip
    """Horizontal bars, ``names[0]`` on top, labelled ``label_gap_in`` left of the axes; a
    whole-number axis below from 0."""
    image, draw = _canvas(frame)
    x0, y0, x1, y1 = frame.axes_box()
    ticks = nice_ticks(max(values, default=0.0), integer=True)
    scale = (x1 - x0) / ticks[-1]
    pitch = (y1 - y0) / (len(names) + 0.2)
    face = font(LABEL_PT, frame.dpi)
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        centre = y0 + (i + 0.6) * pitch
        top, bottom = round(centre - 0.4 * pitch), round(centre + 0.4 * pitch)
        if value > 0:
            draw.rectangle((x0, top, x0 + round(value * scale), bottom), fill=colour)
        draw.text((x0 - frame.px(label_gap_in), round(centre)), name, fill=INK, font=face,
                  anchor="rm")  # fmt: skip
    _frame(draw, frame)
    below = _ticks(draw, frame, [x0 + round(t * scale) for t in ticks],
                   [_tick_text(t) for t in ticks], axis="x")  # fmt: skip
    draw.text(((x0 + x1) // 2, below), xlabel, fill=INK, font=face, anchor="mt")
    _title(draw, frame, title)
    return image


def draw_grouped_bars(
    frame: BarFrame, groups: Sequence[str], series: Sequence[str],
    values: np.ndarray, *, title: str, ylabel: str, top: float,
) -> Image.Image:  # fmt: skip
    """Vertical bars, one group per ``groups`` label, one bar per ``series`` in each
    (``values[series, group]``), from 0 to ``top`` on the y axis; the series' legend in a row
    under the title."""
    image, draw = _canvas(frame)
    x0, y0, x1, y1 = frame.axes_box()
    n = max(len(series), 1)
    slot = (x1 - x0) / max(len(groups), 1)
    width = 0.8 * slot / n
    scale = (y1 - y0) / top
    for j in range(len(series)):
        colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
        for g in range(len(groups)):
            left = x0 + g * slot + 0.1 * slot + j * width
            if values[j, g] > 0:
                draw.rectangle((round(left), round(y1 - values[j, g] * scale),
                                round(left + width) - 1, y1), fill=colour)  # fmt: skip
    _frame(draw, frame)
    ticks = nice_ticks(top)
    _ticks(draw, frame, [round(y1 - t * scale) for t in ticks], [_tick_text(t) for t in ticks],
           axis="y")  # fmt: skip
    _ticks(draw, frame, [round(x0 + (g + 0.5) * slot) for g in range(len(groups))], groups,
           axis="x")  # fmt: skip
    draw.text((frame.px(0.1), (y0 + y1) // 2), ylabel, fill=INK, font=font(LABEL_PT, frame.dpi),
              anchor="lm")  # fmt: skip
    _legend(draw, frame, series)
    _title(draw, frame, title)
    return image


def _legend(draw: ImageDraw.ImageDraw, frame: BarFrame, series: Sequence[str]) -> None:
    """A colour square and the name of each series, in a row centred just above the axes."""
    face = font(LEGEND_PT, frame.dpi)
    box = round(face.size * 0.9)
    gap = face.size
    widths = [box + gap // 2 + round(face.getlength(s)) for s in series]
    total = sum(widths) + gap * (len(series) - 1)
    x = (frame.px(frame.width_in) - total) // 2
    _, y0, _, _ = frame.axes_box()
    y = y0 - box - frame.px(0.06)
    for j, (name, w) in enumerate(zip(series, widths, strict=True)):
        draw.rectangle((x, y, x + box, y + box), fill=SERIES_COLOURS[j % len(SERIES_COLOURS)])
        draw.text((x + box + gap // 2, y + box // 2), name, fill=INK, font=face, anchor="lm")
        x += w + gap


def draw_note(
    width_in: float, height_in: float, *, dpi: float, title: str, note: str, colour: str
) -> Image.Image:
    """A picture with a title and, under it, a sentence in ``colour``."""
    frame = BarFrame(width_in, height_in, 0.0, 0.0, TITLE_BAND_IN, 0.0, dpi)
    image, draw = _canvas(frame)
    _title(draw, frame, title)
    draw.text((frame.px(width_in / 2), frame.px(height_in * 0.65)), note, fill=colour,
              font=font(LABEL_PT, dpi), anchor="mm")  # fmt: skip
    return image

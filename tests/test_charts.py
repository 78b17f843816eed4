"""The report's pictures, drawn with Pillow and laid out by hand, so the layout itself is what
these tests hold: nothing cut at the edges, bars as long as their numbers, villages where they
are on the map, a sentence for an empty chart."""

from __future__ import annotations

import doctest
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from coverage_gaps.outputs.report import bars, gapmap
from coverage_gaps.outputs.report.charts import (
    DPI,
    GAP_FIBRE_COLOUR,
    GAP_MOBILE_COLOUR,
    draw_charts,
    draw_gap_map,
)


def _communes(gaps: list[int], names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "commune_id": [f"{i:05d}" for i in range(len(gaps))],
            "commune_name": names,
            "villages_gap_mobile": gaps,
        }
    )


def _villages() -> pd.DataFrame:
    return pd.DataFrame({"population": [100, 300], "viettel_4g": [True, False]})


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_long_commune_names_are_not_cut(lang: str) -> None:
    names = ["Xã " + "Nghĩa Hưng Đông Bắc " * 3, "Phường A", "Xã Đắk Wil"]
    gap_chart, population_chart = draw_charts(
        _communes([3, 7, 1], names), _villages(), ["Viettel"], lang
    )
    pixels = _pixels(gap_chart.png)
    assert pixels.shape[0] == pytest.approx((0.24 * 3 + 0.95) * DPI, abs=2)
    # the widest label starts inside the picture: its left edge columns are blank paper
    assert (pixels[:, :3] == 255).all()
    assert (pixels[:, 3:40] < 128).any()  # ...and the label reaches close to it
    assert (_pixels(population_chart.png)[:, :2] == 255).all()


def test_a_province_without_gap_villages_gets_a_sentence_not_empty_axes() -> None:
    gap_chart, _ = draw_charts(_communes([0, 0], ["A", "B"]), _villages(), ["Viettel"], "en")
    pixels = _pixels(gap_chart.png)
    assert pixels.shape[0] == round(1.2 * DPI)
    # no axes: no long dark line (a frame or an axis) across the picture
    assert ((pixels < 128).sum(axis=1) < 0.5 * pixels.shape[1]).all()
    assert gap_chart.title == "Villages without 3G/4G/5G per commune"


def _red_run(row: np.ndarray) -> int:
    """Length of the run of bar-red pixels in one row of an RGB picture."""
    red = (row[:, 0] > 150) & (row[:, 1] < 90) & (row[:, 2] < 90)
    return int(red.sum())


def test_bar_lengths_follow_the_counts_largest_on_top() -> None:
    gap_chart, _ = draw_charts(
        _communes([3, 9, 6], ["Xã A", "Xã B", "Xã C"]), _villages(), ["Viettel"], "en"
    )
    rgb = np.asarray(Image.open(io.BytesIO(gap_chart.png)).convert("RGB"))
    rows = [_red_run(rgb[y]) for y in range(rgb.shape[0])]
    runs = [n for y, n in enumerate(rows) if n and (y == 0 or rows[y - 1] != n)]
    assert len(runs) == 3  # one bar per commune with gap villages, top to bottom: 9, 6, 3
    assert runs[0] > runs[1] > runs[2]
    assert runs[1] / runs[0] == pytest.approx(6 / 9, abs=0.01)
    assert runs[2] / runs[0] == pytest.approx(3 / 9, abs=0.01)


def test_population_bars_are_the_shares_covered() -> None:
    villages = pd.DataFrame(
        {"population": [100, 300], "viettel_4g": [True, False], "vnpt_4g": [True, True]}
    )
    _, chart = draw_charts(_communes([1], ["A"]), villages, ["Viettel", "VNPT"], "en")
    rgb = np.asarray(Image.open(io.BytesIO(chart.png)).convert("RGB")).astype(int)
    rgb = rgb[round(0.66 * DPI) :]  # below the title and the legend
    blue = (np.abs(rgb - [0x1F, 0x77, 0xB4]).sum(axis=2) < 30).sum(axis=0)  # Viettel: 25 %
    orange = (np.abs(rgb - [0xFF, 0x7F, 0x0E]).sum(axis=2) < 30).sum(axis=0)  # VNPT: 100 %
    bar_blue, bar_orange = blue.max(), orange.max()
    assert bar_blue / bar_orange == pytest.approx(0.25, abs=0.02)


def test_ticks_are_round_numbers_covering_the_largest_value() -> None:
    for top in (1, 3, 7, 10, 24, 99, 100, 1234):
        ticks = bars.nice_ticks(top, integer=True)
        assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 6
        assert np.all(ticks == np.round(ticks))


def test_gap_map_puts_each_village_where_it_is() -> None:
    communes = gpd.GeoDataFrame(
        {"commune_id": ["1", "2"]},
        geometry=[shapely.box(105.0, 21.0, 105.5, 21.5), shapely.box(105.5, 21.0, 106.0, 21.5)],
        crs=4326,
    )
    villages = pd.DataFrame(
        {
            "lon": [105.1, 105.9],
            "lat": [21.4, 21.1],
            "gap_mobile": [True, False],
            "gap_fibre": [True, True],
        }
    )
    picture = draw_gap_map(communes, villages, lang="en")
    assert picture is not None and picture.title == "Villages in the gaps"
    rgb = np.asarray(Image.open(io.BytesIO(picture.png)).convert("RGB")).astype(int)

    def centre(colour: str) -> tuple[float, float]:
        target = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        near = np.abs(rgb - target).sum(axis=2) < 40
        near[round(rgb.shape[0] * 0.85) :] = False  # not the legend's dots
        ys, xs = np.nonzero(near)
        assert len(xs), colour
        return float(xs.mean()), float(ys.mean())

    red_x, red_y = centre(GAP_MOBILE_COLOUR)  # north-west village
    orange_x, orange_y = centre(GAP_FIBRE_COLOUR)  # south-east village
    assert red_x < rgb.shape[1] / 2 < orange_x
    assert red_y < orange_y
    # the box spans 1 degree of longitude: the two villages 0.8 degree apart
    left, right = np.nonzero((np.abs(rgb - 0x55).sum(axis=2) < 60).any(axis=0))[0][[0, -1]]
    assert (orange_x - red_x) / (right - left) == pytest.approx(0.8, abs=0.03)


def test_picture_modules_examples() -> None:
    for module in (bars, gapmap):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0

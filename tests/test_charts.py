"""The report's pictures: laid out by hand (no second drawing to find a tight box), so the
layout itself is what these tests hold: nothing cut at the edges, a sentence for an empty chart."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from coverage_gaps.outputs.report.charts import DPI, draw_charts


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

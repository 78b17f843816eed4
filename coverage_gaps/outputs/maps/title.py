"""The title panel: province, headline counts, run date, the per-province maps and the
synthetic-data note, rendered by the autoescaping template ``assets/title.html``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from ...vietnam.numbers import format_number
from .data import MapData
from .elements import title_template

__all__ = ["count_gaps", "province_label", "render_title"]


def province_label(communes: pd.DataFrame, fallback: str) -> str:
    """The province's name when the communes are all in one province, else ``fallback``."""
    if "province_name" in communes:
        names = [str(n) for n in pd.unique(communes["province_name"].dropna())]
        if len(names) == 1:
            return names[0]
    return fallback


def count_gaps(data: MapData, villages: pd.DataFrame, *, overview: bool) -> tuple[int, int | None]:
    """Villages without 3G/4G/5G, and without fibre (None when the run has no fibre data):
    counted over ``villages``, or summed over the communes when there are none (overview)."""
    communes = data.communes

    def commune_sum(column: str) -> int:
        return int(pd.to_numeric(communes[column], errors="coerce").sum())

    v = villages
    gap_m = (
        int(v["gap_mobile"].astype(bool).sum()) if len(v) else commune_sum("villages_gap_mobile")
    )
    gap_f: int | None = None
    if data.fibre is not None or ("gap_fibre" in v and v["gap_fibre"].notna().any()):
        gap_f = (
            int(v["gap_fibre"].fillna(False).astype(bool).sum())
            if len(v)
            else commune_sum("villages_gap_fibre")
        )
    elif (
        overview
        and "villages_gap_fibre" in communes
        and communes["villages_gap_fibre"].notna().any()
    ):
        gap_f = commune_sum("villages_gap_fibre")
    return gap_m, gap_f


def render_title(
    data: MapData,
    villages: pd.DataFrame,
    *,
    overview: bool,
    province_links: Sequence[tuple[str, str]],
    lang: str,
    t: Callable[..., str],
) -> str:
    """The title panel's HTML (every name escaped)."""
    gap_m, gap_f = count_gaps(data, villages, overview=overview)
    return title_template().render(
        t=t,
        province=province_label(data.communes, data.name),
        overview=overview,
        gap_mobile=format_number(gap_m, lang=lang),
        gap_fibre=None if gap_f is None else format_number(gap_f, lang=lang),
        run_date=data.run_date,
        name=data.name,
        province_links=list(province_links),
        synthetic=data.synthetic,
    )

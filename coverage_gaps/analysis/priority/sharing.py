"""Villages only one carrier covers: candidates for infrastructure sharing or roaming."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .infrastructure import BROADBAND, carrier_coverage

__all__ = ["sharing_opportunities"]


def sharing_opportunities(villages: pd.DataFrame, *, carriers: Sequence[str]) -> pd.DataFrame:
    """Villages with 3G or better from exactly one carrier: candidates for infrastructure
    sharing or roaming by the others, not dead zones.

    Examples
    --------
    >>> sharing_opportunities(result.villages, carriers=["Viettel", "VNPT"])  # doctest: +SKIP
    """
    carriers = sorted(carriers)
    cov = (
        np.column_stack([carrier_coverage(villages, c, BROADBAND) for c in carriers])
        if carriers
        else np.zeros((len(villages), 0), bool)
    )
    some = (cov.sum(axis=1) == 1) & (len(carriers) > 1)
    covered_by = _carrier_lists(cov[some], carriers)
    missing = _carrier_lists(~cov[some], carriers)
    columns = ("village_id", "name", "commune_id", "commune_name", "population", "best_mobile")
    out = pd.DataFrame(
        {
            **{c: villages[c].to_numpy()[some] for c in columns},
            "covered_by": covered_by,
            "not_covered_by": missing,
        }
    )
    return out.sort_values(
        ["population", "village_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def _carrier_lists(has: np.ndarray, carriers: Sequence[str]) -> np.ndarray:
    """Per row of `has` (villages × carriers), the carriers marked, joined by ``", "``.

    Examples
    --------
    >>> _carrier_lists(np.array([[True, False, True], [False, False, False]]), ["A", "B", "C"])
    array(['A, C', ''], dtype=object)
    """
    out = np.full(len(has), "", dtype=object)
    for j, c in enumerate(carriers):  # a handful of carriers; vectorised over villages
        mark = has[:, j]
        out[mark] = np.where(out[mark] == "", c, out[mark] + ", " + c)
    return out

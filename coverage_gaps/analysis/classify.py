"""The village table: coverage per carrier and technology, best technology, gaps.

Definitions in ``docs/DESIGN.md`` and :mod:`coverage_gaps.analysis.summaries`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config.project import ProjectConfig
from ..results import CoverageLayer
from ..vietnam.carriers import TECHNOLOGIES

__all__ = ["VILLAGE_COLUMNS", "classify_project_villages", "classify_villages"]

#: Fixed village columns, in order; carrier columns ``<carrier>_<tech>`` follow.
VILLAGE_COLUMNS = [
    "village_id",
    "name",
    "commune_id",
    "commune_name",
    "population",
    "lon",
    "lat",
    "has_2g",
    "has_3g",
    "has_4g",
    "has_5g",
    "best_mobile",
    "gap_mobile",
    "fibre_distance_m",
    "gap_fibre",
]


def classify_villages(
    villages: gpd.GeoDataFrame,
    coverage: Mapping[str, tuple[str, np.ndarray]],
    *,
    fibre_distance_m: np.ndarray | None,
    max_fibre_distance_m: float,
    lon: np.ndarray,
    lat: np.ndarray,
    predicted: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Build the per-village table from the coverage of each layer.

    Parameters
    ----------
    villages
        Villages with ``village_id, name, population, commune_id, commune_name``.
    coverage
        ``{column: (technology, covered)}``, e.g. ``{"viettel_4g": ("4G", array)}``.
    fibre_distance_m
        Distance to fibre per village, or ``None`` when no fibre layer is given
        (``fibre_distance_m`` and ``gap_fibre`` are then empty).
    max_fibre_distance_m
        Reach of fibre.
    lon, lat
        WGS 84 coordinates of the villages.
    predicted
        The coverage columns predicted from site lists (not declared by the carriers).

    Returns
    -------
    geopandas.GeoDataFrame
        The contract columns, then one boolean column per layer (sorted), then (when some
        are predicted) ``predicted_layers`` naming them (``"mobifone_4g, viettel_4g"``,
        the same on every row), then ``area_km2``, with the villages' geometry.

    Examples
    --------
    >>> import geopandas as gpd, shapely, numpy as np
    >>> v = gpd.GeoDataFrame({"village_id": ["1", "2"], "name": ["Thôn A", "Bản B"],
    ...                       "population": [300.0, 120.0], "commune_id": ["X", "X"],
    ...                       "commune_name": ["Xã X", "Xã X"], "area_km2": [np.nan, np.nan]},
    ...                      geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs=32648)
    >>> out = classify_villages(v, {"viettel_2g": ("2G", np.array([True, True])),
    ...                             "viettel_4g": ("4G", np.array([True, False]))},
    ...                         fibre_distance_m=np.array([10.0, 5000.0]), max_fibre_distance_m=1000,
    ...                         lon=np.zeros(2), lat=np.zeros(2))
    >>> out[["best_mobile", "gap_mobile", "gap_fibre"]].values.tolist()
    [['4G', False, False], ['2G', True, True]]
    """
    n = len(villages)
    has, best = _technologies_present(coverage, n)
    out = pd.DataFrame(
        {
            "village_id": villages["village_id"].to_numpy(),
            "name": villages["name"].to_numpy(),
            "commune_id": villages["commune_id"].astype(str).to_numpy(),
            "commune_name": villages["commune_name"].to_numpy(),
            "population": villages["population"].to_numpy(dtype=float),
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            **{f"has_{t.lower()}": has[t] for t in TECHNOLOGIES},
            "best_mobile": best.astype(str),
            "gap_mobile": ~(has["3G"] | has["4G"] | has["5G"]),
        }
    )
    if fibre_distance_m is None:
        out["fibre_distance_m"] = np.nan
        out["gap_fibre"] = pd.array([pd.NA] * n, dtype="boolean")
    else:
        dist = np.asarray(fibre_distance_m, dtype=float)
        out["fibre_distance_m"] = np.where(np.isfinite(dist), np.round(dist, 1), np.nan)
        out["gap_fibre"] = ~(dist <= max_fibre_distance_m)
    for column in sorted(coverage):
        out[column] = np.asarray(coverage[column][1], dtype=bool)
    if predicted:
        out["predicted_layers"] = ", ".join(sorted(predicted))
    out["area_km2"] = villages["area_km2"].to_numpy(dtype=float)
    if np.all(np.mod(out["population"], 1) == 0):
        out["population"] = out["population"].astype(np.int64)
    return gpd.GeoDataFrame(out, geometry=villages.geometry.to_numpy(), crs=villages.crs)


def classify_project_villages(
    villages: gpd.GeoDataFrame,
    coverage: Mapping[str, tuple[str, np.ndarray]],
    *,
    fibre_distance_m: np.ndarray | None,
    config: ProjectConfig,
    layers: Sequence[CoverageLayer],
) -> gpd.GeoDataFrame:
    """:func:`classify_villages` with a project's settings: its fibre reach, the villages'
    longitude and latitude, and the columns of ``layers`` predicted from site lists. Both
    engines call this, so their village tables are made the same way."""
    wgs = villages.geometry.to_crs(4326)
    return classify_villages(
        villages,
        coverage,
        fibre_distance_m=fibre_distance_m,
        max_fibre_distance_m=config.fibre.max_distance_m if config.fibre else 0.0,
        lon=wgs.x.to_numpy(),
        lat=wgs.y.to_numpy(),
        predicted=[layer.column for layer in layers if layer.source == "predicted"],
    )


def _technologies_present(
    coverage: Mapping[str, tuple[str, np.ndarray]], n: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per technology, whether any layer covers each village; and the best one (or ``none``)."""
    has = {t: np.zeros(n, dtype=bool) for t in TECHNOLOGIES}
    for tech, covered in coverage.values():
        has[tech] |= np.asarray(covered, dtype=bool)
    best = np.full(n, "none", dtype=object)
    for tech in TECHNOLOGIES:  # increasing order: the last one present wins
        best[has[tech]] = tech
    return has, best

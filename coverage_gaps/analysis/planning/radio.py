"""The planning's coverage model: which target villages each candidate would cover, with the
site-prediction models (docs/PREDICTION.md), and the chosen sites' predicted raster.

- ``range``: :func:`~.matrix.range_covers` on each candidate's ``range_m``;
- ``hata`` and ``hata+terrain``: :func:`~.matrix.power_covers` with
  :func:`~coverage_gaps.analysis.propagation.predict_pairs` (what
  :func:`~coverage_gaps.analysis.propagation.predict_points` gives for each candidate alone),
  each candidate against the villages within its useful range (one straight profile per candidate-village pair, over the
  DEM resampled onto the planning grid). With terrain, the same model without terrain gives
  ``in_range``, so that a village that only the terrain hides is reported ``behind_terrain``.

The planning grid is :func:`~coverage_gaps.analysis.propagation.make_grid` over the
candidates and the target villages at ``resolution_m``: its cells sit on multiples of the
resolution, so the terrain under any point does not depend on which points made the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from ...results import PredictedRaster
from ..propagation import (
    MAX_RANGE_M,
    Grid,
    Terrain,
    compute_useful_range,
    load_terrain,
    make_grid,
    predict_coverage,
    predict_pairs,
    predict_points,
)
from .matrix import PowerModel, coverage_matrix, power_covers, range_covers

__all__ = ["Radio", "candidate_coverage", "planning_grid", "predict_chosen"]

#: The predicted raster of the chosen sites reaches at most this far beyond the planning
#: area (candidates and target villages).
PREDICTED_MARGIN_M = 20_000.0


@dataclass(frozen=True)
class Radio:
    """How coverage is predicted: the model and its keys, and the terrain (``hata+terrain``)."""

    model: str
    threshold_dbm: float
    environment: str = "rural"
    receiver_height_m: float = 1.5
    terrain: Terrain | None = None

    def reach(self, sites: pd.DataFrame) -> np.ndarray:
        """Each site's useful range (m): where its power without terrain falls to the
        threshold, or its ``range_m``."""
        return compute_useful_range(
            sites,
            model=self.model,
            threshold_dbm=self.threshold_dbm,
            environment=self.environment,
            receiver_height_m=self.receiver_height_m,
        )

    def without_terrain(self) -> Radio:
        """The same model on open ground (``hata`` for ``hata+terrain``)."""
        model = "hata" if self.model == "hata+terrain" else self.model
        return Radio(model, self.threshold_dbm, self.environment, self.receiver_height_m, None)


def planning_grid(points: gpd.GeoSeries, *, resolution_m: float) -> Grid:
    """The grid of ``resolution_m`` cells over ``points`` (working CRS)."""
    x0, y0, x1, y1 = (float(v) for v in points.total_bounds)
    return make_grid((x0, y0, x1, y1), resolution_m=resolution_m, crs=points.crs)


def load_planning_terrain(dem: Path, grid: Grid, *, margin_m: float) -> Terrain:
    """The DEM resampled onto ``grid`` widened by ``margin_m`` (for the predicted raster)."""
    return load_terrain(dem, grid=grid, margin_m=margin_m)


def _pair_power(radio: Radio) -> PowerModel:
    """A :data:`~.matrix.PowerModel` from :func:`predict_pairs`: each candidate alone at
    each village in its reach, as :func:`predict_points` computes it."""

    def power(chunk: gpd.GeoDataFrame, rows: np.ndarray, xy: np.ndarray) -> np.ndarray:
        return predict_pairs(
            pd.DataFrame(chunk.drop(columns="geometry")),
            rows,
            xy[:, 0],
            xy[:, 1],
            model=radio.model,
            threshold_dbm=radio.threshold_dbm,
            environment=radio.environment,
            receiver_height_m=radio.receiver_height_m,
            terrain=radio.terrain,
        )

    return power


def _matrix(candidates: gpd.GeoDataFrame, targets: gpd.GeoSeries, radio: Radio) -> sparse.csr_array:
    if radio.model == "range":
        return coverage_matrix(candidates, targets, covers=range_covers(column="range_m"))
    covers = power_covers(_pair_power(radio), threshold_dbm=radio.threshold_dbm)
    return coverage_matrix(candidates, targets, covers=covers)


def candidate_coverage(
    candidates: gpd.GeoDataFrame, targets: gpd.GeoSeries, radio: Radio
) -> tuple[sparse.csr_array, sparse.csr_array | None]:
    """Candidates x targets: covered with the model, and (``hata+terrain``) covered on open
    ground (``in_range``); ``candidates`` need the site columns (``x``, ``y``, ``height_m``,
    ``frequency_mhz``, ``eirp_dbm``, ``range_m`` ...) and ``reach_m``."""
    coverage = _matrix(candidates, targets, radio)
    if radio.model != "hata+terrain":
        return coverage, None
    return coverage, _matrix(candidates, targets, radio.without_terrain())


def predict_chosen(
    chosen: gpd.GeoDataFrame,
    radio: Radio,
    *,
    area: Grid,
    resolution_m: float,
    targets: gpd.GeoSeries | None = None,
) -> PredictedRaster | None:
    """The chosen sites' best-server power (dBm) over their reach, within the planning
    area widened by :data:`PREDICTED_MARGIN_M`; None when no site is chosen.

    The grid is predicted by radial profiles (:func:`predict_coverage`); the cell holding
    each of the ``targets`` (the target villages) then carries the power computed at the
    village itself on its own profile, as the choice was made (:func:`predict_points`), so
    that reading the raster at the villages gives exactly the tables' coverage. Where two
    target villages share a cell, it carries the stronger of the two."""
    if not len(chosen):
        return None
    reach = np.minimum(chosen["reach_m"].to_numpy(dtype=float), MAX_RANGE_M)
    x, y = chosen["x"].to_numpy(dtype=float), chosen["y"].to_numpy(dtype=float)
    ax0, ay0, ax1, ay1 = area.widen(PREDICTED_MARGIN_M).bounds
    bounds = (
        max(float((x - reach).min()), ax0),
        max(float((y - reach).min()), ay0),
        min(float((x + reach).max()), ax1),
        min(float((y + reach).max()), ay1),
    )
    grid = make_grid(bounds, resolution_m=resolution_m, crs=area.crs)
    found = predict_coverage(
        pd.DataFrame(chosen.drop(columns="geometry")),
        grid,
        model=radio.model,
        threshold_dbm=radio.threshold_dbm,
        environment=radio.environment,
        receiver_height_m=radio.receiver_height_m,
        terrain=radio.terrain,
        source="planning",
    )
    values = found.values
    if targets is not None and len(targets):
        values = _burn_village_power(values, grid, chosen, targets, radio)
    return PredictedRaster(values, grid.transform, grid.crs)


def _burn_village_power(
    values: np.ndarray, grid: Grid, chosen: gpd.GeoDataFrame, targets: gpd.GeoSeries, radio: Radio
) -> np.ndarray:
    """``values`` with the cell of each target village set to the chosen sites' best power
    at the village (NaN beyond every reach); the stronger where villages share a cell."""
    xs, ys = targets.x.to_numpy(dtype=float), targets.y.to_numpy(dtype=float)
    power = predict_points(
        pd.DataFrame(chosen.drop(columns="geometry")), xs, ys, model=radio.model,
        threshold_dbm=radio.threshold_dbm, environment=radio.environment,
        receiver_height_m=radio.receiver_height_m, terrain=radio.terrain,
    ).astype(values.dtype)  # fmt: skip
    cols, rows = ~grid.transform * (xs, ys)
    rows, cols = np.floor(rows).astype(np.int64), np.floor(cols).astype(np.int64)
    inside = (rows >= 0) & (rows < values.shape[0]) & (cols >= 0) & (cols < values.shape[1])
    rows, cols, power = rows[inside], cols[inside], power[inside]
    out = values.copy()
    out[rows, cols] = np.nan
    np.fmax.at(out, (rows, cols), power)
    return out

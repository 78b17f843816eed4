"""Received power on given site-to-point links, for site planning.

:func:`compute_link_power` evaluates the prediction models on pairs (site row, point):
EIRP − antenna pattern − path loss (− the terrain's diffraction loss), no threshold and no
best server, the same formulas as :func:`~.predict.predict_points` (one straight profile
per link). :func:`power_model` wraps it as the received-power model of
:func:`coverage_gaps.analysis.planning.power_covers`.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from .antenna import compute_sector_attenuation
from .grid import Terrain
from .pathloss import ENVIRONMENTS, compute_path_loss
from .predict import _point_diffraction, _site_arrays

__all__ = ["compute_link_power", "power_model"]


def compute_link_power(
    sites: pd.DataFrame,
    site_rows: npt.ArrayLike,
    xs: npt.ArrayLike,
    ys: npt.ArrayLike,
    *,
    model: str,
    environment: str = "rural",
    receiver_height_m: float = 1.5,
    terrain: Terrain | None = None,
    step_m: float | None = None,
) -> npt.NDArray[np.float64]:
    """Received power (dBm) on each link from site ``site_rows[k]`` (a position in
    ``sites``) to the point ``(xs[k], ys[k])``.

    Parameters
    ----------
    sites
        :data:`~.predict.SITE_COLUMNS` (``x``/``y`` in the points' metric CRS).
    site_rows, xs, ys
        The links, one entry each.
    model
        ``hata`` or ``hata+terrain`` (the ``range`` model has no power: use
        :func:`coverage_gaps.analysis.planning.range_covers`).
    environment, receiver_height_m
        As for :func:`~.predict.predict_coverage`.
    terrain
        Required by ``hata+terrain``; must cover the sites and the points.
    step_m
        Profile sampling (default: the terrain's cell).

    Examples
    --------
    >>> s = pd.DataFrame({"x": [0.0], "y": [0.0], "height_m": [30.0], "frequency_mhz": [900.0],
    ...                   "eirp_dbm": [30.0]})
    >>> compute_link_power(s, [0, 0], [6000.0, 0.0], [0.0, 1000.0], model="hata").round(1).tolist()
    [-95.3, -67.9]
    """
    if model not in ("hata", "hata+terrain"):
        raise ValueError(f"compute_link_power needs model hata or hata+terrain, not {model!r}")
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}; use one of {ENVIRONMENTS}")
    if model == "hata+terrain" and terrain is None:
        raise ValueError("model hata+terrain needs terrain")
    a = _site_arrays(sites, model)
    rows = np.asarray(site_rows, dtype=np.int64)
    px, py = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    out = np.full(rows.shape, np.nan)
    step = step_m or (terrain.grid.resolution if terrain is not None else 50.0)
    order = np.argsort(rows, kind="stable")
    for links in np.split(order, np.flatnonzero(np.diff(rows[order])) + 1):  # site by site
        if links.size == 0:
            continue
        i = int(rows[links[0]])
        dx, dy = px[links] - a["x"][i], py[links] - a["y"][i]
        d = np.hypot(dx, dy)
        power = a["eirp_dbm"][i] - compute_path_loss(
            d,
            frequency_mhz=a["frequency_mhz"][i],
            base_height_m=a["height_m"][i],
            mobile_height_m=receiver_height_m,
            environment=environment,
        )
        if np.isfinite(a["azimuth_deg"][i]):
            bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
            power -= compute_sector_attenuation(
                bearing, azimuth_deg=a["azimuth_deg"][i], beamwidth_deg=a["beamwidth_deg"][i]
            )
        if terrain is not None and model == "hata+terrain":
            power -= _point_diffraction(
                terrain, a, i, px[links], py[links], d, step, receiver_height_m
            )
        out[links] = power
    return out


def power_model(
    *,
    model: str,
    environment: str = "rural",
    receiver_height_m: float = 1.5,
    terrain: Terrain | None = None,
) -> Callable[[gpd.GeoDataFrame, np.ndarray, np.ndarray], np.ndarray]:
    """The received-power model of :func:`coverage_gaps.analysis.planning.power_covers`:
    called with candidate sites (points in the working CRS with ``height_m``,
    ``frequency_mhz``, ``eirp_dbm`` and optionally ``azimuth_deg``, ``beamwidth_deg``), the
    candidate row of each pair and the pairs' village coordinates ``(n, 2)``.

    Examples
    --------
    >>> from coverage_gaps.analysis.planning import power_covers
    >>> covers = power_covers(power_model(model="hata+terrain", terrain=terrain),
    ...                       threshold_dbm=-105, reach_m=20_000)  # doctest: +SKIP
    """

    def power(candidates: gpd.GeoDataFrame, rows: np.ndarray, xy: np.ndarray) -> np.ndarray:
        table = pd.DataFrame(candidates.drop(columns="geometry", errors="ignore"))
        points = candidates.geometry.to_numpy()
        table["x"], table["y"] = shapely.get_x(points), shapely.get_y(points)
        return compute_link_power(
            table,
            rows,
            xy[:, 0],
            xy[:, 1],
            model=model,
            environment=environment,
            receiver_height_m=receiver_height_m,
            terrain=terrain,
        )

    return power

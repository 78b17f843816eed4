"""Best-server received power from a site list, on a grid or at points.

Received power = EIRP − antenna pattern − path loss (− diffraction loss with terrain), in
dBm, the best site at each cell. Models:

- ``range``: every cell within a site's ``range_m`` gets the threshold (covered), others
  nodata;
- ``hata``: :mod:`.pathloss` and :mod:`.antenna`;
- ``hata+terrain``: the same plus the Bullington diffraction loss of :mod:`.diffraction`
  over the DEM.

Work is limited to each antenna's *reach*: the cells where its power without terrain
(EIRP − pattern − path loss) reaches the threshold, within its *useful range* (where the
path loss alone brings the boresight power down to the threshold, at most
:data:`~.pathloss.MAX_RANGE_M`). Cells in no antenna's reach are nodata (NaN); with terrain,
cells in reach keep their value even when the terrain takes it below the threshold.

With terrain, losses are computed along radial profiles from each mast (one radial every
two cells at the reach, each only as long as the reach toward it; samples one cell apart)
by :func:`~.diffraction.trace_columns`, and each cell takes the sample nearest to it;
co-located rows (the sectors of one mast) share their profiles. Path loss comes from a
table per antenna (2,048 log-spaced distances, linear in log-distance). Masts are spread
over ``workers`` threads (numpy releases the GIL); the result does not depend on their
number or order. :func:`predict_points` is the reference: one straight profile per point.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..._errors import Problem, warn_problem
from .antenna import DEFAULT_BEAMWIDTH_DEG, compute_sector_attenuation
from .diffraction import (
    compute_profile_loss,
    compute_smooth_factor,
    convert_factor_to_loss,
    trace_columns,
)
from .grid import Grid, Terrain
from .pathloss import ENVIRONMENTS, MAX_RANGE_M, compute_path_loss, describe_validity

__all__ = [
    "MODELS",
    "SITE_COLUMNS",
    "Prediction",
    "compute_useful_range",
    "predict_coverage",
    "predict_pairs",
    "predict_points",
]

#: Prediction models.
MODELS: tuple[str, ...] = ("range", "hata", "hata+terrain")
#: Columns of a site table (``x``, ``y`` in the grid's CRS). ``azimuth_deg``,
#: ``beamwidth_deg`` and ``range_m`` may be absent or NaN (omni; 65°; no range).
SITE_COLUMNS: tuple[str, ...] = (
    "x",
    "y",
    "height_m",
    "frequency_mhz",
    "eirp_dbm",
    "azimuth_deg",
    "beamwidth_deg",
    "range_m",
)
_NEEDED = {
    "range": ("x", "y", "range_m"),
    "hata": ("x", "y", "height_m", "frequency_mhz", "eirp_dbm"),
    "hata+terrain": ("x", "y", "height_m", "frequency_mhz", "eirp_dbm"),
}
#: Radial profiles are this many cells apart at a site's useful range.
RADIAL_SPACING_CELLS = 2.0
_TABLE_SIZE = 2048  # path loss tabulated at this many log-spaced distances per site
_CHUNK_SAMPLES = 1 << 16  # radial samples traced at once (fits the CPU caches)


@dataclass(frozen=True)
class Prediction:
    """A predicted best-server raster: ``values`` in dBm (float32, NaN outside every site's
    reach) on ``grid``; ``reach_m`` per site; ``notes`` on the models' validity."""

    values: npt.NDArray[np.float32]
    grid: Grid
    model: str
    reach_m: npt.NDArray[np.float64]
    notes: tuple[str, ...]


def _site_arrays(sites: pd.DataFrame, model: str) -> dict[str, np.ndarray]:
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; use one of {', '.join(MODELS)}")
    missing = [c for c in _NEEDED[model] if c not in sites.columns]
    if missing:
        raise ValueError(f"the site table lacks {', '.join(missing)} (needed by {model})")
    n = len(sites)
    out = {
        c: sites[c].to_numpy(dtype=float, na_value=np.nan)
        if c in sites.columns
        else np.full(n, np.nan)
        for c in SITE_COLUMNS
    }
    bad = ~np.isfinite(np.column_stack([out[c] for c in _NEEDED[model]])).all(axis=1)
    if bad.any():
        raise ValueError(f"site rows {np.flatnonzero(bad)[:10].tolist()} lack {_NEEDED[model]}")
    out["beamwidth_deg"] = np.where(
        np.isfinite(out["beamwidth_deg"]), out["beamwidth_deg"], DEFAULT_BEAMWIDTH_DEG
    )
    return out


def compute_useful_range(
    sites: pd.DataFrame,
    *,
    model: str,
    threshold_dbm: float,
    environment: str = "rural",
    receiver_height_m: float = 1.5,
    max_range_m: float = MAX_RANGE_M,
) -> npt.NDArray[np.float64]:
    """Each site's reach in metres: ``range_m`` for ``range``; otherwise the distance where
    EIRP − path loss falls to the threshold (0 when it never reaches it), at most
    ``max_range_m``. Rounded up to the next of 1,024 log-spaced distances (≤ 1.2 % over).

    Examples
    --------
    >>> s = pd.DataFrame({"x": [0.0], "y": [0.0], "height_m": [30.0], "frequency_mhz": [900.0],
    ...                   "eirp_dbm": [30.0]})
    >>> round(float(compute_useful_range(s, model="hata", threshold_dbm=-95.3)[0]))  # 125.3 dB at 6 km
    5999
    """
    a = _site_arrays(sites, model)
    if model == "range":
        return np.minimum(a["range_m"], max_range_m)
    distances = np.geomspace(1.0, max_range_m, 1024)
    # sites sharing EIRP, frequency and height (a generated grid: all of them) share a reach
    radio = np.column_stack([a["eirp_dbm"], a["frequency_mhz"], a["height_m"]])
    if not len(radio):
        return np.zeros(0)
    kinds, which = np.unique(radio, axis=0, return_inverse=True)
    budget = kinds[:, 0] - threshold_dbm
    out = np.zeros(len(kinds))
    for start in range(0, len(kinds), 256):  # bounded memory for long lists
        part = slice(start, start + 256)
        loss = compute_path_loss(
            distances[None, :],
            frequency_mhz=kinds[part, 1, None],
            base_height_m=kinds[part, 2, None],
            mobile_height_m=receiver_height_m,
            environment=environment,
        )
        over = loss > budget[part, None]
        first = np.where(over.any(axis=1), over.argmax(axis=1), len(distances) - 1)
        out[part] = np.where(first == 0, 0.0, distances[first])
    return out[which.reshape(-1)]


@dataclass(frozen=True)
class _Settings:
    """What every mast of one prediction shares."""

    model: str
    threshold: float
    environment: str
    hm: float  # receiver height above ground
    step: float  # profile step (the terrain's cell)
    terrain: Terrain | None
    azimuth: npt.NDArray[np.float64]  # per site row
    top: float = 0.0  # log10 of the mast's table range (set per mast)


@dataclass(frozen=True)
class _LossTable:
    """A site's path loss at log-spaced distances from 1 m to ``10 ** top`` m; the masts'
    antennas share the distances, so a cell's position in the table is computed once."""

    top: float  # log10 of the last distance (m)
    loss: npt.NDArray[np.float32]
    diff: npt.NDArray[np.float32]  # to the next value

    @classmethod
    def build(cls, frequency: float, height: float, top: float, ctx: _Settings) -> _LossTable:
        loss = compute_path_loss(
            np.logspace(0.0, top, _TABLE_SIZE),
            frequency_mhz=frequency,
            base_height_m=height,
            mobile_height_m=ctx.hm,
            environment=ctx.environment,
        ).astype(np.float32)
        return cls(top, loss, np.append(np.diff(loss), np.float32(0.0)).astype(np.float32))

    @staticmethod
    def locate(log_d: np.ndarray, top: float) -> tuple[np.ndarray, np.ndarray]:
        """Table index and fraction of distances given as log10 metres (float32)."""
        u = log_d * np.float32((_TABLE_SIZE - 1) / top)
        np.clip(u, np.float32(0.0), np.float32(_TABLE_SIZE - 1.0001), out=u)
        index = u.astype(np.int32)
        u -= index
        return index, u

    def interpolate(self, index: np.ndarray, fraction: np.ndarray) -> np.ndarray:
        """Loss (dB) at the positions :meth:`locate` gave, linear in log-distance."""
        out = np.take(self.diff, index)
        out *= fraction
        out += np.take(self.loss, index)
        return out

    def distance_at(self, loss: np.ndarray) -> np.ndarray:
        """The first tabulated distance whose loss exceeds ``loss`` (0 below the first)."""
        i = np.searchsorted(self.loss, loss, side="right")
        log_d = np.minimum(i, _TABLE_SIZE - 1) * (self.top / (_TABLE_SIZE - 1))
        return np.where(i == 0, 0.0, 10.0**log_d)


@dataclass
class _Mast:
    """The rows of the site table at one position and height (the sectors of a mast)."""

    rows: np.ndarray
    x: float
    y: float
    reach: float


def _group_masts(a: dict[str, np.ndarray], reach: np.ndarray) -> list[_Mast]:
    """Rows grouped by identical (x, y, height); masts with no reach dropped; in input order."""
    keys = pd.DataFrame({"x": a["x"], "y": a["y"], "h": a["height_m"]})
    codes = keys.groupby(["x", "y", "h"], sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
    masts = []
    for rows in np.split(order, starts[1:]):  # one iteration per mast
        rows = rows[reach[rows] > 0]
        if rows.size:
            x, y = float(a["x"][rows[0]]), float(a["y"][rows[0]])
            masts.append(_Mast(rows, x, y, float(reach[rows].max())))
    return masts


def _member_reach(
    mast: _Mast,
    a: dict[str, np.ndarray],
    tables: dict[int, _LossTable],
    bearings: np.ndarray,
    ctx: _Settings,
) -> np.ndarray:
    """(rows, N) distance each antenna reaches toward each bearing (pattern included)."""
    out = np.empty((mast.rows.size, bearings.size))
    for k, i in enumerate(mast.rows):  # the sectors of the mast
        budget = a["eirp_dbm"][i] - ctx.threshold
        if np.isfinite(a["azimuth_deg"][i]):
            budget = budget - compute_sector_attenuation(
                bearings, azimuth_deg=a["azimuth_deg"][i], beamwidth_deg=a["beamwidth_deg"][i]
            ).astype(float)
        out[k] = np.minimum(
            tables[i].distance_at(np.asarray(budget, dtype=np.float32)), a["reach"][i]
        )
    return out


def _window(
    grid: Grid, x: float, y: float, reach: np.ndarray, bearings: np.ndarray
) -> tuple[int, int, int, int] | None:
    """Rows r0:r1 and columns c0:c1 of the cells that may lie within ``reach`` (per
    bearing, degrees) of (x, y), with a cell to spare."""
    rad = np.radians(bearings)
    ex, ey = reach * np.sin(rad), reach * np.cos(rad)
    t, res = grid.transform, grid.resolution
    c0 = max(0, math.floor((x + min(ex.min(), 0.0) - t.c) / res) - 1)
    c1 = min(grid.width, math.ceil((x + max(ex.max(), 0.0) - t.c) / res) + 1)
    r0 = max(0, math.floor((t.f - y - max(ey.max(), 0.0)) / res) - 1)
    r1 = min(grid.height, math.ceil((t.f - y - min(ey.min(), 0.0)) / res) + 1)
    return (r0, r1, c0, c1) if r0 < r1 and c0 < c1 else None


def _trace_mast(
    terrain: Terrain, mast: _Mast, lengths: np.ndarray, height: float, ctx: _Settings
) -> npt.NDArray[np.float32]:
    """ν √λ on the radial profiles of a mast, laid out (M + 1 samples, N radials); radial
    n is traced over its first ``lengths[n]`` samples (−inf beyond)."""
    step = ctx.step
    n_radials, m1 = lengths.size, int(lengths.max())
    t, res = terrain.grid.transform, terrain.grid.resolution
    # sample positions in cells from the terrain's corner (float32: well under 0.01 cell)
    col0, row0 = np.float32((mast.x - t.c) / res), np.float32((t.f - mast.y) / res)
    along = (np.arange(m1, dtype=np.float32) * np.float32(step / res))[:, None]
    ground = float(terrain.sample([mast.x], [mast.y])[0])
    flat_heights = terrain.heights.ravel()
    out = np.full((m1, n_radials), -np.inf, dtype=np.float32)
    # chunks of consecutive radials of about _CHUNK_SAMPLES samples: cache-sized arrays
    ends = np.searchsorted(
        np.cumsum(lengths), np.arange(_CHUNK_SAMPLES, lengths.sum(), _CHUNK_SAMPLES)
    )
    bounds = np.unique(np.r_[0, ends, n_radials])
    for n0, n1 in zip(bounds[:-1], bounds[1:], strict=True):
        m = int(lengths[n0:n1].max())
        bearing = np.radians(np.arange(n0, n1) * 360.0 / n_radials)
        cols = (col0 + along[:m] * np.sin(bearing).astype(np.float32)).astype(np.int64)
        rows = (row0 - along[:m] * np.cos(bearing).astype(np.float32)).astype(np.int64)
        np.clip(cols, 0, terrain.grid.width - 1, out=cols)
        np.clip(rows, 0, terrain.grid.height - 1, out=rows)
        rows *= terrain.grid.width
        rows += cols
        heights = np.take(flat_heights, rows)
        heights[0] = ground
        out[:m, n0:n1] = trace_columns(
            heights, step_m=step, tx_height_m=ground + height, rx_height_m=ctx.hm
        )
    return out


def _mast_geometry(
    grid: Grid, mast: _Mast, window: tuple[int, int, int, int], n_radials: int, ctx: _Settings
) -> dict:
    """Per cell of the window: squared distance, position in the loss tables, bearing
    (degrees, when a sector needs it) and radial sample (with terrain)."""
    r0, r1, c0, c1 = window
    t, res = grid.transform, grid.resolution
    dx = (t.c + (np.arange(c0, c1) + 0.5) * res - mast.x).astype(np.float32)
    dy = (t.f - (np.arange(r0, r1) + 0.5) * res - mast.y).astype(np.float32)
    d2 = dy[:, None] * dy[:, None] + dx[None, :] * dx[None, :]
    log_d = np.maximum(d2, np.float32(1.0))
    np.log10(log_d, out=log_d)
    log_d *= np.float32(0.5)
    geo = {"d2": d2}
    geo["index"], geo["fraction"] = _LossTable.locate(log_d, ctx.top)
    terrain = ctx.model == "hata+terrain"
    sectors = np.isfinite(ctx.azimuth[mast.rows]).any()
    if not (terrain or sectors):
        return geo  # omni antennas without terrain: no bearing needed
    angle = np.arctan2(dx[None, :], dy[:, None])  # radians clockwise from north
    if sectors:
        geo["bearing"] = angle * np.float32(180.0 / np.pi)
    if terrain:
        angle *= np.float32(n_radials / (2 * np.pi))
        spoke = np.rint(angle, out=angle).astype(np.int64)
        spoke %= n_radials
        sample = np.sqrt(d2)
        sample *= np.float32(1.0 / ctx.step)
        geo["radial"] = spoke, np.rint(sample, out=sample).astype(np.int64)
    return geo


def _mast_power(
    mast: _Mast, a: dict[str, np.ndarray], grid: Grid, ctx: _Settings
) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """The window of a mast and the best received power of its antennas over it (dBm,
    NaN where none reaches); None when it reaches no cell of the grid."""
    model = ctx.model
    res = ctx.step if model == "hata+terrain" else grid.resolution
    n_radials = max(8, math.ceil(2 * math.pi * mast.reach / (RADIAL_SPACING_CELLS * res)))
    bearings = np.arange(n_radials) * (360.0 / n_radials)
    ctx = replace(ctx, top=math.log10(max(mast.reach, 2.0) * 1.02))
    if model == "range":
        reach = a["range_m"][mast.rows][:, None] * np.ones(n_radials)
        tables: dict[int, _LossTable] = {}
    else:
        tables = {
            i: _LossTable.build(a["frequency_mhz"][i], a["height_m"][i], ctx.top, ctx)
            for i in mast.rows
        }
        reach = _member_reach(mast, a, tables, bearings, ctx)
    window = _window(grid, mast.x, mast.y, reach.max(axis=0), bearings)
    if window is None:
        return None
    geo = _mast_geometry(grid, mast, window, n_radials, ctx)
    if ctx.terrain is not None and model == "hata+terrain":
        lengths = np.minimum(
            np.ceil(reach.max(axis=0) * 1.02 / res) + 3, math.ceil(mast.reach / res) + 3
        ).astype(np.int64)
        height = float(a["height_m"][mast.rows[0]])
        factor = _trace_mast(ctx.terrain, mast, lengths, height, ctx)
        dist = np.arange(factor.shape[0]) * res
        smooth = compute_smooth_factor(
            dist, dist - res, tx_above_m=height, rx_above_m=ctx.hm
        ).astype(np.float32)[:, None]
        spoke, sample = geo["radial"]
        np.minimum(sample, factor.shape[0] - 1, out=sample)
        sample *= factor.shape[1]
        sample += spoke
        flat = sample
    best = np.full(geo["d2"].shape, np.nan, dtype=np.float32)
    losses: dict[float, np.ndarray] = {}
    for k, i in enumerate(mast.rows):  # the sectors of the mast
        sub = _sub_window(window, _window(grid, mast.x, mast.y, reach[k], bearings))
        if sub is None:
            continue
        if model == "range":
            power = np.where(
                geo["d2"][sub] <= np.float32(reach[k, 0] ** 2),
                np.float32(ctx.threshold),
                np.float32(np.nan),
            )
        else:
            power = tables[i].interpolate(geo["index"][sub], geo["fraction"][sub])
            np.subtract(np.float32(a["eirp_dbm"][i]), power, out=power)
            if np.isfinite(a["azimuth_deg"][i]):
                power -= compute_sector_attenuation(
                    geo["bearing"][sub],
                    azimuth_deg=a["azimuth_deg"][i],
                    beamwidth_deg=a["beamwidth_deg"][i],
                )
            inside = power >= np.float32(ctx.threshold)
            if model == "hata+terrain":
                f = float(a["frequency_mhz"][i])
                if f not in losses:
                    losses[f] = convert_factor_to_loss(factor, f, smooth).ravel()
                power -= np.take(losses[f], flat[sub])
            power[~inside] = np.nan
        np.fmax(best[sub], power, out=best[sub])
    return window, best


def _sub_window(
    outer: tuple[int, int, int, int], inner: tuple[int, int, int, int] | None
) -> tuple[slice, slice] | None:
    """``inner`` as slices of an array covering ``outer`` (None when empty)."""
    if inner is None:
        return None
    r0, r1 = max(inner[0], outer[0]), min(inner[1], outer[1])
    c0, c1 = max(inner[2], outer[2]), min(inner[3], outer[3])
    if r0 >= r1 or c0 >= c1:
        return None
    return slice(r0 - outer[0], r1 - outer[0]), slice(c0 - outer[2], c1 - outer[2])


def _split(masts: list[_Mast], workers: int) -> Iterator[list[_Mast]]:
    """Masts dealt round-robin, largest first, to ``workers`` lists."""
    order = sorted(masts, key=lambda j: -j.reach)
    for w in range(workers):
        yield order[w::workers]


def predict_coverage(
    sites: pd.DataFrame,
    grid: Grid,
    *,
    model: str,
    threshold_dbm: float,
    environment: str = "rural",
    receiver_height_m: float = 1.5,
    terrain: Terrain | None = None,
    max_range_m: float = MAX_RANGE_M,
    workers: int | None = None,
    source: str = "sites",
    layer: str = "",
) -> Prediction:
    """Best-server received power on ``grid`` (module docstring).

    Parameters
    ----------
    sites
        :data:`SITE_COLUMNS`, ``x``/``y`` in ``grid.crs``; rows are antennas (a mast with
        three sectors is three rows at one position).
    grid
        The target grid (metric CRS).
    model
        One of :data:`MODELS`.
    threshold_dbm
        The coverage threshold: sets each site's useful range (and the value of ``range``).
    environment
        ``urban``, ``suburban`` or ``rural`` (:mod:`.pathloss`).
    receiver_height_m
        Receiver antenna above ground.
    terrain
        Ground heights on a grid aligned with ``grid`` and widened by the longest reach
        (:func:`~.grid.load_terrain`); required by ``hata+terrain``.
    max_range_m
        The longest reach considered.
    workers
        Threads (default: the machine's CPUs, at most 4).
    source, layer
        Name the site list and the layer (``Viettel 4G``) in the validity warning.

    Warns
    -----
    CoverageGapsWarning
        Once, listing what falls outside the models' validity (:func:`describe_validity`).

    Examples
    --------
    >>> grid = make_grid((0, 0, 5000, 5000), resolution_m=50, crs=CRS(32648))  # doctest: +SKIP
    >>> p = predict_coverage(sites, grid, model="hata", threshold_dbm=-105)  # doctest: +SKIP
    """
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}; use one of {ENVIRONMENTS}")
    a = _site_arrays(sites, model)
    if model == "hata+terrain" and terrain is None:
        raise ValueError("model hata+terrain needs terrain")
    reach = compute_useful_range(
        sites,
        model=model,
        threshold_dbm=threshold_dbm,
        environment=environment,
        receiver_height_m=receiver_height_m,
        max_range_m=max_range_m,
    )
    a["reach"] = reach
    notes = _validity_notes(a, model, receiver_height_m, max_range_m, environment)
    if notes:
        warn_problem(
            Problem(
                source,
                layer,
                f"predicted with model {model} outside its validity: {'; '.join(notes)}.",
                "see docs/PREDICTION.md for what is done there; check heights and frequencies.",
            )
        )
    step = terrain.grid.resolution if terrain is not None else grid.resolution
    ctx = _Settings(
        model=model,
        threshold=threshold_dbm,
        environment=environment,
        hm=receiver_height_m,
        step=step,
        terrain=terrain,
        azimuth=a["azimuth_deg"],
    )
    masts = _group_masts(a, reach)
    out = _run_masts(masts, a, grid, ctx, workers or min(4, os.cpu_count() or 1))
    return Prediction(out, grid, model, reach, tuple(notes))


def _run_masts(
    masts: list[_Mast], a: dict[str, np.ndarray], grid: Grid, ctx: _Settings, workers: int
) -> npt.NDArray[np.float32]:
    """The best power over the grid, the masts shared among ``workers`` threads; the result
    is the same whatever the threads' order (a maximum)."""
    out = np.full((grid.height, grid.width), np.nan, dtype=np.float32)
    lock = threading.Lock()

    def run(part: list[_Mast]) -> None:
        for mast in part:
            result = _mast_power(mast, a, grid, ctx)
            if result is None:
                continue
            (r0, r1, c0, c1), power = result
            with lock:
                np.fmax(out[r0:r1, c0:c1], power, out=out[r0:r1, c0:c1])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(run, part) for part in _split(masts, workers)]:
            future.result()
    return out


def _validity_notes(
    a: dict[str, np.ndarray], model: str, hm: float, max_range_m: float, environment: str
) -> list[str]:
    reach = a["reach"]
    notes = []
    if model != "range":
        notes = describe_validity(
            frequency_mhz=a["frequency_mhz"],
            base_height_m=a["height_m"],
            reach_m=reach,
            mobile_height_m=hm,
            environment=environment,
        )
        dead = int((reach <= 0).sum())
        if dead:
            notes.append(f"{dead} site(s) cannot reach the threshold even next to the antenna")
    elif (a["range_m"] > max_range_m).any():
        notes.append(f"ranges beyond {max_range_m / 1e3:g} km cut there")
    return notes


def predict_points(
    sites: pd.DataFrame,
    xs: npt.ArrayLike,
    ys: npt.ArrayLike,
    *,
    model: str,
    threshold_dbm: float,
    environment: str = "rural",
    receiver_height_m: float = 1.5,
    terrain: Terrain | None = None,
    step_m: float | None = None,
    max_range_m: float = MAX_RANGE_M,
) -> npt.NDArray[np.float64]:
    """Best-server received power (dBm, NaN beyond every reach) at points, each computed on
    its own straight profile (the reference for :func:`predict_coverage`).

    ``step_m`` spaces the profile samples (default: the terrain's cell size). The path loss
    is computed exactly (not tabulated) and profiles run to the points themselves, so
    values differ from the grid's by the grid's sampling only.

    Examples
    --------
    >>> s = pd.DataFrame({"x": [0.0], "y": [0.0], "height_m": [30.0], "frequency_mhz": [900.0],
    ...                   "eirp_dbm": [30.0]})
    >>> predict_points(s, [6000.0], [0.0], model="hata", threshold_dbm=-105).round(1).tolist()
    [-95.3]
    """
    a = _site_arrays(sites, model)
    px, py = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    reach = compute_useful_range(
        sites,
        model=model,
        threshold_dbm=threshold_dbm,
        environment=environment,
        receiver_height_m=receiver_height_m,
        max_range_m=max_range_m,
    )
    best = np.full(px.shape, np.nan)
    ctx = _PointSettings(
        model, threshold_dbm, environment, receiver_height_m, terrain,
        step_m or (terrain.grid.resolution if terrain is not None else 50.0),
    )  # fmt: skip
    for i in np.flatnonzero(reach > 0).tolist():  # one site at a time, every point at once
        near, power = _site_power(a, i, px, py, float(reach[i]), ctx)
        best[near] = np.fmax(best[near], power)
    return best


@dataclass(frozen=True)
class _PointSettings:
    """What :func:`predict_points` and :func:`predict_pairs` compute with."""

    model: str
    threshold: float
    environment: str
    hm: float
    terrain: Terrain | None
    step: float


def _site_power(
    a: dict[str, np.ndarray],
    i: int,
    px: np.ndarray,
    py: np.ndarray,
    reach: float,
    ctx: _PointSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Site ``i``'s power at the points it reaches: (their positions in ``px``, dBm); a
    point is reached within the site's reach where its power without terrain reaches the
    threshold."""
    dx, dy = px - a["x"][i], py - a["y"][i]
    d = np.hypot(dx, dy)
    near = np.flatnonzero(d <= reach)
    if ctx.model == "range":
        return near, np.full(near.size, ctx.threshold)
    power = a["eirp_dbm"][i] - compute_path_loss(
        d[near],
        frequency_mhz=a["frequency_mhz"][i],
        base_height_m=a["height_m"][i],
        mobile_height_m=ctx.hm,
        environment=ctx.environment,
    )
    if np.isfinite(a["azimuth_deg"][i]):
        bearing = np.degrees(np.arctan2(dx[near], dy[near])) % 360.0
        power -= compute_sector_attenuation(
            bearing, azimuth_deg=a["azimuth_deg"][i], beamwidth_deg=a["beamwidth_deg"][i]
        )
    reached = power >= ctx.threshold  # the site's reach: the threshold without terrain
    near, power = near[reached], power[reached]
    if ctx.model == "hata+terrain":
        assert ctx.terrain is not None, "model hata+terrain needs terrain"
        power -= _point_diffraction(
            ctx.terrain, a, i, px[near], py[near], d[near], ctx.step, ctx.hm
        )
    return near, power


def predict_pairs(
    sites: pd.DataFrame,
    rows: npt.ArrayLike,
    xs: npt.ArrayLike,
    ys: npt.ArrayLike,
    *,
    model: str,
    threshold_dbm: float,
    environment: str = "rural",
    receiver_height_m: float = 1.5,
    terrain: Terrain | None = None,
    step_m: float | None = None,
    max_range_m: float = MAX_RANGE_M,
) -> npt.NDArray[np.float64]:
    """Received power (dBm) of site ``rows[k]`` (a position in ``sites``) at point
    ``(xs[k], ys[k])``, for many site-point pairs at once: for each pair, what
    :func:`predict_points` gives with that site alone (NaN where the point is beyond its
    reach). Path loss is computed for every pair at once; the sector pattern and the
    terrain one site at a time (each site's pairs at once).

    Examples
    --------
    >>> s = pd.DataFrame({"x": [0.0, 0.0], "y": [0.0, 0.0], "height_m": [30.0, 30.0],
    ...                   "frequency_mhz": [900.0, 900.0], "eirp_dbm": [30.0, 20.0]})
    >>> predict_pairs(s, [0, 1], [6000.0, 6000.0], [0.0, 0.0], model="hata",
    ...               threshold_dbm=-105).round(1).tolist()
    [-95.3, nan]
    """
    a = _site_arrays(sites, model)
    rows = np.asarray(rows, dtype=np.int64)
    px, py = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    dx, dy = px - a["x"][rows], py - a["y"][rows]
    out = np.full(rows.shape, np.nan)
    if not rows.size:
        return out
    reach = compute_useful_range(
        sites,
        model=model,
        threshold_dbm=threshold_dbm,
        environment=environment,
        receiver_height_m=receiver_height_m,
        max_range_m=max_range_m,
    )
    d = np.hypot(dx, dy)
    near = np.flatnonzero((reach[rows] > 0) & (d <= reach[rows]))
    if model == "range":
        out[near] = threshold_dbm
        return out
    r = rows[near]
    power = a["eirp_dbm"][r] - compute_path_loss(
        d[near],
        frequency_mhz=a["frequency_mhz"][r],
        base_height_m=a["height_m"][r],
        mobile_height_m=receiver_height_m,
        environment=environment,
    )
    power -= _pair_sector_loss(a, r, dx[near], dy[near])
    reached = power >= threshold_dbm  # each site's reach: the threshold without terrain
    near, power = near[reached], power[reached]
    if model == "hata+terrain":
        assert terrain is not None, "model hata+terrain needs terrain"
        step = step_m or terrain.grid.resolution
        power -= _pair_diffraction(
            terrain, a, rows[near], near, (px, py, d), step, receiver_height_m
        )
    out[near] = power
    return out


def _by_site(rows: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(site, positions in ``rows`` of its pairs), site by site."""
    if not rows.size:
        return
    order = np.argsort(rows, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(rows[order]) != 0])
    for part in np.split(order, starts[1:]):
        yield int(rows[part[0]]), part


def _pair_sector_loss(
    a: dict[str, np.ndarray], rows: np.ndarray, dx: np.ndarray, dy: np.ndarray
) -> np.ndarray:
    """The sector pattern's attenuation of each pair (0 for omni sites)."""
    loss = np.zeros(rows.size)
    sector = np.isfinite(a["azimuth_deg"][rows])
    for i, part in _by_site(rows[sector]):  # one sector at a time
        at = np.flatnonzero(sector)[part]
        bearing = np.degrees(np.arctan2(dx[at], dy[at])) % 360.0
        loss[at] = compute_sector_attenuation(
            bearing, azimuth_deg=a["azimuth_deg"][i], beamwidth_deg=a["beamwidth_deg"][i]
        )
    return loss


def _pair_diffraction(
    terrain: Terrain,
    a: dict[str, np.ndarray],
    rows: np.ndarray,
    pairs: np.ndarray,
    points: tuple[np.ndarray, np.ndarray, np.ndarray],
    step: float,
    hm: float,
) -> np.ndarray:
    """The terrain loss of the pairs at positions ``pairs`` (sites ``rows``; ``points``: x,
    y and distance of every pair), one site at a time as :func:`predict_points` does."""
    px, py, d = points
    loss = np.zeros(pairs.size)
    for i, part in _by_site(rows):  # one site at a time, its pairs at once
        at = pairs[part]
        loss[part] = _point_diffraction(terrain, a, i, px[at], py[at], d[at], step, hm)
    return loss


def _point_diffraction(
    terrain: Terrain,
    a: dict[str, np.ndarray],
    i: int,
    px: np.ndarray,
    py: np.ndarray,
    d: np.ndarray,
    step: float,
    hm: float,
) -> np.ndarray:
    """Bullington loss (dB) from site ``i`` to each point along its own straight profile,
    sampled every ``step`` back from the point (the last sample one step before it, as on
    the radials; none closer than half a step to the site)."""
    x0, y0 = a["x"][i], a["y"][i]
    ground = float(terrain.sample([x0], [y0])[0])
    out = np.zeros(d.size)
    k = max(1, math.ceil(float(d.max(initial=0.0)) / step))
    per_chunk = max(1, _CHUNK_SAMPLES // k)
    back = step * np.arange(1, k + 1, dtype=float)[None, :]
    for p0 in range(0, d.size, per_chunk):  # chunks of points: bounded memory
        sl = slice(p0, p0 + per_chunk)
        dd = d[sl, None]
        along = np.where(dd - back >= step / 2, dd - back, np.nan)
        unit_x = np.divide(px[sl, None] - x0, dd, out=np.zeros_like(dd), where=dd > 0)
        unit_y = np.divide(py[sl, None] - y0, dd, out=np.zeros_like(dd), where=dd > 0)
        heights = terrain.sample(
            x0 + unit_x * np.nan_to_num(along), y0 + unit_y * np.nan_to_num(along)
        )
        rx = terrain.sample(px[sl], py[sl]).astype(float) + hm
        smooth = compute_smooth_factor(
            d[sl], d[sl] - step, tx_above_m=a["height_m"][i], rx_above_m=hm
        )
        factor = compute_profile_loss(
            d[sl],
            along,
            heights.astype(float),
            tx_height_m=ground + a["height_m"][i],
            rx_height_m=rx,
        )
        out[sl] = convert_factor_to_loss(factor, float(a["frequency_mhz"][i]), smooth)
    return out

"""Diffraction over terrain: ITU-R P.526 knife-edge loss and Bullington's equivalent edge.

Heights are measured on an effective earth of radius k × 6,371 km with k = 4/3
(ITU-R P.526, P.453): along a profile from the site, a point at distance x lies
x² / (2 a_e) lower than on a flat earth. In these "curved" heights every construction below
is plain straight-line geometry.

**Knife edge** (ITU-R P.526-15, eq. 31): J(ν) = 6.9 + 20 log(√((ν − 0.1)² + 1) + ν − 0.1) dB
for ν > −0.78, 0 otherwise; ν = h √(2 d / (λ d₁ d₂)) for an edge h metres above the
straight line between the antennas, at d₁ and d₂ from them (d = d₁ + d₂).

**Multiple edges: Bullington** (ITU-R P.526-15 section 4.5.1, the knife-edge part): the
steepest line from the transmitter over the terrain (slope S_tim) and the steepest line
from the receiver (S_rim) meet at one equivalent edge, whose J(ν) is the loss. With
S_tr = (h_r − h_t) / d the slope of the direct line, the edge gives
ν_b = √((2 d / λ) (S_tim − S_tr)(S_rim + S_tr)) when the terrain blocks the direct line
(S_tim > S_tr). When it does not, P.526 takes the highest ν over every point; here ν is
taken at the point the transmitter sees highest (the one defining S_tim).

**Added to Hata: the excess over a smooth earth.** Hata's curves already hold the loss
that smooth ground causes, notably the ground next to a mobile 1.5 m up, which grazes
the direct line (0.5-2 dB of J(ν) at 50 m sampling). So, in the spirit of P.526-15's
delta-Bullington (actual profile versus a smooth one), the terrain loss added to Hata is
J(ν) of the actual profile minus J(ν₀) of the same construction over smooth ground (the
straight ground line from the transmitter's foot to the receiver's, on the curved earth),
never negative: nothing on flat ground, the ridge's loss behind a ridge
(:func:`compute_smooth_factor`, :func:`convert_factor_to_loss`).

The same loss is computed two ways: :func:`compute_profile_loss` along a straight profile
to each point (the reference), and :func:`trace_radials` for every sample of radial
profiles around a site at once (the fast path; see its docstring for its one
approximation).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "EARTH_RADIUS_M",
    "EFFECTIVE_EARTH_RADIUS_M",
    "K_FACTOR",
    "NEAR_SAMPLES",
    "compute_bullington_factor",
    "compute_knife_edge_loss",
    "compute_profile_loss",
    "compute_smooth_factor",
    "convert_factor_to_loss",
    "trace_columns",
    "trace_radials",
]

FloatArray = npt.NDArray[np.floating]

#: Effective earth-radius factor for standard refraction.
K_FACTOR = 4.0 / 3.0
#: Mean earth radius (m).
EARTH_RADIUS_M = 6_371_000.0
#: Effective earth radius a_e = k × 6,371 km ≈ 8,495 km.
EFFECTIVE_EARTH_RADIUS_M = K_FACTOR * EARTH_RADIUS_M
#: Profile samples next to the receiver checked one by one by :func:`trace_radials`.
NEAR_SAMPLES = 6
_SPEED_OF_LIGHT = 299_792_458.0


def compute_knife_edge_loss(nu: npt.ArrayLike) -> FloatArray:
    """ITU-R P.526 single knife-edge loss J(ν) in dB (0 for ν ≤ −0.78).

    Examples
    --------
    >>> compute_knife_edge_loss([-0.78, 0.0, 10.0]).round(2).tolist()
    [0.0, 6.03, 32.86]
    """
    v = np.asarray(nu)
    v = v.astype(np.float32) if v.dtype == np.float32 else v.astype(float)
    u = v - v.dtype.type(0.1)
    with np.errstate(invalid="ignore"):
        loss = v.dtype.type(6.9) + v.dtype.type(20.0) * np.log10(np.sqrt(u * u + 1) + u)
    return np.where(v > -0.78, loss, v.dtype.type(0.0))


def compute_bullington_factor(
    distance_m: FloatArray,
    tx_slope: FloatArray,
    rx_slope: FloatArray,
    direct_slope: FloatArray,
    tx_edge_m: FloatArray,
) -> FloatArray:
    """ν √λ of the Bullington edge (module docstring), so that ν = result / √λ for any
    wavelength; −inf where there is no terrain between the antennas.

    Parameters
    ----------
    distance_m
        d, from the transmitter to the receiver.
    tx_slope, rx_slope
        S_tim and S_rim in curved heights (−inf when no point lies between).
    direct_slope
        S_tr, the slope of the straight line from the transmitter to the receiver.
    tx_edge_m
        Distance from the transmitter of the point defining S_tim.

    Examples
    --------
    A 100 m ridge half-way along 10 km, antennas at 0 m: ν √λ = 100 √(2 · 10⁴ / 25·10⁶)

    >>> f = compute_bullington_factor(np.array([1e4]), np.array([0.02]), np.array([0.02]),
    ...                               np.array([0.0]), np.array([5e3]))
    >>> round(float(f[0]), 3)
    2.828
    """
    dtype = np.result_type(distance_m, tx_slope)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        excess = tx_slope - direct_slope
        blocked = np.sqrt(
            2 * distance_m * np.maximum(excess, 0) * np.maximum(rx_slope + direct_slope, 0)
        )
        clear = excess * np.sqrt(2 * distance_m * tx_edge_m / (distance_m - tx_edge_m))
    out = np.where(excess > 0, blocked, clear)
    return np.where(np.isfinite(tx_slope), out, -np.inf).astype(dtype, copy=False)


def compute_smooth_factor(
    distance_m: npt.ArrayLike, last_m: npt.ArrayLike, *, tx_above_m: float, rx_above_m: float
) -> FloatArray:
    """ν √λ of the same construction over smooth ground: a straight ground line from the
    transmitter's foot to the receiver's on the curved earth, whose point defining S_tim
    is the last sample before the receiver (at ``last_m``) while the receiver is within
    the radio horizon; −inf where no sample lies between.

    Examples
    --------
    A mobile 1.5 m up, 3 km from a 30 m mast, ground sampled every 50 m:

    >>> round(float(compute_smooth_factor(3000.0, 2950.0, tx_above_m=30, rx_above_m=1.5)), 3)
    -0.397
    """
    d = np.asarray(distance_m, dtype=float)
    x = np.asarray(last_m, dtype=float)
    gap = d - x
    with np.errstate(divide="ignore", invalid="ignore"):
        clearance = (
            x * gap / (2 * EFFECTIVE_EARTH_RADIUS_M) - (tx_above_m * gap + rx_above_m * x) / d
        )
        factor = clearance * np.sqrt(2 * d / (x * gap))
    return np.where((x > 0) & (gap > 0), factor, -np.inf)


def convert_factor_to_loss(
    factor: FloatArray, frequency_mhz: float, smooth: FloatArray | None = None
) -> FloatArray:
    """Diffraction loss in dB at a frequency from ν √λ (:func:`compute_bullington_factor`):
    J(ν), less J(ν₀) of the smooth ground when ``smooth`` (ν₀ √λ, broadcast) is given,
    never negative."""
    scale = factor.dtype.type(np.sqrt(frequency_mhz * 1e6 / _SPEED_OF_LIGHT))  # 1 / √λ
    loss = compute_knife_edge_loss(factor * scale)
    if smooth is None:
        return loss
    base = compute_knife_edge_loss(np.asarray(smooth, dtype=factor.dtype) * scale)
    return np.maximum(loss - base, factor.dtype.type(0.0))


def compute_profile_loss(
    distance_m: FloatArray,
    along_m: FloatArray,
    heights_m: FloatArray,
    *,
    tx_height_m: float,
    rx_height_m: FloatArray,
) -> FloatArray:
    """ν √λ of the Bullington edge for straight profiles, one per receiver (the reference).

    Parameters
    ----------
    distance_m
        (P,) distance of each receiver from the transmitter.
    along_m
        (P, K) distance from the transmitter of each profile sample; NaN for none (pad).
    heights_m
        (P, K) ground heights above sea level at those samples.
    tx_height_m
        Transmitter antenna above sea level.
    rx_height_m
        (P,) receiver antennas above sea level.

    Examples
    --------
    One 100 m hill half-way along 10 km, samples every 50 m, antennas 10 m up on flat
    ground (earth curvature lowers the far end by 5.9 m):

    >>> x = 50.0 * np.arange(1, 200)[None, :]
    >>> z = np.where(x == 5000.0, 100.0, 0.0)
    >>> f = compute_profile_loss(np.array([1e4]), x, z, tx_height_m=10.0,
    ...                          rx_height_m=np.array([10.0]))
    >>> round(float(f[0]), 2)
    2.59
    """
    d = np.asarray(distance_m, dtype=float)[:, None]
    xi = np.asarray(along_m, dtype=float)
    valid = (xi > 0) & (xi < d)
    a2 = 2.0 * EFFECTIVE_EARTH_RADIUS_M
    rx = np.asarray(rx_height_m, dtype=float)[:, None] - d * d / a2
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.where(valid, heights_m - xi * xi / a2, -np.inf)
        theta = np.where(valid, (g - tx_height_m) / xi, -np.inf)
        rim = np.where(valid, (g - rx) / (d - xi), -np.inf)
        direct = (rx[:, 0] - tx_height_m) / d[:, 0]
    first = np.argmax(theta, axis=1)
    rows = np.arange(len(d))
    return compute_bullington_factor(
        d[:, 0], theta[rows, first], rim.max(axis=1), direct, np.nan_to_num(xi[rows, first])
    )


def _sortable(values: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """Integers ordered as the float32 values are (IEEE-754 sign-magnitude to two's
    complement); the same operation turns them back."""
    bits = values.view(np.int32)
    return (bits ^ ((bits >> 31) & np.int32(0x7FFFFFFF))).astype(np.int64)


def _transmitter_side(
    g: npt.NDArray[np.float32], d: npt.NDArray[np.float32], tx: float
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """S_tim and the index of the point defining it for each sample as a receiver (the
    points strictly between), by one running maximum of (slope, index) packed in int64.
    Arrays are (samples, radials); ``d`` is (samples, 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = (g - np.float32(tx)) / d
    theta[0] = -np.inf
    key = _sortable(theta)
    key <<= 20
    key |= np.arange(g.shape[0], dtype=np.int64)[:, None]
    np.maximum.accumulate(key, axis=0, out=key)
    edge = np.zeros(key.shape, dtype=np.int64)
    edge[1:] = key[:-1] & 0xFFFFF
    packed = (key[:-1] >> 20).astype(np.int32)
    slope = np.full(g.shape, -np.inf, dtype=np.float32)
    slope[1:] = (packed ^ ((packed >> 31) & np.int32(0x7FFFFFFF))).view(np.float32)
    return slope, edge


def _receiver_side(
    g: npt.NDArray[np.float32],
    rx: npt.NDArray[np.float32],
    d: npt.NDArray[np.float32],
    edge: npt.NDArray[np.int64],
    near: int,
) -> npt.NDArray[np.float32]:
    """S_rim for each sample as a receiver, over the points between it and the site.

    Exact over the transmitter's edge and the ``near`` samples next to the receiver; beyond,
    octave by octave, over the highest point of each window of 2^k samples at 2^(k-1)·near
    to 2^k·near samples away (a window never wider than 2/near of its distance). Arrays
    are (samples, radials), so that every shift is a contiguous block.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _receiver_slopes(g, rx, d, edge, near)


def _receiver_slopes(
    g: npt.NDArray[np.float32],
    rx: npt.NDArray[np.float32],
    d: npt.NDArray[np.float32],
    edge: npt.NDArray[np.int64],
    near: int,
) -> npt.NDArray[np.float32]:
    m1, n = g.shape
    flat = edge * n + np.arange(n, dtype=np.int64)
    best = np.take(g, flat) - rx
    best /= d - np.take(d, edge)
    best[:2] = -np.inf
    tmp, tmp2 = np.empty_like(best), np.empty_like(best)
    for lag in range(1, min(near, m1 - 2) + 1):
        out, part = best[lag + 1 :], tmp[lag + 1 :]
        np.subtract(g[1 : m1 - lag], rx[lag + 1 :], out=part)
        part *= np.float32(1.0 / d[lag, 0])
        np.maximum(out, part, out=out)
    pooled = g.copy()
    pooled[0] = -np.inf
    where = np.repeat(d, n, axis=1)
    width, low = 1, near
    while low < m1 - 2:
        higher = pooled[:-width] > pooled[width:]
        where[width:] = np.where(higher, where[:-width], where[width:])
        pooled[width:] = np.maximum(pooled[width:], pooled[:-width])
        width *= 2
        for lag in range(low, min(2 * low, m1 - 2), width):
            k = m1 - lag - 1
            out, part, den = best[lag + 1 :], tmp[lag + 1 :], tmp2[lag + 1 :]
            np.subtract(d[lag + 1 :], where[:k], out=den)
            np.subtract(pooled[:k], rx[lag + 1 :], out=part)
            np.divide(part, den, out=part)
            np.maximum(out, part, out=out)
        low *= 2
    return best


def trace_columns(
    heights_m: npt.NDArray[np.float32],
    *,
    step_m: float,
    tx_height_m: float,
    rx_height_m: float,
    near: int = NEAR_SAMPLES,
) -> npt.NDArray[np.float32]:
    """:func:`trace_radials` on heights laid out (samples, radials): the fast layout."""
    m1 = heights_m.shape[0]
    d = (np.arange(m1, dtype=np.float32) * np.float32(step_m))[:, None]
    g = heights_m.astype(np.float32)
    g -= d * d / np.float32(2 * EFFECTIVE_EARTH_RADIUS_M)
    rx = g + np.float32(rx_height_m)
    tx_slope, edge = _transmitter_side(g, d, tx_height_m)
    rx_slope = _receiver_side(g, rx, d, edge, near)
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = (rx - np.float32(tx_height_m)) / d
    edge_m = np.take(d[:, 0], edge)
    return compute_bullington_factor(
        np.broadcast_to(d, g.shape), tx_slope, rx_slope, direct, edge_m
    ).astype(np.float32, copy=False)


def trace_radials(
    heights_m: npt.NDArray[np.float32],
    *,
    step_m: float,
    tx_height_m: float,
    rx_height_m: float,
    near: int = NEAR_SAMPLES,
) -> npt.NDArray[np.float32]:
    """ν √λ of the Bullington edge at every sample of radial profiles from one site.

    Parameters
    ----------
    heights_m
        (N, M+1) ground heights above sea level along N radials, sample 0 at the site and
        sample m at ``m * step_m``.
    step_m
        Spacing of the samples.
    tx_height_m
        The site's antenna above sea level.
    rx_height_m
        The receiver above the ground.
    near
        Samples next to each receiver examined one by one for S_rim.

    Returns
    -------
    numpy.ndarray
        (N, M+1) float32, −inf where nothing lies between (samples 0 and 1).

    Notes
    -----
    Each sample is the receiver of the profile made of the samples before it, so one
    pass over the radial serves every distance. S_tim (and its point) is exact: a running
    maximum. S_rim is exact over the point defining S_tim and the ``near`` samples next to
    the receiver; farther, each window of points contributes its highest point (windows
    grow with distance, at most 2/``near`` of it), so a farther point that is not the
    highest of its window but would be steeper from the receiver is missed. S_rim can
    only be underestimated, so the loss too: on rough synthetic terrain (fractal, 250 m
    relief, 50 m steps, 900 MHz) by more than 0.13 dB at 5 % of samples and more than
    0.5 dB at 1 %; 91 % of samples are exact (see docs/PREDICTION.md).
    """
    columns = np.ascontiguousarray(np.asarray(heights_m, dtype=np.float32).T)
    factor = trace_columns(
        columns, step_m=step_m, tx_height_m=tx_height_m, rx_height_m=rx_height_m, near=near
    )
    return np.ascontiguousarray(factor.T)

"""Median path loss between a base station and a mobile over open ground, by band.

| band (MHz)  | model | source |
|---|---|---|
| 150-1500    | Okumura-Hata | M. Hata, "Empirical formula for propagation loss in land mobile radio services", IEEE Trans. Veh. Tech. VT-29(3), 1980 |
| 1500-2000   | COST-231 Hata (C_m = 0 dB) | COST Action 231 final report, "Digital mobile radio towards future generation systems", 1999, ch. 4 |
| 2000-3000   | Extended Hata | ITU-R Report SM.2028-2 (the SEAMCAT propagation model), annex 2 |
| 3000-7125   | 3GPP TR 38.901 RMa / UMa | 3GPP TR 38.901 V16 section 7.4.1, table 7.4.1-1 |

Environments: ``urban`` is Hata's small-and-medium city (and TR 38.901 UMa NLOS),
``suburban`` Hata's suburban correction (TR 38.901 RMa NLOS), ``rural`` Hata's open-area
correction (TR 38.901 RMa LOS). Above 3 GHz each environment is mapped to the TR 38.901
curve that continues the Hata-family curve of the same environment: at 2.9-3.1 GHz, hb 35 m,
1 km the two differ by a few dB (see docs/PREDICTION.md), whereas RMa NLOS for ``rural``
would be some 20 dB above Hata's open-area curve.

Outside a model's validity (see :data:`VALIDITY`) nothing is refused except the frequency:

- distances below 100 m (Hata family) follow ITU-R SM.2028's short-range rule: free-space
  loss up to 40 m, interpolation in log-distance between 40 m and 100 m; beyond 20 km its
  long-range exponent alpha applies (up to 100 km, the longest reach computed);
- base antennas below 30 m use SM.2028's correction b(hb) = min(0, 20 log(hb / 30)) with
  hb = 30 m in the formula; mobile heights above 10 m its +20 log(hm / 10);
- TR 38.901 formulas are extrapolated beyond their distances (5 km NLOS, 10 km LOS) and
  heights; distances below 10 m are taken as 10 m;
- the loss is never below free-space loss (SM.2028).

:func:`describe_validity` lists what a set of sites puts outside the models; the caller
warns once per layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "ENVIRONMENTS",
    "FREQUENCY_RANGE_MHZ",
    "MAX_RANGE_M",
    "VALIDITY",
    "compute_free_space_loss",
    "compute_hata_loss",
    "compute_path_loss",
    "compute_tr38901_loss",
    "describe_validity",
    "select_model",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.floating]

#: Environments understood by every model.
ENVIRONMENTS: tuple[str, ...] = ("urban", "suburban", "rural")
#: Lowest and highest carrier frequency any model covers (MHz). 7125 MHz is the top of
#: 3GPP's FR1 (the sub-7 GHz bands).
FREQUENCY_RANGE_MHZ: tuple[float, float] = (150.0, 7125.0)
#: The longest distance predicted (ITU-R SM.2028's limit for Extended Hata).
MAX_RANGE_M: float = 100_000.0
#: Each model's frequency band (MHz, upper bound included) and validity ranges:
#: base height (m), mobile height (m), distance (m).
VALIDITY: dict[str, dict[str, tuple[float, float]]] = {
    "okumura-hata": {"mhz": (150.0, 1500.0), "hb": (30, 200), "hm": (1, 10), "d": (1e3, 20e3)},
    "cost231-hata": {"mhz": (1500.0, 2000.0), "hb": (30, 200), "hm": (1, 10), "d": (1e3, 20e3)},
    "extended-hata": {"mhz": (2000.0, 3000.0), "hb": (30, 200), "hm": (1, 10), "d": (1e3, 20e3)},
    "tr38901": {"mhz": (3000.0, 7125.0), "hb": (10, 150), "hm": (1, 10), "d": (10.0, 5e3)},
}
_SPEED_OF_LIGHT = 299_792_458.0
# TR 38.901 RMa defaults: average building height and street width (m)
_RMA_BUILDING_M = 5.0
_RMA_STREET_M = 20.0


def select_model(frequency_mhz: float) -> str:
    """The path-loss model used at a frequency (a key of :data:`VALIDITY`).

    Raises
    ------
    ValueError
        The frequency is outside :data:`FREQUENCY_RANGE_MHZ`.

    Examples
    --------
    >>> select_model(900), select_model(1800), select_model(2600), select_model(3500)
    ('okumura-hata', 'cost231-hata', 'extended-hata', 'tr38901')
    """
    f = float(frequency_mhz)
    lo, hi = FREQUENCY_RANGE_MHZ
    if not lo <= f <= hi:
        raise ValueError(f"{f:g} MHz is outside every path-loss model ({lo:g}-{hi:g} MHz)")
    return next(name for name, v in VALIDITY.items() if f <= v["mhz"][1])


def compute_free_space_loss(
    distance_m: ArrayLike, *, frequency_mhz: ArrayLike, height_difference_m: ArrayLike = 0.0
) -> FloatArray:
    """Free-space loss in dB over the slant distance, as ITU-R SM.2028 writes it:
    32.4 + 20 log f + 10 log(d² + Δh²) with f in MHz and distances in km.

    Examples
    --------
    >>> round(float(compute_free_space_loss(1000.0, frequency_mhz=900.0)), 2)
    91.48
    """
    d_km = np.asarray(distance_m, dtype=float) / 1e3
    dh_km = np.asarray(height_difference_m, dtype=float) / 1e3
    return 32.4 + 20.0 * np.log10(frequency_mhz) + 10.0 * np.log10(d_km * d_km + dh_km * dh_km)


def _mobile_correction(log_f: FloatArray, hm: FloatArray) -> FloatArray:
    """a(hm) of the small and medium city, with SM.2028's term above 10 m."""
    return (
        (1.1 * log_f - 0.7) * np.minimum(hm, 10.0)
        - (1.56 * log_f - 0.8)
        + np.maximum(0.0, 20.0 * np.log10(hm / 10.0))
    )


def _hata_urban(d_km: FloatArray, f: FloatArray, hb: FloatArray, hm: FloatArray) -> FloatArray:
    """The medium-city loss of the band of ``f`` (d ≥ 0.1 km), with SM.2028's height and
    long-distance extensions."""
    log_f = np.log10(f)
    intercept = np.where(
        f <= 1500.0,
        69.55 + 26.16 * log_f,  # Hata 1980
        np.where(
            f <= 2000.0,
            46.3 + 33.9 * log_f,  # COST-231, C_m = 0 dB
            46.3 + 33.9 * np.log10(2000.0) + 10.0 * np.log10(f / 2000.0),  # SM.2028
        ),
    )
    h = np.maximum(hb, 30.0)
    log_h = np.log10(h)
    log_d = np.log10(d_km)
    alpha = np.where(
        d_km > 20.0,
        1.0 + (0.14 + 1.87e-4 * f + 1.07e-3 * h) * np.maximum(np.log10(d_km / 20.0), 0.0) ** 0.8,
        1.0,
    )
    slope_term = np.where(d_km > 20.0, np.maximum(log_d, 0.0) ** alpha, log_d)
    height_loss = -np.minimum(0.0, 20.0 * np.log10(hb / 30.0))  # SM.2028 b(hb)
    return (
        intercept
        - 13.82 * log_h
        + (44.9 - 6.55 * log_h) * slope_term
        - _mobile_correction(log_f, hm)
        + height_loss
    )


def _environment_correction(f: FloatArray, environment: str) -> FloatArray | float:
    """Hata's suburban and open-area corrections (dB to add), f limited to 150-2000 MHz."""
    fc = np.clip(f, 150.0, 2000.0)
    if environment == "suburban":
        return -2.0 * np.log10(fc / 28.0) ** 2 - 5.4
    if environment == "rural":
        log_fc = np.log10(fc)
        return -4.78 * log_fc**2 + 18.33 * log_fc - 40.94
    return 0.0


def compute_hata_loss(
    distance_m: ArrayLike,
    *,
    frequency_mhz: ArrayLike,
    base_height_m: ArrayLike,
    mobile_height_m: ArrayLike = 1.5,
    environment: str = "rural",
) -> FloatArray:
    """Okumura-Hata (150-1500 MHz), COST-231 Hata (1500-2000 MHz) or Extended Hata
    (2000-3000 MHz) median loss in dB, with ITU-R SM.2028's extensions outside the original
    distances and heights (see the module docstring). Arguments broadcast together.

    Examples
    --------
    Hata 1980, 900 MHz, hb 30 m, hm 1.5 m, open area, 6 km:

    >>> round(float(compute_hata_loss(6000.0, frequency_mhz=900, base_height_m=30)), 1)
    125.3
    """
    d_km, f, hb, hm = np.broadcast_arrays(
        np.asarray(distance_m, dtype=float) / 1e3,
        np.asarray(frequency_mhz, dtype=float),
        np.asarray(base_height_m, dtype=float),
        np.asarray(mobile_height_m, dtype=float),
    )
    correction = _environment_correction(f, environment)
    loss = _hata_urban(np.maximum(d_km, 0.1), f, hb, hm) + correction
    free_space = compute_free_space_loss(d_km * 1e3, frequency_mhz=f, height_difference_m=hb - hm)
    short = d_km < 0.1
    if short.any():  # SM.2028: free space to 40 m, log-distance interpolation to 100 m
        at_40 = compute_free_space_loss(40.0, frequency_mhz=f, height_difference_m=hb - hm)
        at_100 = _hata_urban(np.full_like(d_km, 0.1), f, hb, hm) + correction
        t = (np.log10(np.maximum(d_km, 0.04)) - np.log10(0.04)) / (np.log10(0.1) - np.log10(0.04))
        loss = np.where(
            short, np.where(d_km <= 0.04, free_space, at_40 + t * (at_100 - at_40)), loss
        )
    return np.maximum(loss, free_space)


def _rma_los(d2: FloatArray, d3: FloatArray, fc: FloatArray, hb: FloatArray, hm: FloatArray):
    """TR 38.901 RMa LOS (dB) and the breakpoint distance; fc in GHz, distances in m."""
    h = _RMA_BUILDING_M

    def pl1(d: FloatArray) -> FloatArray:
        return (
            20.0 * np.log10(40.0 * np.pi * d * fc / 3.0)
            + min(0.03 * h**1.72, 10.0) * np.log10(d)
            - min(0.044 * h**1.72, 14.77)
            + 0.002 * np.log10(h) * d
        )

    breakpoint_m = 2.0 * np.pi * hb * hm * fc * 1e9 / _SPEED_OF_LIGHT
    return np.where(
        d2 <= breakpoint_m, pl1(d3), pl1(breakpoint_m) + 40.0 * np.log10(d3 / breakpoint_m)
    )


def _rma_nlos(d2: FloatArray, d3: FloatArray, fc: FloatArray, hb: FloatArray, hm: FloatArray):
    h, w = _RMA_BUILDING_M, _RMA_STREET_M
    nlos = (
        161.04
        - 7.1 * np.log10(w)
        + 7.5 * np.log10(h)
        - (24.37 - 3.7 * (h / hb) ** 2) * np.log10(hb)
        + (43.42 - 3.1 * np.log10(hb)) * (np.log10(d3) - 3.0)
        + 20.0 * np.log10(fc)
        - (3.2 * np.log10(11.75 * hm) ** 2 - 4.97)
    )
    return np.maximum(_rma_los(d2, d3, fc, hb, hm), nlos)


def _uma_nlos(d2: FloatArray, d3: FloatArray, fc: FloatArray, hb: FloatArray, hm: FloatArray):
    breakpoint_m = 4.0 * (hb - 1.0) * (hm - 1.0) * fc * 1e9 / _SPEED_OF_LIGHT  # h_E = 1 m
    los = np.where(
        d2 <= breakpoint_m,
        28.0 + 22.0 * np.log10(d3) + 20.0 * np.log10(fc),
        28.0
        + 40.0 * np.log10(d3)
        + 20.0 * np.log10(fc)
        - 9.0 * np.log10(breakpoint_m**2 + (hb - hm) ** 2),
    )
    nlos = 13.54 + 39.08 * np.log10(d3) + 20.0 * np.log10(fc) - 0.6 * (hm - 1.5)
    return np.maximum(los, nlos)


def compute_tr38901_loss(
    distance_m: ArrayLike,
    *,
    frequency_mhz: ArrayLike,
    base_height_m: ArrayLike,
    mobile_height_m: ArrayLike = 1.5,
    environment: str = "rural",
) -> FloatArray:
    """3GPP TR 38.901 (table 7.4.1-1) loss in dB: RMa LOS for ``rural``, RMa NLOS for
    ``suburban`` (both with the default 5 m buildings and 20 m streets), UMa NLOS for
    ``urban``. Distances below 10 m are taken as 10 m; the breakpoint term PL1(d_BP) is
    evaluated at d_BP.

    Examples
    --------
    >>> round(float(compute_tr38901_loss(1000.0, frequency_mhz=3500, base_height_m=35,
    ...                                  environment="suburban")), 2)
    130.42
    """
    d2, f, hb, hm = np.broadcast_arrays(
        np.maximum(np.asarray(distance_m, dtype=float), 10.0),
        np.asarray(frequency_mhz, dtype=float),
        np.asarray(base_height_m, dtype=float),
        np.asarray(mobile_height_m, dtype=float),
    )
    d3 = np.sqrt(d2 * d2 + (hb - hm) ** 2)
    fc = f / 1e3
    curve = {"rural": _rma_los, "suburban": _rma_nlos, "urban": _uma_nlos}[environment]
    loss = curve(d2, d3, fc, hb, hm)
    free_space = compute_free_space_loss(d2, frequency_mhz=f, height_difference_m=hb - hm)
    return np.maximum(loss, free_space)


def compute_path_loss(
    distance_m: ArrayLike,
    *,
    frequency_mhz: ArrayLike,
    base_height_m: ArrayLike,
    mobile_height_m: ArrayLike = 1.5,
    environment: str = "rural",
) -> FloatArray:
    """Median path loss (dB) with the model of each frequency's band (module docstring).

    Raises
    ------
    ValueError
        A frequency outside :data:`FREQUENCY_RANGE_MHZ`, or an unknown environment.

    Examples
    --------
    >>> compute_path_loss([1000, 6000], frequency_mhz=900, base_height_m=30).round(1).tolist()
    [97.9, 125.3]
    """
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}; use one of {ENVIRONMENTS}")
    f = np.asarray(frequency_mhz, dtype=float)
    lo, hi = FREQUENCY_RANGE_MHZ
    if not np.all((f >= lo) & (f <= hi)):
        raise ValueError(f"frequencies must be within {lo:g}-{hi:g} MHz")
    args = {"base_height_m": base_height_m, "mobile_height_m": mobile_height_m}
    high = f > VALIDITY["extended-hata"]["mhz"][1]
    if not high.any():
        return compute_hata_loss(distance_m, frequency_mhz=f, environment=environment, **args)
    if high.all():
        return compute_tr38901_loss(distance_m, frequency_mhz=f, environment=environment, **args)
    hata = compute_hata_loss(
        distance_m, frequency_mhz=np.where(high, 900.0, f), environment=environment, **args
    )
    tr = compute_tr38901_loss(
        distance_m, frequency_mhz=np.where(high, f, 3500.0), environment=environment, **args
    )
    return np.where(high, tr, hata)


def describe_validity(
    *,
    frequency_mhz: Sequence[float] | np.ndarray,
    base_height_m: Sequence[float] | np.ndarray,
    reach_m: Sequence[float] | np.ndarray,
    mobile_height_m: float,
    environment: str = "rural",
) -> list[str]:
    """Plain sentences on what the sites put outside their models' validity (besides
    distances under 1 km, handled by SM.2028's short-range rule); empty when nothing.

    Examples
    --------
    >>> describe_validity(frequency_mhz=[900, 900], base_height_m=[20, 40],
    ...                   reach_m=[8000, 25000], mobile_height_m=1.5)  # doctest: +NORMALIZE_WHITESPACE
    ['1 site(s) with antennas below 30 m, outside Okumura-Hata: ITU-R SM.2028 low-antenna
      correction used', '1 site(s) reaching beyond 20 km: ITU-R SM.2028 long-distance exponent
      used']
    """
    f = np.asarray(frequency_mhz, dtype=float)
    hb = np.asarray(base_height_m, dtype=float)
    reach = np.asarray(reach_m, dtype=float)
    notes: list[str] = []
    labels = {
        "okumura-hata": "Okumura-Hata",
        "cost231-hata": "COST-231 Hata",
        "extended-hata": "Extended Hata",
        "tr38901": "3GPP TR 38.901",
    }
    for name, v in VALIDITY.items():
        lo_f = v["mhz"][0] if name == "okumura-hata" else np.nextafter(v["mhz"][0], np.inf)
        sel = (f >= lo_f) & (f <= v["mhz"][1])
        if not sel.any():
            continue
        label = labels[name]
        (h_lo, h_hi), (m_lo, m_hi), d_hi = v["hb"], v["hm"], v["d"][1]
        if name == "tr38901" and environment == "rural":
            d_hi = 10e3  # RMa LOS holds to 10 km
        low, high, far = (
            (sel & (hb < h_lo)).sum(),
            (sel & (hb > h_hi)).sum(),
            (sel & (reach > d_hi)).sum(),
        )
        if name != "tr38901":
            if low:
                notes.append(
                    f"{low} site(s) with antennas below {h_lo:g} m, outside {label}: ITU-R SM.2028 low-antenna correction used"
                )
            if far:
                notes.append(
                    f"{far} site(s) reaching beyond {d_hi / 1e3:g} km: ITU-R SM.2028 long-distance exponent used"
                )
        else:
            if low:
                notes.append(
                    f"{low} site(s) with antennas below {h_lo:g} m, outside {label}: its formulas extrapolated"
                )
            if far:
                notes.append(
                    f"{far} site(s) reaching beyond {d_hi / 1e3:g} km, outside {label} NLOS: its formulas extrapolated"
                )
        if high:
            notes.append(
                f"{high} site(s) with antennas above {h_hi:g} m, outside {label}: its formulas extrapolated"
            )
        if not m_lo <= mobile_height_m <= m_hi:
            notes.append(
                f"receiver height {mobile_height_m:g} m is outside {label}'s {m_lo:g}-{m_hi:g} m: extrapolated"
            )
    capped = (reach >= MAX_RANGE_M).sum()
    if capped:
        notes.append(
            f"{capped} site(s) would reach beyond {MAX_RANGE_M / 1e3:g} km: prediction stops there"
        )
    return list(dict.fromkeys(notes))

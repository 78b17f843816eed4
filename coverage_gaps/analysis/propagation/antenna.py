"""Horizontal antenna pattern of a sector antenna.

3GPP TR 36.814 V9.0.0, table A.2.1.1-2: A(φ) = −min(12 (φ / φ3dB)², Am) dB with φ the
angle from the antenna's azimuth, φ3dB the half-power beamwidth and Am = 25 dB the
front-to-back ratio (TR 38.901 uses 30 dB). A site without azimuth is omnidirectional.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_BEAMWIDTH_DEG", "FRONT_TO_BACK_DB", "compute_sector_attenuation"]

#: Maximum attenuation behind the antenna (dB), TR 36.814.
FRONT_TO_BACK_DB = 25.0
#: Half-power beamwidth assumed for a sector given without one (the usual macro panel).
DEFAULT_BEAMWIDTH_DEG = 65.0


def compute_sector_attenuation(
    bearing_deg: npt.ArrayLike,
    *,
    azimuth_deg: float,
    beamwidth_deg: float = DEFAULT_BEAMWIDTH_DEG,
    front_to_back_db: float = FRONT_TO_BACK_DB,
) -> npt.NDArray[np.floating]:
    """Attenuation in dB (≥ 0) toward compass bearings (degrees clockwise from north) of an
    antenna pointed at ``azimuth_deg``; zero everywhere when the azimuth is NaN (omni).

    Examples
    --------
    >>> compute_sector_attenuation([90, 122.5, 180, 270], azimuth_deg=90).astype(float).round(2).tolist()
    [0.0, 3.0, 23.01, 25.0]
    >>> compute_sector_attenuation([0, 180], azimuth_deg=float("nan")).tolist()
    [0.0, 0.0]
    """
    bearing = np.asarray(bearing_deg, dtype=np.float32)
    if not np.isfinite(azimuth_deg):
        return np.zeros_like(bearing)
    phi = (bearing - np.float32(azimuth_deg) + np.float32(180.0)) % np.float32(360.0) - np.float32(
        180.0
    )
    ratio = phi / np.float32(beamwidth_deg)
    return np.minimum(np.float32(12.0) * ratio * ratio, np.float32(front_to_back_db))

"""VN-2000, Vietnam's national datum: CRS names, provincial zones, datum checks, faults.

VN-2000 (EPSG:4756) sits on the WGS 84 ellipsoid but is shifted from WGS 84 by a
7-parameter Helmert transformation (QĐ 05/2007/QĐ-BTNMT; EPSG:6960 "VN-2000 to
WGS 84 (2)"): about 220 m in the north. Maps are drawn in

- VN-2000 / UTM zone 48N and 49N (EPSG:3405, 3406), 6° zones, k0 = 0.9996;
- VN-2000 / TM-3 provincial zones (EPSG:9205-9218, 5896-5899), 3° zones with
  k0 = 0.9999 and false easting 500 000 m, on the province's *central meridian*.

This module

- resolves names such as ``VN-2000 TM-3 Thái Nguyên``, ``VN-2000 TM-3 106-30``
  or ``VN-2000 / UTM 48N`` to EPSG CRSs (:func:`resolve_crs`), from the table of
  each province's central meridian (:data:`PROVINCE_MERIDIANS_2025` from TT
  24/2025/TT-BNNMT; :data:`PROVINCE_MERIDIANS_PRE2025` from TT 973/2001/TT-TCĐC);
- checks that the transformation PROJ uses for a CRS includes the datum shift
  (:func:`check_datum`), and gives a CRS that keeps the shift when written to
  formats without EPSG codes such as MapInfo (:func:`export_crs`);
- finds the usual coordinate faults (:func:`find_coordinate_faults`): a
  ``.prj`` saying WGS 84 over VN-2000 metres, X and Y swapped (Vietnamese
  surveying writes X for the northing), degrees given as easting/northing,
  points outside Vietnam.

Examples
--------
>>> resolve_crs("VN-2000 TM-3 Thái Nguyên").to_epsg()
9213
>>> resolve_crs("vn2000 tm3 107-45").to_epsg(), resolve_crs("VN-2000 UTM 49N").to_epsg()
(5899, 3406)
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.crs import ProjectedCRS
from pyproj.exceptions import CRSError, ProjError

from .._errors import Problem
from .names import match_names, name_keys

__all__ = [
    "PROVINCE_MERIDIANS_2025",
    "PROVINCE_MERIDIANS_PRE2025",
    "TM3_EPSG",
    "TOWGS84_POSITION_VECTOR",
    "VIETNAM_BOXES",
    "VN2000",
    "VN2000_UTM",
    "CoordinateFault",
    "DatumCheck",
    "check_datum",
    "check_layer",
    "coordinate_problems",
    "datum_problem",
    "export_crs",
    "find_coordinate_faults",
    "in_vietnam",
    "province_meridian",
    "resolve_crs",
    "tm3_crs",
]

#: VN-2000 geographic (latitude/longitude).
VN2000 = "EPSG:4756"
#: VN-2000 / UTM zones.
VN2000_UTM: dict[int, int] = {48: 3405, 49: 3406}
#: The datum shift, as PROJ ``+towgs84`` (position-vector rotations; the signs of
#: QĐ 05/2007 rotations flipped, as EPSG:6960 uses the coordinate-frame
#: convention): ΔX ΔY ΔZ (m), rX rY rZ (″), scale (ppm).
TOWGS84_POSITION_VECTOR = (
    -191.90441429,
    -39.30318279,
    -111.45032835,
    0.00928836,
    -0.01975479,
    0.00427372,
    0.252906278,
)

#: EPSG code of the VN-2000 / TM-3 CRS for each central meridian (degrees).
#: 9205-9218 are named "VN-2000 / TM-3 <ddd-mm>"; 5896-5899 "zone 481/482/491"
#: and "107-45"; all k0 = 0.9999, false easting 500 000 m.
TM3_EPSG: dict[float, int] = {
    102.0: 5896,
    103.0: 9205,
    104.0: 9206,
    104.5: 9207,
    104.75: 9208,
    105.0: 5897,
    105.5: 9209,
    105.75: 9210,
    106.0: 9211,
    106.25: 9212,
    106.5: 9213,
    107.0: 9214,
    107.25: 9215,
    107.5: 9216,
    107.75: 5899,
    108.0: 5898,
    108.25: 9217,
    108.5: 9218,
}

#: The 34 provinces since 1 July 2025: code -> (name, central meridian).
#: Source: TT 24/2025/TT-BNNMT (20/06/2025), annex of the provinces' central
#: meridians, as transcribed by two repository tables that agree (the annex
#: itself not read; see docs/VIETNAM.md). Doubtful: Tây Ninh (a third table:
#: 105°30′) and Quảng Trị (a third table: 106°15′).
PROVINCE_MERIDIANS_2025: dict[str, tuple[str, float]] = {
    "01": ("Thành phố Hà Nội", 105.0),
    "04": ("Cao Bằng", 105.75),
    "08": ("Tuyên Quang", 106.0),
    "11": ("Điện Biên", 103.0),
    "12": ("Lai Châu", 104.75),
    "14": ("Sơn La", 104.0),
    "15": ("Lào Cai", 104.75),
    "19": ("Thái Nguyên", 106.5),
    "20": ("Lạng Sơn", 107.25),
    "22": ("Quảng Ninh", 107.75),
    "24": ("Bắc Ninh", 107.0),
    "25": ("Phú Thọ", 104.75),
    "31": ("Thành phố Hải Phòng", 105.75),
    "33": ("Hưng Yên", 105.5),
    "37": ("Ninh Bình", 105.0),
    "38": ("Thanh Hóa", 105.0),
    "40": ("Nghệ An", 104.75),
    "42": ("Hà Tĩnh", 105.5),
    "44": ("Quảng Trị", 106.0),
    "46": ("Thành phố Huế", 107.0),
    "48": ("Thành phố Đà Nẵng", 107.75),
    "51": ("Quảng Ngãi", 108.0),
    "52": ("Gia Lai", 108.25),
    "56": ("Khánh Hòa", 108.25),
    "66": ("Đắk Lắk", 108.5),
    "68": ("Lâm Đồng", 107.75),
    "75": ("Đồng Nai", 107.75),
    "79": ("Thành phố Hồ Chí Minh", 105.75),
    "80": ("Tây Ninh", 105.75),
    "82": ("Đồng Tháp", 105.0),
    "86": ("Vĩnh Long", 105.5),
    "91": ("An Giang", 104.75),
    "92": ("Thành phố Cần Thơ", 105.0),
    "96": ("Cà Mau", 104.5),
}

#: The 63 provinces before 1 July 2025: code -> (name, central meridian).
#: Source: TT 973/2001/TT-TCĐC (Điện Biên, Đắk Nông and Hậu Giang inherit their
#: parents' meridian), via rtk.com.vn, viet-thanh.vn and a repository table.
#: Legacy cadastral data keep these meridians.
PROVINCE_MERIDIANS_PRE2025: dict[str, tuple[str, float]] = {
    "01": ("Thành phố Hà Nội", 105.0),
    "02": ("Hà Giang", 105.5),
    "04": ("Cao Bằng", 105.75),
    "06": ("Bắc Kạn", 106.5),
    "08": ("Tuyên Quang", 106.0),
    "10": ("Lào Cai", 104.75),
    "11": ("Điện Biên", 103.0),
    "12": ("Lai Châu", 103.0),
    "14": ("Sơn La", 104.0),
    "15": ("Yên Bái", 104.75),
    "17": ("Hòa Bình", 106.0),
    "19": ("Thái Nguyên", 106.5),
    "20": ("Lạng Sơn", 107.25),
    "22": ("Quảng Ninh", 107.75),
    "24": ("Bắc Giang", 107.0),
    "25": ("Phú Thọ", 104.75),
    "26": ("Vĩnh Phúc", 105.0),
    "27": ("Bắc Ninh", 105.5),
    "30": ("Hải Dương", 105.5),
    "31": ("Thành phố Hải Phòng", 105.75),
    "33": ("Hưng Yên", 105.5),
    "34": ("Thái Bình", 105.5),
    "35": ("Hà Nam", 105.0),
    "36": ("Nam Định", 105.5),
    "37": ("Ninh Bình", 105.0),
    "38": ("Thanh Hóa", 105.0),
    "40": ("Nghệ An", 104.75),
    "42": ("Hà Tĩnh", 105.5),
    "44": ("Quảng Bình", 106.0),
    "45": ("Quảng Trị", 106.25),
    "46": ("Thừa Thiên Huế", 107.0),
    "48": ("Thành phố Đà Nẵng", 107.75),
    "49": ("Quảng Nam", 107.75),
    "51": ("Quảng Ngãi", 108.0),
    "52": ("Bình Định", 108.25),
    "54": ("Phú Yên", 108.5),
    "56": ("Khánh Hòa", 108.25),
    "58": ("Ninh Thuận", 108.25),
    "60": ("Bình Thuận", 108.5),
    "62": ("Kon Tum", 107.5),
    "64": ("Gia Lai", 108.5),
    "66": ("Đắk Lắk", 108.5),
    "67": ("Đắk Nông", 108.5),
    "68": ("Lâm Đồng", 107.75),
    "70": ("Bình Phước", 106.25),
    "72": ("Tây Ninh", 105.5),
    "74": ("Bình Dương", 105.75),
    "75": ("Đồng Nai", 107.75),
    "77": ("Bà Rịa - Vũng Tàu", 107.75),
    "79": ("Thành phố Hồ Chí Minh", 105.75),
    "80": ("Long An", 105.75),
    "82": ("Tiền Giang", 105.75),
    "83": ("Bến Tre", 105.75),
    "84": ("Trà Vinh", 105.5),
    "86": ("Vĩnh Long", 105.5),
    "87": ("Đồng Tháp", 105.0),
    "89": ("An Giang", 104.75),
    "91": ("Kiên Giang", 104.5),
    "92": ("Thành phố Cần Thơ", 105.0),
    "93": ("Hậu Giang", 105.0),
    "94": ("Sóc Trăng", 105.5),
    "95": ("Bạc Liêu", 105.0),
    "96": ("Cà Mau", 104.5),
}

#: Vietnam's extent as lon/lat boxes (west, south, east, north), 0.2° margin:
#: the mainland with its near islands, Hoàng Sa (Paracels), Trường Sa (Spratlys). The last box
#: is the bounds of "Đặc khu Trường Sa" (code 22736) in the 2025 boundaries, whose polygon
#: reaches west to 109.47°E (checked in tests/test_vn2000.py against every 2025 commune).
VIETNAM_BOXES: tuple[tuple[float, float, float, float], ...] = (
    (101.9, 8.2, 110.0, 23.6),
    (110.8, 15.5, 113.2, 17.3),
    (109.27, 6.98, 118.03, 11.74),
)

_PRE2025_SUFFIX = re.compile(
    r"\(?\s*(pre[-\s]?2025|truoc\s*2025|trước\s*2025|cũ|cu|old)\s*\)?\s*$", re.I
)
_VN2000_RE = re.compile(r"^\s*vn[-_\s]?2000\s*(?:/\s*)?(?P<rest>.*)$", re.I)
_TM3_RE = re.compile(r"^tm[-_\s]?3\s*(?:zone\s*)?(?P<zone>.+)$", re.I)
_UTM_RE = re.compile(r"^utm\s*(?:zone\s*)?(?P<zone>4[89])\s*n?$", re.I)
_MERIDIAN_RE = re.compile(
    r"^(?P<deg>10[2-9])(?:(?:[-\s°º:]+|\s*°\s*)(?P<min>[0-5]?\d)\s*['′]?|\.(?P<frac>\d+))?\s*$"
)


# --------------------------------------------------------------------------- names


def province_meridian(province: str, *, era: str = "2025") -> tuple[str, float]:
    """The central meridian of a province's VN-2000 / TM-3 zone.

    Parameters
    ----------
    province
        Province name (any spelling :func:`coverage_gaps.names.name_key`
        understands: ``Thái Nguyên``, ``tinh thai nguyen``, ``TP. Hồ Chí Minh``)
        or its 2-digit code.
    era
        ``"2025"``: the 34 provinces since 1 July 2025 (TT 24/2025), falling
        back to the old list for names that no longer exist (``Bắc Kạn``);
        ``"pre-2025"``: the 63 old provinces (TT 973/2001).

    Returns
    -------
    tuple
        The province's name as in the table, and the meridian in degrees.

    Raises
    ------
    ValueError
        Unknown or ambiguous province, naming the closest ones.

    Examples
    --------
    >>> province_meridian("tinh thai nguyen")
    ('Thái Nguyên', 106.5)
    >>> province_meridian("Lai Châu"), province_meridian("Lai Châu", era="pre-2025")
    (('Lai Châu', 104.75), ('Lai Châu', 103.0))
    """
    if era not in ("2025", "pre-2025"):
        raise ValueError(f"era must be '2025' or 'pre-2025', not {era!r}")
    tables = (
        [PROVINCE_MERIDIANS_2025, PROVINCE_MERIDIANS_PRE2025]
        if era == "2025"
        else [PROVINCE_MERIDIANS_PRE2025]
    )
    text = str(province).strip()
    for table in tables:
        if text.zfill(2) in table and text.isdigit():
            return table[text.zfill(2)]
        names = [name for name, _ in table.values()]
        m = match_names([text], names)
        if m.index[0] >= 0:
            return list(table.values())[int(m.index[0])]

    every = [n for t in tables for n, _ in t.values()]
    keys = list(name_keys(every))
    close = difflib.get_close_matches(str(name_keys([text])[0]), keys, n=3, cutoff=0.6)
    hint = (
        f"did you mean {', '.join(every[keys.index(c)] for c in close)}?"
        if close
        else "give the meridian instead, e.g. 'VN-2000 TM-3 106-30'."
    )
    raise ValueError(f"unknown province '{province}' for a VN-2000 / TM-3 zone; {hint}")


def tm3_crs(province_or_meridian: str | float, *, era: str = "2025") -> CRS:
    """The VN-2000 / TM-3 CRS of a province, or of a central meridian in degrees.

    Examples
    --------
    >>> tm3_crs("Thái Nguyên").name, tm3_crs(105.0).to_epsg()
    ('VN-2000 / TM-3 106-30', 5897)
    """
    if isinstance(province_or_meridian, (int, float)):
        meridian = float(province_or_meridian)
    else:
        meridian = province_meridian(province_or_meridian, era=era)[1]
    if meridian not in TM3_EPSG:
        raise ValueError(
            f"no VN-2000 / TM-3 zone has the central meridian {meridian}°; "
            f"known: {', '.join(_meridian_text(m) for m in TM3_EPSG)}"
        )
    return CRS.from_epsg(TM3_EPSG[meridian])


def _meridian_text(meridian: float) -> str:
    deg = int(meridian)
    return f"{deg}-{round((meridian - deg) * 60):02d}"


def resolve_crs(value: str | int | CRS) -> CRS:
    """A CRS from an EPSG code, any PROJ string, or a VN-2000 name.

    VN-2000 names (case, spaces, ``-`` and ``/`` are free): ``VN-2000`` (EPSG:4756),
    ``VN-2000 UTM 48N`` / ``49N``, ``VN-2000 TM-3 <zone>`` where ``<zone>`` is a
    meridian (``106-30``, ``106°30'``, ``106.5``), a province of 2025 (``Thái
    Nguyên``) or a former province with ``(pre-2025)`` (``Lai Châu (pre-2025)``,
    meridian 103°), or a 2-digit province code.

    Raises
    ------
    ValueError
        Neither a VN-2000 name nor a CRS PROJ knows; the message says why.

    Examples
    --------
    >>> resolve_crs("VN-2000 / TM-3 Lai Châu (pre-2025)").to_epsg()
    9205
    >>> resolve_crs(32648).name
    'WGS 84 / UTM zone 48N'
    """
    if isinstance(value, CRS):
        return value
    text = str(value).strip()
    m = _VN2000_RE.match(text)
    if m and not text.lower().startswith("vn-2000 to"):
        return _resolve_vn2000_name(text, m.group("rest").strip())
    try:
        return CRS.from_user_input(value)
    except CRSError:
        raise ValueError(
            f"'{text}' is not a coordinate reference system PROJ knows; use an EPSG code "
            "such as EPSG:4326, or a VN-2000 name such as 'VN-2000 TM-3 Thái Nguyên'"
        ) from None


def _resolve_vn2000_name(text: str, rest: str) -> CRS:
    """The CRS of a name starting with ``VN-2000``; ``rest`` is what follows that word."""
    if not rest:
        return CRS.from_user_input(VN2000)
    utm = _UTM_RE.match(rest)
    if utm:
        return CRS.from_epsg(VN2000_UTM[int(utm.group("zone"))])
    tm3 = _TM3_RE.match(rest)
    if tm3:
        return _tm3_zone_crs(tm3.group("zone").strip())
    try:  # e.g. "VN-2000 / TM-3 zone 481" is also an EPSG name PROJ knows
        return CRS.from_user_input(text)
    except CRSError:
        raise ValueError(
            f"'{text}' is not a VN-2000 CRS name; write e.g. 'VN-2000 TM-3 Thái Nguyên', "
            "'VN-2000 TM-3 106-30', 'VN-2000 UTM 48N' or an EPSG code"
        ) from None


def _tm3_zone_crs(zone: str) -> CRS:
    """The VN-2000 / TM-3 CRS of a zone written as a meridian (``106-30``, ``106°30'``,
    ``106.5``), a province, or a former province with ``(pre-2025)``."""
    mer = _MERIDIAN_RE.match(zone)
    if mer:
        deg = float(mer.group("deg"))
        if mer.group("frac"):
            meridian = float(f"{mer.group('deg')}.{mer.group('frac')}")
        else:
            meridian = deg + float(mer.group("min") or 0) / 60.0
        return tm3_crs(meridian)
    era = "2025"
    if _PRE2025_SUFFIX.search(zone):
        era, zone = "pre-2025", _PRE2025_SUFFIX.sub("", zone).strip()
    return tm3_crs(zone, era=era)


# --------------------------------------------------------------------------- datum


def _conversion_params(crs: CRS) -> tuple[str, dict[str, float]] | None:
    """Projection method and parameters of a projected CRS (bound or not), else None."""
    base = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    if not base.is_projected or base.coordinate_operation is None:
        return None
    op = base.coordinate_operation
    return op.method_name, {p.name: float(p.value) for p in op.params}


def _vn2000_like(crs: CRS) -> int | None:
    """EPSG code of the VN-2000 CRS whose projection ``crs`` has, or None."""
    conv = _conversion_params(crs)
    if conv is None:
        return 4756 if crs.is_geographic else None
    method, p = conv
    if method != "Transverse Mercator":
        return None
    lon0 = p.get("Longitude of natural origin", np.nan)
    k = p.get("Scale factor at natural origin", np.nan)
    fe = p.get("False easting", np.nan)
    fn = p.get("False northing", np.nan)
    lat0 = p.get("Latitude of natural origin", np.nan)
    if fe != 500000.0 or fn != 0.0 or lat0 != 0.0:
        return None
    if abs(k - 0.9999) < 1e-9 and lon0 in TM3_EPSG:
        return TM3_EPSG[lon0]
    if abs(k - 0.9996) < 1e-9 and lon0 in (105.0, 111.0):
        return VN2000_UTM[48 if lon0 == 105.0 else 49]
    return None


def _on_vn2000_datum(crs: CRS) -> bool:
    names = {crs.datum.name if crs.datum else ""}
    if crs.is_bound and crs.source_crs is not None and crs.source_crs.datum is not None:
        names.add(crs.source_crs.datum.name)
    return any(re.search(r"(vietnam|vn)[ _-]?2000", n, re.I) for n in names)


@dataclass(frozen=True)
class DatumCheck:
    """How PROJ moves coordinates of a CRS to WGS 84, near a point in Vietnam.

    Attributes
    ----------
    crs_name
        Name of the CRS checked.
    operation
        The operation PROJ uses to WGS 84 (its description).
    shift_m
        Metres between PROJ's result and the same coordinates read with no datum
        shift: about 220 in the north for VN-2000, 0 for WGS 84.
    vn2000_shift_m
        Metres the VN-2000 datum shift (EPSG:6960) would move the same point.
    error_m
        For a VN-2000 CRS: metres between PROJ's result and EPSG:6960's
        (None for other CRSs).
    problem
        A plain-words fault, or None: ``"no-shift"`` (a VN-2000 CRS read without
        the datum shift), ``"wgs84-tm3"`` (VN-2000 / TM-3 or UTM parameters on the
        WGS 84 datum, as MapInfo writes them: maybe VN-2000 data with the shift
        lost), ``"wrong-shift"`` (a shift that differs from EPSG:6960 by more than 0.5 m).
    suggested
        EPSG code of the VN-2000 CRS with the same projection, when there is one.
    """

    crs_name: str
    operation: str
    shift_m: float
    vn2000_shift_m: float
    error_m: float | None = None
    problem: str | None = None
    suggested: int | None = None

    @property
    def includes_datum_shift(self) -> bool:
        """The operation moves points by (roughly) the VN-2000 datum shift."""
        return self.shift_m > 0.5 * self.vn2000_shift_m


_GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=64)
def _check_datum_cached(wkt: str, lon: float, lat: float) -> DatumCheck:
    crs = CRS.from_wkt(wkt)
    like = _vn2000_like(crs)
    if crs.is_geographic:
        vn_version, null_version = CRS.from_epsg(4756), CRS.from_epsg(4326)
    else:
        base = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
        conv = base.coordinate_operation
        vn_version = ProjectedCRS(conversion=conv, geodetic_crs=CRS.from_epsg(4756))
        null_version = ProjectedCRS(conversion=conv, geodetic_crs=CRS.from_epsg(4326))
    # coordinates of the point as VN-2000 data, then read back three ways
    x, y = Transformer.from_crs(4326, vn_version, always_xy=True).transform(lon, lat)
    actual_t = Transformer.from_crs(crs, 4326, always_xy=True)
    a_lon, a_lat = actual_t.transform(x, y)
    try:  # several candidate operations: the one PROJ picked for this point
        operation = actual_t.get_last_used_operation().description
    except (ProjError, AttributeError):
        operation = actual_t.description
    n_lon, n_lat = Transformer.from_crs(null_version, 4326, always_xy=True).transform(x, y)
    v_lon, v_lat = Transformer.from_crs(vn_version, 4326, always_xy=True).transform(x, y)
    shift = float(_GEOD.inv(a_lon, a_lat, n_lon, n_lat)[2])
    vn_shift = float(_GEOD.inv(v_lon, v_lat, n_lon, n_lat)[2])
    on_vn = _on_vn2000_datum(crs)
    error = float(_GEOD.inv(a_lon, a_lat, v_lon, v_lat)[2]) if on_vn or crs.is_bound else None
    ellipsoid_wgs84 = crs.ellipsoid is not None and "WGS 84" in crs.ellipsoid.name
    problem = None
    if on_vn and shift < 0.5 * vn_shift:
        problem = "no-shift"
    elif on_vn and error is not None and error > 0.5:
        problem = "wrong-shift"
    elif crs.is_bound and error is not None and 0.5 < error < 5.0 and like is not None:
        problem = "wrong-shift"  # a TOWGS84 near VN-2000's, e.g. rotation signs flipped
    elif (
        not on_vn
        and not crs.is_bound
        and not crs.is_geographic
        and ellipsoid_wgs84
        and like is not None
        and shift < 0.5
        and (crs.to_epsg() is None)
    ):
        problem = "wgs84-tm3"
    return DatumCheck(
        crs_name=crs.name,
        operation=str(operation),
        shift_m=round(shift, 3),
        vn2000_shift_m=round(vn_shift, 3),
        error_m=None if error is None else round(error, 3),
        problem=problem,
        suggested=like if (problem or on_vn) else None,
    )


def check_datum(
    crs: str | int | CRS, *, lon_lat: tuple[float, float] = (105.85, 21.03)
) -> DatumCheck:
    """Check which datum shift PROJ applies when reading coordinates in ``crs``.

    A point near ``lon_lat`` is written in ``crs`` as VN-2000 data would be and
    read back to WGS 84 three ways: as PROJ does it, with no datum shift, and
    with EPSG:6960. See :class:`DatumCheck` for what is reported.

    Examples
    --------
    >>> c = check_datum("EPSG:9213", lon_lat=(105.8, 21.6))
    >>> c.includes_datum_shift, c.error_m < 0.01, 200 < c.shift_m < 250, c.problem
    (True, True, True, None)
    >>> wgs_tm3 = "+proj=tmerc +lon_0=106.5 +k=0.9999 +x_0=500000 +datum=WGS84 +units=m +type=crs"
    >>> check_datum(wgs_tm3).problem, check_datum(wgs_tm3).suggested
    ('wgs84-tm3', 9213)
    """
    c = resolve_crs(crs)
    return _check_datum_cached(c.to_wkt(), float(lon_lat[0]), float(lon_lat[1]))


def export_crs(crs: str | int | CRS) -> CRS:
    """The CRS to write VN-2000 data with into formats that lose EPSG codes.

    MapInfo TAB/MIF (and some other writers) know no VN-2000 datum and write a
    VN-2000 CRS as plain WGS 84, moving the data by about 220 m when read back.
    This returns the same projection with the datum shift spelt out
    (``+towgs84``), which MapInfo stores as datum 9999 and reads back within
    centimetres. Other CRSs are returned unchanged.

    Examples
    --------
    >>> bound = export_crs("EPSG:9213")
    >>> bound.is_bound, check_datum(bound, lon_lat=(105.8, 21.6)).error_m < 0.01
    (True, True)
    """
    c = resolve_crs(crs)
    if not _on_vn2000_datum(c) or c.is_bound:
        return c
    towgs84 = ",".join(f"{v:.9g}" for v in TOWGS84_POSITION_VECTOR)
    if c.is_geographic:
        return CRS.from_proj4(f"+proj=longlat +ellps=WGS84 +towgs84={towgs84} +no_defs +type=crs")
    conv = _conversion_params(c)
    if conv is None or conv[0] != "Transverse Mercator":
        return c
    p = conv[1]
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0={p['Latitude of natural origin']:.10g} "
        f"+lon_0={p['Longitude of natural origin']:.10g} "
        f"+k={p['Scale factor at natural origin']:.10g} +x_0={p['False easting']:.10g} "
        f"+y_0={p['False northing']:.10g} +ellps=WGS84 +towgs84={towgs84} "
        "+units=m +no_defs +type=crs"
    )


# --------------------------------------------------------------------------- faults


def in_vietnam(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether points (degrees) fall in Vietnam's extent (:data:`VIETNAM_BOXES`).

    Examples
    --------
    >>> in_vietnam(np.array([105.8, 2.0]), np.array([21.6, 48.8])).tolist()
    [True, False]
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape, dtype=bool)
    for w, s, e, n in VIETNAM_BOXES:
        inside |= (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
    return inside


@dataclass(frozen=True)
class CoordinateFault:
    """One kind of coordinate fault found in a layer.

    Attributes
    ----------
    kind
        ``"wrong-crs"`` (metres under a CRS in degrees: a ``.prj`` saying WGS 84
        over VN-2000 easting/northing), ``"swapped-xy"``, ``"degrees"`` (degrees
        under a CRS in metres), ``"outside"`` (not in Vietnam either way).
    rows
        Positions of the affected features or rows.
    share
        ``len(rows)`` / number of points checked.
    what, fix
        Plain-words description and remedy, for a :class:`~coverage_gaps.Problem`.
    suggested
        CRSs (``"EPSG:9213"`` ...) that put the points in Vietnam, best first.
    """

    kind: str
    rows: np.ndarray
    share: float
    what: str
    fix: str
    suggested: tuple[str, ...] = field(default=())


@lru_cache(maxsize=64)
def _transformer_to_wgs84(crs: CRS) -> Transformer:
    return Transformer.from_crs(crs, 4326, always_xy=True)


def _to_lonlat(crs: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _transformer_to_wgs84(crs)
    with np.errstate(all="ignore"):
        lon, lat = t.transform(x, y, errcheck=False)
    lon = np.where(np.isfinite(lon), lon, np.nan)
    lat = np.where(np.isfinite(lat), lat, np.nan)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


@lru_cache(maxsize=16)
def _candidates(province: str | None) -> tuple[CRS, ...]:
    cands: list[CRS] = []
    if province:
        for era in ("2025", "pre-2025"):
            with contextlib.suppress(ValueError):
                cands.append(tm3_crs(province, era=era))
    cands += [CRS.from_epsg(e) for e in (*VN2000_UTM.values(), *TM3_EPSG.values())]
    seen: set[int | None] = set()
    out = []
    for c in cands:
        if c.to_epsg() not in seen:
            seen.add(c.to_epsg())
            out.append(c)
    return tuple(out)


def find_coordinate_faults(
    x: np.ndarray,
    y: np.ndarray,
    crs: str | int | CRS,
    *,
    province: str | None = None,
    crs_source: str = "the file's CRS",
    x_name: str | None = None,
    y_name: str | None = None,
) -> list[CoordinateFault]:
    """Find the usual coordinate faults of Vietnamese data.

    Each point is read in ``crs`` and checked against Vietnam's extent. Points
    outside are tried again with X and Y swapped; in degrees if the CRS is in
    metres; in the VN-2000 projected CRSs (UTM 48N/49N, every TM-3 zone, the
    ``province``'s first) if the CRS is in degrees. Every point keeps the first
    explanation that puts it in Vietnam; the rest are ``outside``.

    Parameters
    ----------
    x, y
        Coordinates as stored (for polygons, e.g. the centres of their boxes).
    crs
        The CRS the data claim.
    province
        A province name or code, to suggest its TM-3 zone first.
    crs_source
        What declared the CRS, for the messages (``"the .prj"``, ``"'crs:' in
        the project file"``).
    x_name, y_name
        The coordinate columns of a table (None for a vector file).

    Returns
    -------
    list of CoordinateFault
        Empty for clean data.

    Examples
    --------
    >>> f = find_coordinate_faults(np.array([2390000.0]), np.array([430000.0]), "EPSG:9213")
    >>> f[0].kind
    'swapped-xy'
    >>> find_coordinate_faults(np.array([105.8]), np.array([21.6]), "EPSG:4326")
    []
    """
    c = resolve_crs(crs)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0:
        return []
    valid = np.isfinite(x) & np.isfinite(y)
    lon, lat = _to_lonlat(c, x, y)
    todo = ~(in_vietnam(lon, lat) | ~valid)  # points still unexplained
    faults: list[CoordinateFault] = []
    if not todo.any():
        return faults
    name = f"{c.name} (EPSG:{c.to_epsg()})" if c.to_epsg() else c.name
    fault = _swapped_fault(c, x, y, todo, name=name, x_name=x_name, y_name=y_name)
    if fault is not None:
        faults.append(fault)
        todo[fault.rows] = False
    if todo.any():
        fault = (
            _metres_fault(x, y, todo, name=name, crs_source=crs_source, province=province)
            if c.is_geographic
            else _degrees_fault(x, y, todo, name=name, crs_source=crs_source)
        )
        if fault is not None:
            faults.append(fault)
            todo[fault.rows] = False
    if todo.any():
        rows = np.flatnonzero(todo)
        faults.append(
            CoordinateFault(
                "outside",
                rows,
                rows.size / x.size,
                f"{rows.size} point(s) lie outside Vietnam when read in {name}.",
                "check these coordinates and the CRS of this input.",
            )
        )
    return faults


def _swapped_fault(
    c: CRS,
    x: np.ndarray,
    y: np.ndarray,
    todo: np.ndarray,
    *,
    name: str,
    x_name: str | None,
    y_name: str | None,
) -> CoordinateFault | None:
    """X and Y swapped, same CRS: the ``todo`` points that fall in Vietnam read as (y, x)."""
    slon, slat = _to_lonlat(c, y, x)
    swapped = todo & in_vietnam(slon, slat)
    if not swapped.any():
        return None
    return CoordinateFault(
        "swapped-xy",
        np.flatnonzero(swapped),
        swapped.sum() / x.size,
        f"X and Y look swapped: read as ({x_name or 'x'}, {y_name or 'y'}) in {name} "
        "they fall outside Vietnam, swapped they fall inside"
        + (
            " (Vietnamese surveying writes X for the northing)."
            if not c.is_geographic
            else " (latitude given first)."
        ),
        f"swap the columns in the project file ('x: {y_name}', 'y: {x_name}')."
        if x_name and y_name
        else "swap X and Y in the file (QGIS: Processing > Swap X and Y coordinates) "
        "and export it again.",
    )


def _degrees_fault(
    x: np.ndarray, y: np.ndarray, todo: np.ndarray, *, name: str, crs_source: str
) -> CoordinateFault | None:
    """Degrees under a CRS in metres: the ``todo`` points that are in Vietnam as lon/lat."""
    deg = todo & in_vietnam(x, y)
    deg_swapped = todo & ~deg & in_vietnam(y, x)
    hit = deg | deg_swapped
    if not hit.any():
        return None
    return CoordinateFault(
        "degrees",
        np.flatnonzero(hit),
        hit.sum() / x.size,
        f"the coordinates are degrees (longitude/latitude), but {crs_source} is "
        f"{name}, in metres (degrees given as easting/northing)"
        + (" with latitude first." if deg_swapped.any() and not deg.any() else "."),
        "set 'crs: EPSG:4326' (WGS 84, e.g. from GPS) or 'crs: EPSG:4756' "
        "(VN-2000 degrees) for this input.",
        ("EPSG:4326", "EPSG:4756"),
    )


def _metres_fault(
    x: np.ndarray,
    y: np.ndarray,
    todo: np.ndarray,
    *,
    name: str,
    crs_source: str,
    province: str | None,
) -> CoordinateFault | None:
    """Metres under a CRS in degrees: the ``todo`` points a VN-2000 projection puts in Vietnam."""
    fits, hit = _fit_vn2000_projections(x, y, todo, province=province)
    if not hit.any():
        return None
    vn_zone_hint = (
        f"'crs: VN-2000 TM-3 {province}'" if province else "'crs: VN-2000 TM-3 <province>'"
    )
    suggested = tuple(dict.fromkeys(s for s, _ in fits))
    swap_note = " X and Y are also swapped." if fits and all(sw for _, sw in fits) else ""
    return CoordinateFault(
        "wrong-crs",
        np.flatnonzero(hit),
        hit.sum() / x.size,
        f"{crs_source} says {name} (degrees), but the coordinates are metres: "
        "VN-2000 easting/northing (TM-3 or UTM)." + swap_note,
        f"set the right CRS for this input in the project file, e.g. {vn_zone_hint}"
        + (f" ({suggested[0]})" if province and suggested else "")
        + " or 'crs: VN-2000 UTM 48N' (EPSG:3405); it overrides the wrong .prj"
        + (", and swap x and y" if swap_note else "")
        + ".",
        suggested,
    )


def _fit_vn2000_projections(
    x: np.ndarray, y: np.ndarray, todo: np.ndarray, *, province: str | None
) -> tuple[list[tuple[str, bool]], np.ndarray]:
    """The VN-2000 projections that put the ``todo`` points in Vietnam.

    Returns
    -------
    tuple
        ``("EPSG:...", swapped)`` for each projection (read as (x, y), or swapped)
        that puts more than nine in ten of a sample of the points in Vietnam, the
        province's zones first; and which points one of them puts there.
    """
    idx = np.flatnonzero(todo)
    sample = idx[:: max(1, idx.size // 2000)]
    fits: list[tuple[str, bool]] = []
    hit = np.zeros(x.size, dtype=bool)
    for cand in _candidates(province):
        for sx, sy, swap in ((x, y, False), (y, x, True)):
            clon, clat = _to_lonlat(cand, sx[sample], sy[sample])
            share = in_vietnam(clon, clat).mean()
            if share > 0.9:
                fits.append((f"EPSG:{cand.to_epsg()}", swap))
                rest = idx[~hit[idx]]
                if rest.size:
                    clon, clat = _to_lonlat(cand, sx[rest], sy[rest])
                    hit[rest[in_vietnam(clon, clat)]] = True
    return fits, hit


# --------------------------------------------------------------------------- problems


def coordinate_problems(
    x: np.ndarray,
    y: np.ndarray,
    crs: str | int | CRS,
    *,
    source: str,
    label: Callable[[np.ndarray], str],
    province: str | None = None,
    crs_source: str = "the file's CRS",
    x_name: str | None = None,
    y_name: str | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """Coordinate faults (:func:`find_coordinate_faults`) as errors and warnings.

    A wrong CRS or degrees-as-metres affecting half the points or more makes the
    input unusable: an error. Everything else (swapped X/Y, points outside
    Vietnam, a few odd rows) is a warning naming the rows.

    Parameters
    ----------
    x, y, crs, province, crs_source, x_name, y_name
        As for :func:`find_coordinate_faults`.
    source
        The file, for the :class:`~coverage_gaps.Problem`.
    label
        Turns row positions into a short text (``"row 2 (id V1), row 5"``).

    Examples
    --------
    >>> errors, warns = coordinate_problems(
    ...     np.array([430000.0]), np.array([2390000.0]), "EPSG:4326",
    ...     source="communes.shp", label=lambda rows: f"{rows.size} feature(s)")
    >>> errors[0].what[:38]
    "the file's CRS says WGS 84 (EPSG:4326)"
    """
    errors: list[Problem] = []
    warns: list[Problem] = []
    faults = find_coordinate_faults(
        x, y, crs, province=province, crs_source=crs_source, x_name=x_name, y_name=y_name
    )
    for f in faults:
        whole = f.share >= 0.5
        where = "crs" if whole and f.kind in ("wrong-crs", "degrees") else label(f.rows)
        what = f.what if f.kind == "outside" or whole else f"{f.rows.size} point(s): {f.what}"
        problem = Problem(source, where, what, f.fix)
        (errors if whole and f.kind in ("wrong-crs", "degrees") else warns).append(problem)
    return errors, warns


def datum_problem(
    crs: str | int | CRS | None, *, source: str, lon_lat: tuple[float, float] | None = None
) -> Problem | None:
    """A warning when reading ``crs`` would misplace VN-2000 data (see :func:`check_datum`).

    Examples
    --------
    >>> datum_problem("EPSG:9213", source="a.shp") is None
    True
    >>> p = datum_problem("+proj=tmerc +lon_0=106.5 +k=0.9999 +x_0=500000 +datum=WGS84 "
    ...                   "+units=m +type=crs", source="a.tab")
    >>> p.fix[:36]
    "if the data are VN-2000, set 'crs: E"
    """
    if crs is None:
        return None
    try:
        c = resolve_crs(crs)
    except ValueError:
        return None
    if not (c.is_geographic or c.is_projected) or c.to_epsg() in (4326, *range(32601, 32661)):
        return None
    try:
        check = check_datum(c, lon_lat=lon_lat or (105.85, 21.03))
    except (CRSError, ProjError):
        return None
    suggested = f"EPSG:{check.suggested}" if check.suggested else "the EPSG code of the CRS"
    if check.problem == "no-shift":
        return Problem(
            source,
            "crs",
            f"the CRS is VN-2000 ({check.crs_name}) but PROJ reads it without the "
            f"datum shift ({check.operation}): positions would be off by about "
            f"{check.vn2000_shift_m:.0f} m.",
            f"set 'crs: {suggested}' for this input.",
        )
    if check.problem == "wgs84-tm3":
        zone = CRS.from_epsg(check.suggested or 4756).name
        return Problem(
            source,
            "crs",
            f"the CRS has the parameters of {zone} but the WGS 84 datum (as MapInfo and some converters write it): if the data "
            f"are VN-2000, they will be placed about {check.vn2000_shift_m:.0f} m off.",
            f"if the data are VN-2000, set 'crs: {suggested}' for this input; if they "
            "really are WGS 84 based, ignore this.",
        )
    if check.problem == "wrong-shift":
        return Problem(
            source,
            "crs",
            f"the CRS's datum shift differs from the official VN-2000 one (EPSG:6960) by "
            f"{check.error_m:.1f} m (often: rotation signs flipped in a TOWGS84).",
            f"set 'crs: {suggested}' for this input.",
        )
    return None


def check_layer(
    gdf: gpd.GeoDataFrame,
    *,
    source: str,
    label: Callable[[np.ndarray], str],
    province: str | None = None,
    crs_source: str = "the file's CRS",
    x_name: str | None = None,
    y_name: str | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """Coordinate faults and datum problems of a loaded layer: (errors, warnings).

    Points are checked as they are; other geometries by the centres of their
    bounding boxes. See :func:`coordinate_problems` and :func:`datum_problem`.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.Point(2390000, 430000)], crs=9213)
    >>> errors, warns = check_layer(g, source="v.shp", label=lambda r: f"{r.size} feature(s)")
    >>> errors, warns[0].what[:22]
    ([], 'X and Y look swapped: ')
    """
    if gdf.crs is None or len(gdf) == 0:
        return [], []
    bounds = shapely.bounds(gdf.geometry.to_numpy())
    x = (bounds[:, 0] + bounds[:, 2]) / 2.0
    y = (bounds[:, 1] + bounds[:, 3]) / 2.0
    errors, warns = coordinate_problems(
        x,
        y,
        gdf.crs,
        source=source,
        label=label,
        province=province,
        crs_source=crs_source,
        x_name=x_name,
        y_name=y_name,
    )
    if not errors:
        ok = np.isfinite(x) & np.isfinite(y)
        centre = None
        if ok.any():
            lon, lat = _to_lonlat(resolve_crs(gdf.crs), x[ok], y[ok])
            inside = in_vietnam(lon, lat)
            if inside.any():
                centre = (float(np.median(lon[inside])), float(np.median(lat[inside])))
        datum = datum_problem(gdf.crs, source=source, lon_lat=centre)
        if datum is not None:
            warns.append(datum)
    return errors, warns

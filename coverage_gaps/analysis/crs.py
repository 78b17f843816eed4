"""The working CRS: one metric CRS in which every distance and area is measured.

Choice (``working_crs: auto``): if the commune layer is already in a projected
CRS in metres (for example VN-2000 / UTM or a provincial VN-2000 / TM-3 zone),
that CRS is used, so the commune geometries are not transformed at all.
Otherwise the WGS 84 / UTM zone containing the median centre of the communes is used:
zone 48N (EPSG:32648) for most of Vietnam west of 108°E, zone 49N (EPSG:32649)
east of it. WGS 84 / UTM rather than VN-2000 / UTM avoids a datum shift for the
usual WGS 84 inputs; scale error inside one zone stays under 0.1 % for areas
and distances, which is well below the precision of coverage predictions.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

__all__ = [
    "CHECKING_CRS",
    "choose_working_crs",
    "is_metric",
    "utm_crs_for_geometries",
    "utm_crs_for_lon_lat",
]


#: The CRS used to go on checking the other inputs when neither the communes nor the villages
#: could be read (the run then stops with their errors, so nothing is measured in it).
CHECKING_CRS = CRS.from_epsg(32648)


def utm_crs_for_lon_lat(lon: float, lat: float) -> CRS:
    """WGS 84 / UTM zone CRS containing a point.

    Examples
    --------
    >>> utm_crs_for_lon_lat(105.8, 21.6).to_epsg()
    32648
    """
    zone = int(np.clip(np.floor((lon + 180.0) / 6.0) + 1, 1, 60))
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def is_metric(crs: CRS) -> bool:
    """Whether ``crs`` is projected with axes in metres."""
    if not crs.is_projected:
        return False
    units = {ax.unit_name.lower() for ax in crs.axis_info}
    return units <= {"metre", "meter", "m"}


def choose_working_crs(communes: gpd.GeoDataFrame, *, requested: str = "auto") -> CRS:
    """Pick the metric CRS for the analysis (see the module docstring).

    Parameters
    ----------
    communes
        The commune layer, in its own CRS.
    requested
        ``"auto"`` or any CRS string PROJ understands.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.box(105.5, 21.5, 106.0, 22.0)], crs=4326)
    >>> choose_working_crs(g).to_epsg()
    32648
    """
    if requested != "auto":
        return CRS.from_user_input(requested)
    if communes.crs is not None and is_metric(CRS.from_user_input(communes.crs)):
        return CRS.from_user_input(communes.crs)
    return utm_crs_for_geometries(communes.geometry)


def utm_crs_for_geometries(geoms: gpd.GeoSeries) -> CRS:
    """The WGS 84 / UTM zone of the median centre of ``geoms`` (any CRS).

    The median of the centres of the geometries' boxes, not the centre of their
    overall box: far-off islands (Trường Sa at 114-117°E) must not pull mainland
    Vietnam into zone 49N.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoSeries(shapely.points([105.8, 106.0, 115.0], [21.6, 21.0, 10.0]), crs=4326)
    >>> utm_crs_for_geometries(g).to_epsg()
    32648
    """
    boxes = geoms.to_crs(4326).bounds
    lon = float(np.median((boxes["minx"] + boxes["maxx"]) / 2.0))
    lat = float(np.median((boxes["miny"] + boxes["maxy"]) / 2.0))
    return utm_crs_for_lon_lat(lon, lat)

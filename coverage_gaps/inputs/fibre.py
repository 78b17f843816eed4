"""Fibre routes (lines) or access points (points)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from .._errors import InputDataError, warn_problems
from ..config.project import FibreSpec
from ..io.checks import geometry_problems, missing_columns
from ..io.readers import read_vector
from ..vietnam.carriers import normalise_carrier

__all__ = ["load_fibre"]


def load_fibre(spec: FibreSpec, *, working_crs: CRS) -> gpd.GeoDataFrame:
    """Fibre routes (lines) or access points (points), in the working CRS, with an
    ``owner`` column (normalised carrier name) when ``fibre.owner`` names one.

    Raises
    ------
    InputDataError
        Unreadable file, no CRS, missing or polygon geometries.

    Examples
    --------
    >>> fibre = load_fibre(spec, working_crs=CRS(32648))  # doctest: +SKIP
    """
    gdf = read_vector(
        spec.path, role="fibre", layer=spec.layer, where=spec.where, crs=spec.crs,
        encoding=spec.encoding
    )  # fmt: skip
    gdf, errors, warns = geometry_problems(
        gdf,
        source=str(spec.path),
        id_column=None,
        allowed=("LineString", "MultiLineString", "Point", "MultiPoint"),
        role="fibre",
    )
    errors += missing_columns(gdf, {"owner": spec.owner}, source=str(spec.path), section="fibre")
    if errors:
        raise InputDataError(errors)
    warn_problems(warns)
    owner = (
        gdf[spec.owner].map(
            lambda v: normalise_carrier(v) if isinstance(v, str) and v.strip() else None
        )
        if spec.owner is not None
        else pd.Series(None, index=gdf.index, dtype=object)
    )
    return gpd.GeoDataFrame(
        {"owner": owner.to_numpy()},
        geometry=gdf.geometry.to_crs(working_crs).to_numpy(),
        crs=working_crs,
    )

"""Existing cell sites, public facilities and the carriers' assignment table (the
priority inputs).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._errors import InputDataError, Problem
from ..config.priority import AssignmentSpec
from ..config.project import FacilitiesSpec, SitesSpec
from ..io.checks import geometry_problems, missing_columns
from ..io.readers import read_table, read_vector
from ..vietnam.carriers import normalise_carrier, normalise_technology

__all__ = ["load_assignments", "load_facilities", "load_sites"]


def load_sites(spec: SitesSpec, *, working_crs: CRS) -> gpd.GeoDataFrame:
    """Existing cell sites: ``carrier`` (normalised) and ``technologies`` (a set per site).

    Examples
    --------
    >>> sites = load_sites(SitesSpec(path=Path("sites.gpkg")), working_crs=CRS(32648))  # doctest: +SKIP
    """
    gdf = read_vector(spec.path, role="cell site", layer=spec.layer, where=spec.where, crs=spec.crs)
    src = str(spec.path)
    problems = missing_columns(
        gdf,
        {"carrier": spec.carrier, "technologies": spec.technologies},
        source=src,
        section="sites",
    )
    if problems:
        raise InputDataError(problems)
    gdf, errors, _ = geometry_problems(
        gdf, source=src, id_column=None, allowed=("Point", "MultiPoint"), role="cell site"
    )
    if errors:
        raise InputDataError(errors)
    text = gdf[spec.technologies].astype("string").fillna("")
    parsed: dict[str, frozenset[str] | None] = {}
    for value in pd.unique(text):  # a handful of distinct values ("2G,4G", ...)
        try:
            parsed[value] = frozenset(
                normalise_technology(t)
                for t in str(value).replace(";", ",").split(",")
                if t.strip()
            )
        except ValueError:
            parsed[value] = None
    mapped = text.map(parsed)
    bad = np.flatnonzero(mapped.isna().to_numpy()).tolist()
    techs = mapped.map(lambda t: t if t is not None else frozenset()).tolist()
    if bad:
        raise InputDataError(
            [
                Problem(
                    src,
                    f"features {', '.join(str(i + 1) for i in bad[:10])}",
                    "unknown technology names.",
                    "write technologies like '2G,4G' (GSM, UMTS, LTE, NR also accepted).",
                )
            ]
        )
    return gpd.GeoDataFrame(
        {
            "carrier": [normalise_carrier(c) for c in gdf[spec.carrier].astype(str)],
            "technologies": techs,
        },
        geometry=shapely.centroid(gdf.geometry.to_crs(working_crs).to_numpy()),
        crs=working_crs,
    )


def load_facilities(spec: FacilitiesSpec, *, working_crs: CRS) -> gpd.GeoDataFrame:
    """Public facilities as points (polygons are reduced to a point inside), with ``kind``."""
    gdf = read_vector(spec.path, role="facility", layer=spec.layer, where=spec.where, crs=spec.crs)
    problems = missing_columns(
        gdf, {"kind": spec.kind}, source=str(spec.path), section="facilities"
    )
    if problems:
        raise InputDataError(problems)
    gdf, errors, _ = geometry_problems(
        gdf,
        source=str(spec.path),
        id_column=None,
        allowed=("Point", "MultiPoint", "Polygon", "MultiPolygon"),
        role="facility",
    )
    if errors:
        raise InputDataError(errors)
    kind = (
        gdf[spec.kind].astype("string").fillna("").to_numpy(dtype=str)
        if spec.kind
        else np.full(len(gdf), "")
    )
    pts = shapely.point_on_surface(gdf.geometry.to_crs(working_crs).to_numpy())
    return gpd.GeoDataFrame({"kind": kind}, geometry=pts, crs=working_crs)


def load_assignments(spec: AssignmentSpec) -> pd.DataFrame:
    """The assignment table: ``key`` (village or commune id), ``level`` and ``carrier``."""
    key = spec.village or spec.commune
    assert key is not None
    df = read_table(
        spec.path, role="assignment", sheet=spec.sheet, text_columns=[key, spec.carrier]
    )
    problems = missing_columns(
        df,
        {"id": key, "carrier": spec.carrier},
        source=str(spec.path),
        section="priority.assignments",
    )
    if problems:
        raise InputDataError(problems)
    out = pd.DataFrame(
        {"key": df[key].astype(str).str.strip(), "carrier": df[spec.carrier].map(normalise_carrier)}
    )
    dup = out["key"][out["key"].duplicated()]
    if len(dup):
        raise InputDataError(
            [
                Problem(
                    str(spec.path),
                    f"column '{key}'",
                    f"ids assigned twice: {', '.join(sorted(set(dup))[:10])}.",
                    "give each village or commune one carrier.",
                )
            ]
        )
    out["level"] = "village" if spec.village else "commune"
    return out

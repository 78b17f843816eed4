"""Commune (xã, phường, đặc khu) boundaries: loading and checking."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .._errors import InputDataError, Problem, warn_problems
from ..config.project import CommunesSpec
from ..io.checks import (
    duplicate_problems,
    geometry_problems,
    list_items,
    missing_columns,
    row_label,
)
from ..io.readers import read_vector
from ..vietnam.vn2000 import check_layer

__all__ = ["COMMUNE_COLUMNS", "load_communes"]

#: Columns of the standardised commune frame (plus ``geometry``).
COMMUNE_COLUMNS = ["commune_id", "commune_name", "province_id", "province_name"]


def load_communes(spec: CommunesSpec, *, province_fallback: str = "") -> gpd.GeoDataFrame:
    """Read the commune polygons and rename their columns to the standard ones.

    Parameters
    ----------
    spec
        The ``communes:`` section of the project.
    province_fallback
        Province id and name used when the layer has no province column
        (the project's ``name``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``commune_id, commune_name, province_id, province_name, geometry`` in
        the file's CRS, sorted by ``commune_id``.

    Raises
    ------
    InputDataError
        Listing every problem: missing columns, no features, missing, empty or
        non-polygon geometries, duplicate ids.

    Examples
    --------
    >>> from coverage_gaps.config import CommunesSpec
    >>> c = load_communes(CommunesSpec(path=Path("communes.gpkg")))  # doctest: +SKIP
    """
    gdf = _read_commune_layer(spec)
    gdf, ids = _check_communes(gdf, spec)
    out = gpd.GeoDataFrame(
        {
            "commune_id": ids.astype(str).to_numpy(),
            "commune_name": _text(gdf, spec.name, ids),
            "province_id": _text(gdf, spec.province, pd.Series(province_fallback, index=gdf.index)),
            "province_name": _text(
                gdf,
                spec.province_name or spec.province,
                pd.Series(province_fallback, index=gdf.index),
            ),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    if (
        spec.province_name is None
        and spec.province is not None
        and province_fallback
        and out["province_id"].nunique() == 1
    ):
        # one province named in the project: use its name for display
        out["province_name"] = province_fallback
    return out.sort_values("commune_id", kind="stable").reset_index(drop=True)


def _read_commune_layer(spec: CommunesSpec) -> gpd.GeoDataFrame:
    """Read the commune layer; raise when it lacks a configured column or has no features."""
    src = str(spec.path)
    gdf = read_vector(
        spec.path,
        role="commune",
        layer=spec.layer,
        where=spec.where,
        crs=spec.crs,
        encoding=spec.encoding,
    )
    problems = missing_columns(
        gdf,
        {
            "id": spec.id,
            "name": spec.name,
            "province": spec.province,
            "province_name": spec.province_name,
        },
        source=src,
        section="communes",
    )
    if len(gdf) == 0:
        problems.append(
            Problem(
                src,
                "",
                "the commune layer has no features"
                + (f" matching where: {spec.where}" if spec.where else "")
                + ".",
                "check the file, layer and 'where' filter.",
            )
        )
    if problems:
        raise InputDataError(problems)
    return gdf


def _check_communes(
    gdf: gpd.GeoDataFrame, spec: CommunesSpec
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Check the communes' geometries, coordinates and ids: (repaired layer, ids).

    Raises :class:`InputDataError` listing every problem; warns about the rest
    (repaired geometries, swapped X/Y, datum) only when there is none.
    """
    src = str(spec.path)
    gdf, errors, warns = geometry_problems(
        gdf, source=src, id_column=spec.id, allowed=("Polygon", "MultiPolygon"), role="commune"
    )
    problems = list(errors)
    if not errors:  # wrong .prj, swapped X/Y, degrees as metres, outside Vietnam, datum
        faults, notes = check_layer(
            gdf,
            source=src,
            label=lambda rows: list_items(row_label(gdf, rows, id_column=spec.id, table=False)),
            province=_mode(gdf, spec.province),
            crs_source="'crs:' in the project file" if spec.crs else "the file's CRS (.prj)",
        )
        problems += faults
        warns += notes
    ids = gdf[spec.id].astype("string").str.strip()
    problems += duplicate_problems(ids, source=src, column=spec.id, what="commune")
    if problems:
        raise InputDataError(problems)
    warn_problems(warns)
    return gdf, ids


def _mode(gdf: gpd.GeoDataFrame, column: str | None) -> str | None:
    """The most frequent value of a column (e.g. the province code), or None."""
    if column is None or column not in gdf.columns or gdf[column].isna().all():
        return None
    return str(gdf[column].astype("string").mode().iloc[0])


def _text(gdf: gpd.GeoDataFrame, column: str | None, default: pd.Series) -> np.ndarray:
    """A text column (stripped, NFC), ``default`` where it is missing or not configured."""
    if column is None:
        return default.astype(str).to_numpy()
    values = gdf[column].astype("string").str.strip().str.normalize("NFC")
    return values.fillna(default.astype("string")).astype(str).to_numpy()

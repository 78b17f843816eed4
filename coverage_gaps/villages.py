"""Villages (thôn, bản, xóm, ấp, tổ dân phố): loading, checking, placing in communes."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ._errors import InputDataError, Problem
from ._io import (
    duplicate_problems,
    geometry_problems,
    list_items,
    missing_columns,
    parse_coordinates,
    parse_crs,
    read_table,
    read_vector,
)
from .config import VillagesSpec
from .crosswalk import convert_village_codes, place_split_villages
from .names import match_commune_names
from .vn2000 import check_layer, find_coordinate_faults

__all__ = [
    "VILLAGE_INPUT_COLUMNS",
    "assign_villages_to_communes",
    "load_villages",
    "lon_lat_swapped",
]

log = logging.getLogger(__name__)

#: Columns of the standardised village frame (plus ``geometry``, points).
VILLAGE_INPUT_COLUMNS = ["village_id", "name", "population", "commune_id", "area_km2"]


def load_villages(spec: VillagesSpec, *, issues: list[Problem] | None = None) -> gpd.GeoDataFrame:
    """Read the villages as points with standard columns.

    A table (CSV, XLSX) needs coordinate columns ``x`` and ``y`` and a ``crs``
    (``EPSG:4326`` when omitted). A vector layer may hold points or polygons;
    for polygons a point inside each is used (``shapely.point_on_surface``) and
    the polygon's area is kept in ``area_km2``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``village_id, name, population, commune_id, area_km2, geometry`` in the
        input's CRS, in input order. ``commune_id`` is missing (``<NA>``) where the
        input gives none.

    Raises
    ------
    InputDataError
        Listing every problem: missing columns, bad or missing coordinates,
        missing/negative/non-numeric population, duplicate or missing ids.

    Examples
    --------
    >>> from coverage_gaps.config import VillagesSpec
    >>> v = load_villages(VillagesSpec(path=Path("villages.csv"), x="lon", y="lat"))  # doctest: +SKIP
    """
    src = str(spec.path)
    text_cols = [c for c in (spec.id, spec.name, spec.commune) if c]
    problems: list[Problem] = []
    area = None
    if spec.is_table:
        df = read_table(
            spec.path,
            role="villages",
            sheet=spec.sheet,
            text_columns=text_cols,
            encoding=spec.encoding,
            issues=issues,
        )
        needed = {
            "id": spec.id,
            "name": spec.name,
            "population": spec.population,
            "x": spec.x,
            "y": spec.y,
            "commune": spec.commune,
            "households": spec.households,
            "electricity": spec.electricity,
        }
        problems += missing_columns(df, needed, source=src, section="villages")
        if problems:
            raise InputDataError(problems)
        crs, problem = parse_crs(spec.crs or "EPSG:4326", source=src, where="villages.crs")
        if problem:
            raise InputDataError([problem])
        assert spec.x is not None and spec.y is not None
        xs = parse_coordinates(df[spec.x])  # decimals with . or , and DMS (21°35'12"N)
        ys = parse_coordinates(df[spec.y])
        bad = ~(np.isfinite(xs) & np.isfinite(ys))
        if bad.any():
            rows = np.flatnonzero(bad)
            problems.append(
                Problem(
                    src,
                    _rows(df, rows, spec.id),
                    f"{rows.size} row(s) have missing, non-numeric, NaN or infinite "
                    f"coordinates in '{spec.x}'/'{spec.y}'.",
                    "fill in the coordinates (decimal numbers) or delete the rows.",
                )
            )
        elif crs is not None and crs.is_geographic:
            out_of_range = (np.abs(xs) > 180) | (np.abs(ys) > 90)
            if out_of_range.any():
                rows = np.flatnonzero(out_of_range)
                swapped = bool(np.all((np.abs(xs[rows]) <= 90) & (np.abs(ys[rows]) <= 180)))
                if swapped:
                    problems.append(
                        Problem(
                            src,
                            _rows(df, rows, spec.id),
                            f"longitude and latitude look swapped: in {rows.size} row(s) "
                            f"'{spec.y}' (latitude) is beyond ±90° while '{spec.x}' fits a latitude.",
                            "exchange the 'x' and 'y' keys of 'villages:' in the project file.",
                        )
                    )
                else:
                    problems.append(
                        Problem(
                            src,
                            _rows(df, rows, spec.id),
                            f"{rows.size} row(s) have coordinates outside longitude/latitude "
                            f"range, but the CRS is {crs.to_string()} (degrees).",
                            _metres_fix(xs[rows], ys[rows], crs, spec),
                        )
                    )
        geoms = shapely.points(np.where(bad, 0.0, xs), np.where(bad, 0.0, ys))
        gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=crs)
        if not problems:  # swapped X/Y, degrees as metres, outside Vietnam, datum
            faults, notes = check_layer(
                gdf,
                source=src,
                label=lambda rows: _rows(df, rows, spec.id),
                crs_source="'crs:' in the project file",
                x_name=spec.x,
                y_name=spec.y,
            )
            problems += faults
            if issues is not None:
                issues.extend(notes)
    else:
        gdf = read_vector(
            spec.path,
            role="villages",
            layer=spec.layer,
            where=spec.where,
            crs=spec.crs,
            encoding=spec.encoding,
            issues=issues,
        )
        columns = {
            "id": spec.id,
            "name": spec.name,
            "population": spec.population,
            "commune": spec.commune,
            "households": spec.households,
            "electricity": spec.electricity,
        }
        problems += missing_columns(gdf, columns, source=src, section="villages")
        if len(gdf) == 0:
            problems.append(
                Problem(src, "", "the village layer has no features.", "check the file and layer.")
            )
        if problems:
            raise InputDataError(problems)
        gdf, errors, warns = geometry_problems(
            gdf,
            source=src,
            id_column=spec.id,
            allowed=("Point", "MultiPoint", "Polygon", "MultiPolygon"),
            role="village",
        )
        problems += errors
        if issues is not None:
            issues.extend(warns)
        if not errors:
            geoms = gdf.geometry.to_numpy()
            polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
            if polygonal.any():
                metric = (
                    gdf.geometry.to_crs(gdf.geometry.estimate_utm_crs())
                    if gdf.crs.is_geographic
                    else gdf.geometry
                )
                area = np.where(polygonal, metric.area.to_numpy() / 1e6, np.nan)
            points = shapely.point_on_surface(geoms)
            gdf = gdf.set_geometry(gpd.GeoSeries(points, index=gdf.index, crs=gdf.crs))
            faults, notes = check_layer(
                gdf,
                source=src,
                label=lambda rows: _rows(gdf, rows, spec.id, table=False),
                crs_source="'crs:' in the project file" if spec.crs else "the file's CRS (.prj)",
            )
            problems += faults
            if issues is not None:
                issues.extend(notes)
        df = gdf

    ids = df[spec.id].astype("string").str.strip()
    problems += duplicate_problems(ids, source=src, column=spec.id, what="village")
    pop = _numbers(df[spec.population])
    raw = df[spec.population]
    missing = (
        raw.isna().to_numpy() | (raw.astype("string").str.strip() == "").fillna(True).to_numpy()
    )
    non_numeric = ~missing & ~np.isfinite(pop)
    negative = np.isfinite(pop) & (pop < 0)
    table = spec.is_table
    for mask, what, fix in (
        (missing, "have no population", "fill in the population (0 if nobody lives there)."),
        (non_numeric, "have a population that is not a number", "write a whole number of people."),
        (negative, "have a negative population", "write a number of people, 0 or more."),
    ):
        if mask.any():
            rows = np.flatnonzero(mask)
            problems.append(
                Problem(
                    src,
                    f"column '{spec.population}', " + _rows(df, rows, spec.id, table=table),
                    f"{rows.size} village(s) {what}.",
                    fix,
                )
            )
    if problems:
        raise InputDataError(problems)

    if spec.commune:
        commune = df[spec.commune].astype("string").str.strip()
        commune = commune.mask(commune == "")
    else:
        commune = pd.Series(pd.NA, index=df.index, dtype="string")
    old_codes = candidates = None
    if spec.commune and spec.commune_codes == "pre-2025":  # to 2025 codes (split ones later)
        old_codes, commune, candidates, notes = convert_village_codes(
            commune, mapping=spec.crosswalk, source=src
        )
        if issues is not None:
            issues.extend(notes)
    out = gpd.GeoDataFrame(
        {
            "village_id": ids.astype(str).to_numpy(),
            "name": df[spec.name]
            .astype("string")
            .str.strip()
            .str.normalize("NFC")
            .fillna("")
            .astype(str)
            .to_numpy()
            if spec.name in df.columns
            else ids.astype(str).to_numpy(),
            "population": pop,
            "commune_id": commune.to_numpy(),
            "area_km2": area if area is not None else np.full(len(df), np.nan),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    out["commune_id"] = out["commune_id"].astype("string")
    if old_codes is not None and candidates is not None:
        out["commune_id_pre2025"] = old_codes.to_numpy()
        out["commune_candidates"] = candidates.to_numpy()
    if spec.households:
        out["households"] = _numbers(df[spec.households])
    if spec.electricity:
        from .priority import truthy

        out["electricity"] = truthy(df[spec.electricity])
    return out


def assign_villages_to_communes(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    *,
    max_snap_m: float = 0.0,
    source: str = "villages",
    issues: list[Problem] | None = None,
) -> gpd.GeoDataFrame:
    """Give every village exactly one commune.

    A village keeps the commune code it came with when that code names a commune
    of the layer. The others get the commune that contains them (a village on a
    border between two communes goes to the one with the smaller id); a village
    outside every commune but within ``max_snap_m`` metres of one goes to the
    nearest. Both frames must be in the same metric CRS.

    Parameters
    ----------
    villages, communes
        Standardised frames from :func:`load_villages` and :func:`load_communes`,
        reprojected to the working CRS; communes sorted by ``commune_id``.
    max_snap_m
        Largest distance, in metres, at which a village outside every commune is
        attached to the nearest one.

    Returns
    -------
    geopandas.GeoDataFrame
        ``villages`` with ``commune_id`` and ``commune_name`` filled in and a
        ``commune_source`` column (``input``, ``inside``, ``snapped``).

    Raises
    ------
    InputDataError
        When villages lie outside every commune, naming them.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> c = gpd.GeoDataFrame({"commune_id": ["A"], "commune_name": ["Xã A"]},
    ...                      geometry=[shapely.box(0, 0, 10, 10)], crs=32648)
    >>> v = gpd.GeoDataFrame({"village_id": ["1"], "commune_id": [None]},
    ...                      geometry=[shapely.Point(5, 5)], crs=32648)
    >>> assign_villages_to_communes(v, c)["commune_id"].tolist()
    ['A']
    """
    if (
        villages.crs is not None
        and communes.crs is not None
        and not villages.crs.equals(communes.crs)
    ):
        raise ValueError(
            f"villages are in {villages.crs.to_string()} but communes in "
            f"{communes.crs.to_string()}; reproject both to the working CRS first."
        )
    out = villages.copy()
    n = len(out)
    ids = communes["commune_id"].to_numpy()
    pos_of = pd.Series(np.arange(len(ids)), index=ids)
    given = out["commune_id"].astype("string")
    known = given.isin(ids).fillna(False).to_numpy(dtype=bool)
    unknown_given = given.notna().to_numpy() & ~known
    known = known.copy()  # pandas may hand out a read-only view
    by_name = np.zeros(n, dtype=bool)
    named = unknown_given & given.str.contains(r"[^\W\d_]", regex=True).fillna(False).to_numpy()
    if named.any():  # names instead of codes: match them (diacritics, unit words, numerals)
        codes_by_name, notes = match_commune_names(given[named], communes, source=source)
        given = given.copy()
        given[named] = codes_by_name.to_numpy()
        by_name = named & given.notna().to_numpy()
        known |= by_name
        unknown_given &= ~named
        for note in notes:
            log.warning("%s", note)
        if issues is not None:
            issues.extend(notes)
    if "commune_candidates" in out.columns:  # pre-2025 communes that were split
        split_codes, notes = place_split_villages(
            out, communes, max_snap_m=max_snap_m, source=source
        )
        resolved = pd.notna(split_codes) & ~known
        given = given.copy()
        given[resolved] = split_codes[resolved]
        known |= resolved
        for note in notes:
            log.warning("%s", note)
        if issues is not None:
            issues.extend(notes)
    if unknown_given.any():
        codes = sorted(set(given[unknown_given].astype(str)))
        p = Problem(
            source,
            f"{int(unknown_given.sum())} village(s)",
            f"commune codes not in the commune layer ({list_items(codes)}); placed by location instead.",
            "check the codes (pre-2025 codes must be converted to the 2025 ones).",
        )
        log.warning("%s", p)
        if issues is not None:
            issues.append(p)

    commune_pos = np.full(n, -1, dtype=np.int64)
    source_kind = np.full(n, "", dtype=object)
    commune_pos[known] = pos_of.loc[given[known].astype(str).to_numpy()].to_numpy()
    source_kind[known] = "input"
    source_kind[by_name] = "name"
    if "commune_candidates" in out.columns:
        source_kind[known & (out["commune_candidates"].fillna("").to_numpy() != "")] = "crosswalk"

    todo = np.flatnonzero(~known)
    if todo.size:
        pts = out.geometry.to_numpy()[todo]
        tree = shapely.STRtree(communes.geometry.to_numpy())
        vi, ci = tree.query(pts, predicate="intersects")
        if vi.size:
            # smallest commune position (= smallest id) per village
            order = np.lexsort((ci, vi))
            vi, ci = vi[order], ci[order]
            first = np.r_[True, vi[1:] != vi[:-1]]
            commune_pos[todo[vi[first]]] = ci[first]
            source_kind[todo[vi[first]]] = "inside"
        outside = todo[commune_pos[todo] < 0]
        if outside.size and max_snap_m > 0:
            vi, ci = tree.query_nearest(
                out.geometry.to_numpy()[outside], max_distance=max_snap_m, all_matches=False
            )
            commune_pos[outside[vi]] = ci
            source_kind[outside[vi]] = "snapped"
        outside = todo[commune_pos[todo] < 0]
        if outside.size:
            labels = [f"{out['village_id'].iloc[i]}" for i in outside]
            hint = (
                "check the coordinates and the CRS of the villages (longitude/latitude swapped?), "
                "or allow a tolerance with 'villages.max_snap_m'."
            )
            raise InputDataError(
                [
                    Problem(
                        source,
                        f"village ids {list_items(labels)}",
                        f"{outside.size} village(s) lie outside every commune"
                        + (f" (more than {max_snap_m:g} m away)" if max_snap_m > 0 else "")
                        + ".",
                        hint,
                    )
                ]
            )
    out["commune_id"] = ids[commune_pos]
    out["commune_name"] = communes["commune_name"].to_numpy()[commune_pos]
    out["commune_source"] = source_kind.astype(str)
    return out


def lon_lat_swapped(villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> int | None:
    """How many villages fall in the communes' area only with x and y exchanged, when that
    is most of them (a swapped longitude/latitude); ``None`` otherwise.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> c = gpd.GeoDataFrame(geometry=[shapely.box(105, 21, 106, 22)], crs=4326)
    >>> v = gpd.GeoDataFrame(geometry=[shapely.Point(21.5, 105.5)], crs=4326)
    >>> lon_lat_swapped(v, c)
    1
    """
    if (
        villages.crs is None
        or not CRS.from_user_input(villages.crs).is_geographic
        or len(villages) == 0
    ):
        return None
    area = shapely.union_all(shapely.envelope(communes.to_crs(villages.crs).geometry.to_numpy()))
    pts = villages.geometry.to_numpy()
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    inside = shapely.contains_xy(area, x, y)
    swapped = shapely.contains_xy(area, y, x) & (np.abs(x) <= 90)
    if inside.mean() < 0.5 and swapped.mean() > 0.9:
        return int(swapped.sum())
    return None


def _metres_fix(x: np.ndarray, y: np.ndarray, crs: CRS, spec: VillagesSpec) -> str:
    """How to fix metres given under a CRS in degrees (the VN-2000 zones that fit)."""
    faults = find_coordinate_faults(x, y, crs, crs_source="'crs:'", x_name=spec.x, y_name=spec.y)
    return next(
        (f.fix for f in faults if f.kind == "wrong-crs"),
        "set 'crs:' to the projected CRS of the coordinates, e.g. EPSG:3405 (VN-2000 / UTM 48N).",
    )


def _numbers(values: pd.Series) -> np.ndarray:
    """Numbers from a column that may hold text; NaN where not a number."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values.astype("string").str.strip(), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )


def _rows(df: pd.DataFrame, rows: np.ndarray, id_column: str, *, table: bool = True) -> str:
    from ._io import row_label

    return list_items(row_label(df, rows, id_column=id_column, table=table))

"""Site lists for predicted coverage (one row per antenna: a mast with three sectors is
three rows), and the DEM their terrain comes from.

Any table (CSV, TSV, XLSX) or GDAL vector file of points (KML/KMZ, GeoPackage, GeoJSON,
shapefile ...). Columns are found by name, whatever the case, accents, spaces and unit
suffixes ("Height (m)" is ``height_m``), under the names of :data:`COLUMN_ALIASES`, or as
mapped by the caller. The OpenCelliD cell export (``radio, mcc, net, area, cell, unit, lon,
lat, range, samples, changeable, created, updated, averageSignal``) is read as it comes:
``radio`` is the technology, ``mcc`` + ``net`` the carrier, ``range`` the range in metres.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS

from .._errors import InputDataError, Problem, warn_problems
from ..config.project import CoverageSpec
from ..io.checks import check_exists, closest, geometry_problems, list_items
from ..io.rasters import sample_points
from ..io.readers import read_table, read_vector
from ..io.values import parse_coordinates
from ..vietnam.carriers import TECHNOLOGIES, normalise_carrier, normalise_technology
from ..vietnam.names import fold
from ..vietnam.vn2000 import check_layer, resolve_crs

__all__ = [
    "COLUMN_ALIASES",
    "SITE_LIST_COLUMNS",
    "check_dem",
    "load_site_list",
    "read_site_layer",
    "split_site_layer",
]

#: Columns of the loaded site list (``x``, ``y`` in the working CRS; ``row`` names the input
#: row or feature), plus point ``geometry``.
SITE_LIST_COLUMNS: tuple[str, ...] = (
    "site_id",
    "carrier",
    "technology",
    "x",
    "y",
    "height_m",
    "frequency_mhz",
    "eirp_dbm",
    "azimuth_deg",
    "beamwidth_deg",
    "range_m",
    "row",
)
#: Column names recognised for each field (compared folded: no accents, case, spaces, or
#: punctuation; "Height (m)" matches ``heightm``).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "site_id": ("siteid", "id", "cellid", "cell", "site", "matram", "tentram", "name"),
    "lon": ("lon", "long", "longitude", "lng", "kinhdo"),
    "lat": ("lat", "latitude", "vido"),
    "x": ("x", "easting", "east"),
    "y": ("y", "northing", "north"),
    "height_m": ("heightm", "height", "antennaheight", "antennaheightm", "antheight", "hba",
                 "agl", "docaoanten", "caoanten", "chieucaoanten", "docao"),
    "frequency_mhz": ("frequencymhz", "frequency", "freq", "freqmhz", "tanso", "tansomhz"),
    "eirp_dbm": ("eirpdbm", "eirp"),
    "azimuth_deg": ("azimuthdeg", "azimuth", "azi", "az", "bearing", "huong", "gocphuongvi"),
    "beamwidth_deg": ("beamwidthdeg", "beamwidth", "hbw", "horizontalbeamwidth", "bw"),
    "range_m": ("rangem", "range", "radiusm", "radius", "bankinh"),
    "carrier": ("carrier", "operator", "network", "nhamang", "mang"),
    "technology": ("technology", "tech", "radio", "rat", "generation", "congnghe"),
    "mcc": ("mcc",),
    "net": ("net", "mnc"),
}  # fmt: skip
#: The fields each model needs besides the position.
MODEL_FIELDS: dict[str, tuple[str, ...]] = {
    "range": ("range_m",),
    "hata": ("height_m", "frequency_mhz", "eirp_dbm"),
    "hata+terrain": ("height_m", "frequency_mhz", "eirp_dbm"),
}
_TABLES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")
_FIX = {
    "height_m": "give the antenna height above the ground in metres (a positive number).",
    "frequency_mhz": "give the carrier frequency in MHz (900, 1800, 2100, 2600, 3500 ...).",
    "eirp_dbm": "give the EIRP on boresight in dBm (e.g. 60 for 1 kW).",
    "range_m": "give the range in metres (a positive number).",
    "azimuth_deg": "give the azimuth in degrees clockwise from north, or leave it empty (omni).",
    "beamwidth_deg": "give the half-power beamwidth in degrees (0-360), or leave it empty (65°).",
}


def _key(name: object) -> str:
    """Folded column name: ``"Độ cao anten (m)"`` → ``"docaoantenm"``."""
    return re.sub(r"[^a-z0-9]", "", fold(name))


def _keys(name: object) -> tuple[str, ...]:
    """The keys a column answers to: folded whole, and without a unit in brackets
    (``"Tần số (MHz)"`` → ``tansomhz``, ``tanso``)."""
    bare = re.sub(r"[(\[].*?[)\]]", "", str(name))
    return tuple(dict.fromkeys((_key(name), _key(bare))))


def _match_columns(
    frame: pd.DataFrame, mapping: Mapping[str, str], source: str
) -> tuple[dict[str, str], list[Problem]]:
    """Field → column of the frame: the mapped names first, then the aliases."""
    columns = [str(c) for c in frame.columns if c != "geometry"]
    found: dict[str, str] = {}
    problems = []
    for field, column in mapping.items():
        if field not in COLUMN_ALIASES:
            problems.append(
                Problem(
                    source,
                    f"columns.{field}",
                    "the site list has no such field.",
                    f"use one of the fields: {', '.join(COLUMN_ALIASES)}.",
                )
            )
        elif column not in columns:
            problems.append(
                Problem(
                    source,
                    f"columns.{field}",
                    f"column '{column}' is not in the file.",
                    closest(column, columns),
                )
            )
        else:
            found[field] = column
    keys = {k: c for c in reversed(columns) for k in _keys(c)}  # the first column wins
    for field, aliases in COLUMN_ALIASES.items():
        if field not in found and field not in mapping:
            hit = next((keys[_key(a)] for a in aliases if _key(a) in keys), None)
            if hit is not None and hit not in found.values():
                found[field] = hit
    return found, problems


def _numbers(values: pd.Series) -> np.ndarray:
    """Numbers from a column: decimals with ``.`` or ``,``, a unit after them ignored
    (``30 m``, ``1800MHz``); NaN where empty or not a number."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype("string").str.strip()
    text = text.str.replace(r"(?<=\d)\s*(?:[a-zA-Zµ°%]+)$", "", regex=True)
    return parse_coordinates(text)


def _labels(frame: pd.DataFrame, rows: np.ndarray, table: bool, id_col: str | None) -> str:
    out = []
    for i in rows[:10]:
        text = f"row {int(i) + 2}" if table else f"feature {int(i) + 1}"
        if id_col is not None and pd.notna(frame[id_col].iloc[int(i)]):
            text += f" ({frame[id_col].iloc[int(i)]})"
        out.append(text)
    return list_items(out) + (f" and {rows.size - 10} more" if rows.size > 10 else "")


def _read(
    path: Path, *, crs: str | None, sheet: str | None, layer: str | None, encoding: str | None
) -> tuple[pd.DataFrame, bool]:
    """The raw rows, and whether they came from a table (positions in columns)."""
    if path.suffix.lower() in _TABLES:
        frame = read_table(path, role="site list", sheet=sheet, encoding=encoding)
        return frame, True
    given = resolve_crs(crs).to_wkt() if crs else None
    frame = read_vector(path, role="site list", layer=layer, crs=given, encoding=encoding)
    return frame, False


def _positions(
    frame: pd.DataFrame, found: dict[str, str], *, table: bool, crs: str | None, source: str
) -> tuple[gpd.GeoSeries | None, list[Problem], list[Problem]]:
    """Points in the input's CRS, with errors and warnings: ``lon``/``lat`` (WGS 84 unless
    ``crs``), else ``x``/``y`` with ``crs``, else (vector files) the geometries."""
    id_col = found.get("site_id")
    label = lambda rows: _labels(frame, rows, table, id_col)  # noqa: E731
    if "lon" in found and "lat" in found:
        xc, yc, default = found["lon"], found["lat"], "EPSG:4326"
    elif "x" in found and "y" in found:
        xc, yc, default = found["x"], found["y"], None
    elif not table:
        gdf, errors, warns = geometry_problems(
            gpd.GeoDataFrame(frame), source=source, id_column=id_col,
            allowed=("Point", "MultiPoint"), role="site",
        )  # fmt: skip
        if errors:
            return None, errors, warns
        centres = shapely.centroid(gdf.geometry.to_numpy())  # a MultiPoint's centre
        return gpd.GeoSeries(centres, index=frame.index, crs=gdf.crs), errors, warns
    else:
        fix = "add 'lon' and 'lat' columns (or 'x', 'y' and the project file's 'crs:')."
        return None, [Problem(source, "", "the site list has no coordinate columns.", fix)], []
    if crs is None and default is None:
        fix = "add 'crs:' (e.g. EPSG:32648, or 'VN-2000 TM-3 Thái Nguyên') to this layer."
        return (
            None,
            [Problem(source, f"columns '{xc}', '{yc}'", "the site list's x/y need a CRS.", fix)],
            [],
        )
    try:
        given = resolve_crs(crs or default or "EPSG:4326")
    except ValueError as exc:
        fix = "use an EPSG code or a VN-2000 name ('VN-2000 TM-3 Thái Nguyên')."
        return None, [Problem(source, "crs", str(exc), fix)], []
    xs, ys = _numbers(frame[xc]), _numbers(frame[yc])
    bad = np.flatnonzero(~(np.isfinite(xs) & np.isfinite(ys)))
    if bad.size:
        what = f"{bad.size} site(s) have no usable coordinates in '{xc}'/'{yc}'."
        fix = "fill in the coordinates (decimal degrees or metres) or delete the rows."
        return None, [Problem(source, label(bad), what, fix)], []
    points = gpd.GeoSeries(shapely.points(xs, ys), index=frame.index, crs=given)
    errors, warns = check_layer(
        gpd.GeoDataFrame(geometry=points), source=source, label=label,
        crs_source="'crs:' in the project file" if crs else "WGS 84 (no 'crs:')",
        x_name=xc, y_name=yc,
    )  # fmt: skip
    return (None if errors else points), errors, warns


def _carriers(
    frame: pd.DataFrame, found: dict[str, str], wanted: str | None, label, source: str
) -> tuple[np.ndarray, list[Problem]]:
    """The normalised carrier of each row ("" where unknown), from a carrier column,
    ``mcc`` + ``net`` (``452-04`` is Viettel), or the layer's ``carrier``."""
    if "carrier" in found:
        text = frame[found["carrier"]].astype("string").str.strip().fillna("")
        column = found["carrier"]
    elif "mcc" in found and "net" in found:
        mcc, net = _numbers(frame[found["mcc"]]), _numbers(frame[found["net"]])
        ok = np.isfinite(mcc) & np.isfinite(net)
        codes = [
            f"{int(m)}-{int(n):02d}" if k else "" for m, n, k in zip(mcc, net, ok, strict=True)
        ]
        text = pd.Series(codes, index=frame.index, dtype="string")
        column = f"{found['mcc']}/{found['net']}"
    elif wanted is not None:
        return np.full(len(frame), normalise_carrier(wanted), dtype=object), []
    else:
        fix = "add 'carrier:' to this layer, or a 'carrier' column (or 'mcc' and 'net')."
        return np.full(len(frame), "", dtype=object), [
            Problem(source, "", "the site list names no carrier.", fix)
        ]
    mapping = {v: (normalise_carrier(v) if v else "") for v in pd.unique(text)}  # few values
    carriers = text.map(mapping).to_numpy(dtype=object)
    empty = np.flatnonzero(carriers == "")
    problems = []
    if empty.size:
        fix = "fill in the carrier (or mcc and net) of every row, or delete the rows."
        problems.append(
            Problem(
                source,
                f"column '{column}', {label(empty)}",
                f"{empty.size} site(s) have no carrier.",
                fix,
            )
        )
    return carriers, problems


def _technologies(
    frame: pd.DataFrame,
    found: dict[str, str],
    wanted: str | None,
    scope: np.ndarray,
    label,
    source: str,
) -> tuple[np.ndarray, list[Problem], list[Problem]]:
    """The generation (2G-5G) of each row ("" where unknown), from a technology or radio
    column, or the layer's ``technology``. Unknown names among the ``scope`` rows (the
    layer's carrier) are errors, unless the layer names its technology: then those rows are
    left out, with a warning."""
    if "technology" not in found:
        if wanted is not None:
            return np.full(len(frame), normalise_technology(wanted), dtype=object), [], []
        fix = "add 'technology:' (2G, 3G, 4G or 5G) to this layer, or a 'technology' column."
        return (
            np.full(len(frame), "", dtype=object),
            [Problem(source, "", "the site list names no technology.", fix)],
            [],
        )
    column = found["technology"]
    text = frame[column].astype("string").str.strip().fillna("")
    mapping = {}
    for value in pd.unique(text):  # a handful of distinct values (LTE, NR ...)
        try:
            mapping[value] = normalise_technology(value)
        except ValueError:
            mapping[value] = ""
    techs = text.map(mapping).to_numpy(dtype=object)
    unknown = np.flatnonzero((techs == "") & scope)
    if not unknown.size:
        return techs, [], []
    names = sorted({str(v) for v in text.iloc[unknown]})
    what = f"{unknown.size} site(s) have an unknown technology ({list_items(names)})."
    fix = "write 2G, 3G, 4G or 5G (GSM, UMTS, LTE and NR are understood)."
    problem = Problem(source, f"column '{column}', {label(unknown)}", what, fix)
    if wanted is not None:
        return techs, [], [Problem(source, problem.where, what[:-1] + "; left out.", fix)]
    return techs, [problem], []


def _check_field(
    field: str, values: np.ndarray, frequency_range: tuple[float, float]
) -> tuple[np.ndarray, str]:
    """Rows (positions) whose present value is impossible, and why."""
    lo, hi = frequency_range
    finite = np.isfinite(values)
    if field == "height_m":
        return finite & (
            (values <= 0) | (values > 500)
        ), "an antenna height that is not 0-500 m above ground (an altitude?)"
    if field == "frequency_mhz":
        bad = finite & ((values < lo) | (values > hi))
        ghz = bad & (values * 1000 >= lo) & (values * 1000 <= hi)
        hint = " (in GHz? write MHz: 1.8 GHz is 1800)" if ghz.any() else ""
        return bad, f"a frequency outside every model ({lo:g}-{hi:g} MHz){hint}"
    if field == "eirp_dbm":
        return finite & (
            (values < -50) | (values > 100)
        ), "an EIRP that is not -50..100 dBm (watts? 1 kW is 60 dBm)"
    if field == "range_m":
        return finite & (values <= 0), "a range that is not a positive number of metres"
    if field == "beamwidth_deg":
        return finite & ((values <= 0) | (values > 360)), "a beamwidth that is not 0-360°"
    return np.zeros(len(values), dtype=bool), ""


def _fields(
    frame: pd.DataFrame,
    found: dict[str, str],
    *,
    model: str,
    keep: np.ndarray,
    frequency_range: tuple[float, float],
    label,
    source: str,
) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """The numeric fields (NaN where absent) and the problems of the kept rows."""
    out: dict[str, np.ndarray] = {}
    problems = []
    needed = MODEL_FIELDS[model]
    for field in (
        "height_m",
        "frequency_mhz",
        "eirp_dbm",
        "azimuth_deg",
        "beamwidth_deg",
        "range_m",
    ):
        if field not in found:
            out[field] = np.full(len(frame), np.nan)
            if field in needed:
                names = ", ".join(COLUMN_ALIASES[field][:4])
                what = f"no {field} column (model {model} needs it)."
                hint = closest(field, [str(c) for c in frame.columns if c != "geometry"])
                fix = f"add a column named {names} ..., or map yours under 'columns:'. "
                fix += hint[0].upper() + hint[1:]
                problems.append(Problem(source, "", what, fix))
            continue
        column = found[field]
        raw = frame[column]
        values = _numbers(raw)
        empty = (raw.isna() | (raw.astype("string").str.strip() == "")).to_numpy(dtype=bool)
        garbled = keep & ~empty & ~np.isfinite(values)
        missing = keep & empty & (field in needed)
        for rows, what in ((missing, "no value"), (garbled, "a value that is not a number")):
            if rows.any():
                idx = np.flatnonzero(rows)
                problems.append(
                    Problem(
                        source,
                        f"column '{column}', {label(idx)}",
                        f"{idx.size} site(s) have {what}.",
                        _FIX[field],
                    )
                )
        impossible, why = _check_field(field, values, frequency_range)
        if field in needed or field == "beamwidth_deg":
            idx = np.flatnonzero(keep & impossible)
            if idx.size:
                problems.append(
                    Problem(
                        source,
                        f"column '{column}', {label(idx)}",
                        f"{idx.size} site(s) have {why}.",
                        _FIX[field],
                    )
                )
        out[field] = values
    out["azimuth_deg"] = np.where(
        np.isfinite(out["azimuth_deg"]), out["azimuth_deg"] % 360.0, np.nan
    )
    return out, problems


def load_site_list(
    path: Path,
    *,
    working_crs: CRS,
    model: str,
    frequency_range_mhz: tuple[float, float],
    carrier: str | None = None,
    technology: str | None = None,
    columns: Mapping[str, str] | None = None,
    crs: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and check a site list.

    Parameters
    ----------
    path
        CSV, TSV, XLSX, or any GDAL vector file of points.
    working_crs
        The metric CRS of the output.
    model
        ``range`` (needs ``range_m``), ``hata`` or ``hata+terrain`` (need ``height_m``,
        ``frequency_mhz``, ``eirp_dbm``).
    frequency_range_mhz
        The frequencies the models cover (``propagation.FREQUENCY_RANGE_MHZ``).
    carrier, technology
        The layer's carrier and technology. When the file names them per row (a column, or
        ``mcc`` + ``net``; ``technology`` or ``radio``) only the matching rows are kept;
        otherwise every row gets them.
    columns
        Field → column name, for names :data:`COLUMN_ALIASES` does not know.
    crs
        CRS of ``lon``/``lat`` (default WGS 84) or ``x``/``y`` (required), VN-2000 names
        accepted; for vector files, the file's CRS when it has none.
    sheet, layer, encoding
        As for the other inputs.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SITE_LIST_COLUMNS` and point geometries in ``working_crs``, in input order.

    Raises
    ------
    InputDataError
        Every problem found, each naming the file, the rows and the fix: no coordinates,
        no height, frequency or EIRP where the model needs them, a frequency outside every
        model, an unknown carrier or technology, no row left for the layer.

    Examples
    --------
    >>> sites = load_site_list(Path("viettel.xlsx"), working_crs=CRS(32648), model="hata",
    ...                        frequency_range_mhz=(150, 7125))  # doctest: +SKIP
    """
    if model not in MODEL_FIELDS:
        raise ValueError(f"unknown model {model!r}; use one of {', '.join(MODEL_FIELDS)}")
    src = str(path)
    frame, table = _read(path, crs=crs, sheet=sheet, layer=layer, encoding=encoding)
    frame = frame.reset_index(drop=True)
    found, problems = _match_columns(frame, columns or {}, src)
    id_col = found.get("site_id")
    label = lambda rows: _labels(frame, rows, table, id_col)  # noqa: E731
    points, errors, warns = _positions(frame, found, table=table, crs=crs, source=src)
    carriers, techs, keep, errs, tech_warns = _select_rows(
        frame, found, carrier=carrier, technology=technology, label=label, source=src
    )
    problems += errors + errs
    fields, errs = _fields(
        frame,
        found,
        model=model,
        keep=keep,
        frequency_range=frequency_range_mhz,
        label=label,
        source=src,
    )
    problems += errs
    if not problems and not keep.any():
        problems.append(_nothing_left(src, carriers, techs, carrier, technology))
    if problems:
        raise InputDataError(problems)
    warn_problems(warns + tech_warns)
    assert points is not None
    rows = np.flatnonzero(keep)
    ids = frame[id_col].astype("string").fillna("") if id_col else pd.Series([""] * len(frame))
    columns_out = {
        "site_id": ids.to_numpy(dtype=object),
        "carrier": carriers,
        "technology": techs,
        **fields,
        "row": np.array(
            [f"row {i + 2}" if table else f"feature {i + 1}" for i in range(len(frame))]
        ),
    }
    return _assemble(columns_out, points, rows, working_crs)


def _select_rows(
    frame: pd.DataFrame,
    found: dict[str, str],
    *,
    carrier: str | None,
    technology: str | None,
    label,
    source: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Problem], list[Problem]]:
    """Carriers, technologies, the rows of the layer's carrier and technology, errors and
    warnings."""
    carriers, errors = _carriers(frame, found, carrier, label, source)
    keep = np.ones(len(frame), dtype=bool)
    if carrier is not None:
        keep &= carriers == normalise_carrier(carrier)
    techs, tech_errors, warns = _technologies(frame, found, technology, keep, label, source)
    keep &= techs != ""
    if technology is not None:
        keep &= techs == normalise_technology(technology)
    return carriers, techs, keep, errors + tech_errors, warns


def _nothing_left(
    src: str, carriers: np.ndarray, techs: np.ndarray, carrier: str | None, tech: str | None
) -> Problem:
    have = sorted({f"{c} {t}" for c, t in zip(carriers, techs, strict=True) if c and t})
    what = f"no site of {carrier or 'any carrier'} {tech or ''}".rstrip() + "."
    fix = (
        f"the file has: {list_items(have) or 'nothing usable'}; check 'carrier:' and 'technology:'."
    )
    return Problem(src, "", what, fix)


def _assemble(
    columns: dict[str, np.ndarray], points: gpd.GeoSeries, rows: np.ndarray, working_crs: CRS
) -> gpd.GeoDataFrame:
    """The kept rows as :data:`SITE_LIST_COLUMNS` with points in the working CRS."""
    geometry = points.to_crs(working_crs).to_numpy()[rows]
    out = {name: columns[name][rows] for name in SITE_LIST_COLUMNS if name in columns}
    out["x"], out["y"] = shapely.get_x(geometry), shapely.get_y(geometry)
    return gpd.GeoDataFrame(
        {name: out[name] for name in SITE_LIST_COLUMNS}, geometry=geometry, crs=working_crs
    )


def check_dem(path: Path, *, sites: gpd.GeoDataFrame, role: str = "DEM") -> None:
    """Check that a DEM can give the terrain of a site list.

    The DEM may be in any CRS, geographic included, but must have one; its values must be
    heights in metres (a band unit in feet or degrees is refused, and so are heights at the
    sites beyond −500..9,000 m); it must cover every site with data. ``sites`` is
    :func:`load_site_list`'s output (its ``row`` column names the rows).

    Raises
    ------
    InputDataError
        Every problem, naming the file and the rows.

    Examples
    --------
    >>> check_dem(Path("dem.tif"), sites=sites)  # doctest: +SKIP
    """
    src = str(path)
    problem = check_exists(path, role)
    if problem:
        raise InputDataError([problem])
    try:
        with rasterio.open(path) as ds:
            crs, transform, units = ds.crs, ds.transform, (ds.units[0] or "")
            description, dtype = (ds.descriptions[0] or ""), ds.dtypes[0]
    except rasterio.errors.RasterioError as exc:
        what = f"cannot be read as a raster ({' '.join(str(exc).split())})."
        raise InputDataError(
            [Problem(src, "", what, "give a GeoTIFF of heights in metres.")]
        ) from None
    problems = []
    if crs is None:
        fix = (
            "assign the DEM's CRS (e.g. gdal_edit.py -a_srs EPSG:4326 dem.tif) or export it again."
        )
        problems.append(Problem(src, "", "the DEM has no coordinate reference system (CRS).", fix))
    if transform.is_identity:
        problems.append(
            Problem(
                src,
                "",
                "the DEM is not georeferenced (no geotransform).",
                "export it again as a GeoTIFF with its position.",
            )
        )
    unit = _key(units)
    if unit in ("ft", "foot", "feet", "usft", "usfoot") or "feet" in unit:
        problems.append(
            Problem(
                src,
                "band 1",
                f"heights are in {units}, not metres.",
                "convert to metres (× 0.3048), e.g. with gdal_calc.py.",
            )
        )
    if (
        unit.startswith("deg")
        or unit in ("radian", "radians")
        or any(w in _key(description) for w in ("slope", "aspect"))
    ):
        what = f"the band holds {units or description}, not heights (a slope or aspect raster?)."
        problems.append(
            Problem(
                src,
                "band 1",
                what,
                "give the elevation model itself (heights in metres above sea level).",
            )
        )
    if np.dtype(dtype).kind not in "iuf":
        problems.append(
            Problem(
                src,
                "band 1",
                f"the DEM has an unexpected data type {dtype}.",
                "give a numeric band of heights.",
            )
        )
    if problems:
        raise InputDataError(problems)
    problems += _dem_at_sites(path, sites, src)
    if problems:
        raise InputDataError(problems)


def _dem_at_sites(path: Path, sites: gpd.GeoDataFrame, src: str) -> list[Problem]:
    """Problems of the DEM's values under the sites: outside it, nodata, not metres."""
    values, valid, inside = sample_points(path, sites.geometry)
    rows = (
        sites["row"].to_numpy(dtype=object)
        if "row" in sites.columns
        else np.array([f"site {i + 1}" for i in range(len(sites))], dtype=object)
    )
    problems = []
    outside = np.flatnonzero(~inside)
    if outside.size:
        what = f"{outside.size} site(s) lie outside the DEM: {list_items(list(rows[outside]))}."
        problems.append(
            Problem(
                src,
                "",
                what,
                "give a DEM covering every site (and their reach), e.g. SRTM or Copernicus GLO-30 tiles merged.",
            )
        )
    hole = np.flatnonzero(inside & ~valid)
    if hole.size:
        what = f"the DEM has no data under {hole.size} site(s): {list_items(list(rows[hole]))}."
        problems.append(
            Problem(
                src, "", what, "fill the DEM's voids (gdal_fillnodata.py) or use a void-filled DEM."
            )
        )
    odd = np.flatnonzero(valid & ((values < -500) | (values > 9000)))
    if odd.size:
        what = f"heights of {values[odd[0]]:g} under {list_items(list(rows[odd]))} are not metres above sea level."
        problems.append(
            Problem(src, "band 1", what, "give heights in metres (feet? centimetres?).")
        )
    return problems


def read_site_layer(
    spec: CoverageSpec, *, working_crs: CRS, frequency_range_mhz: tuple[float, float]
) -> gpd.GeoDataFrame:
    """The site list of a ``kind: sites`` coverage layer, read with the layer's keys
    (:func:`load_site_list`; ``layer`` names the sheet of a spreadsheet).

    Raises
    ------
    InputDataError
        As :func:`load_site_list`.
    """
    if spec.model is None:
        raise ValueError(f"{spec.path}: a site list needs a model")
    table = spec.path.suffix.lower() in _TABLES
    return load_site_list(
        spec.path,
        working_crs=working_crs,
        model=spec.model,
        frequency_range_mhz=frequency_range_mhz,
        carrier=spec.carrier or None,
        technology=spec.technology or None,
        columns=spec.columns,
        crs=spec.crs,
        sheet=spec.layer if table else None,
        layer=None if table else spec.layer,
        encoding=spec.encoding,
    )


def split_site_layer(
    spec: CoverageSpec, sites: gpd.GeoDataFrame
) -> list[tuple[CoverageSpec, gpd.GeoDataFrame]]:
    """One layer per carrier × technology of a site list: the layer's spec with its carrier
    and technology filled in (so its column is ``viettel_4g`` ...) and its rows, by carrier
    then technology (2G to 5G).

    Examples
    --------
    >>> spec = CoverageSpec(kind="sites", path=Path("s.csv"), model="range")
    >>> sites = gpd.GeoDataFrame({"carrier": ["VNPT", "Viettel", "Viettel"],
    ...                           "technology": ["4G", "4G", "2G"]})
    >>> [(s.column, len(rows)) for s, rows in split_site_layer(spec, sites)]
    [('viettel_2g', 1), ('viettel_4g', 1), ('vnpt_4g', 1)]
    """
    order = {t: i for i, t in enumerate(TECHNOLOGIES)}
    pairs = sorted(
        {(str(c), str(t)) for c, t in zip(sites["carrier"], sites["technology"], strict=True)},
        key=lambda p: (p[0].casefold(), order.get(p[1], len(order)), p[1]),
    )
    out = []
    for carrier, tech in pairs:  # a few carriers x technologies
        rows = (sites["carrier"] == carrier).to_numpy() & (sites["technology"] == tech).to_numpy()
        part = sites.loc[rows].reset_index(drop=True)
        out.append((replace(spec, carrier=carrier, technology=tech), part))
    return out

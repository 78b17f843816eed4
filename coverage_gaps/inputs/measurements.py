"""Measured evidence: drive tests, speed tests and phone readings as points, and Ookla's
open-data tiles.

:func:`load_measurements` reads one file of tests (CSV, XLSX, GeoPackage or any GDAL vector
file, GeoParquet points) into the standard frame :data:`MEASUREMENT_COLUMNS`, in the working
CRS, times in UTC. What stops the run (:class:`InputDataError`, every problem collected, rows
named): a missing column, an empty carrier, an unknown technology, a missing or unreadable
time, a signal that is not a number or not in dBm (0 or positive: mW or ASU; below -160),
a negative or kbps-sized download speed, a row with neither signal nor speed, missing or
impossible coordinates. What is only warned about: tests outside every commune (dropped;
a national drive-test file used for one province is normal). See ``docs/EVIDENCE.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas.api.types import union_categoricals
from pyproj import CRS, Transformer

from .._errors import InputDataError, Problem, warn_problem
from ..io.checks import list_items, missing_columns, parse_crs
from ..io.readers import read_table, read_vector
from ..io.values import LOCAL_TIMEZONE, parse_coordinates, parse_times
from ..vietnam.carriers import normalise_carrier, normalise_technology

__all__ = [
    "MEASUREMENT_COLUMNS",
    "OOKLA_COLUMNS",
    "combine_measurements",
    "drop_tests_outside",
    "load_measurements",
    "load_ookla_tiles",
    "quadkey_bounds",
]

#: Columns of the frame :func:`load_measurements` returns (with the point geometry).
MEASUREMENT_COLUMNS = [
    "source",  # the file's name
    "row",  # spreadsheet line (header = 1) or feature number (first = 1)
    "carrier",  # normalised (Viettel, VNPT, MobiFone, ...)
    "technology",  # 2G, 3G, 4G, 5G
    "signal_dbm",  # NaN when only a speed was measured
    "download_mbps",  # NaN when not measured
    "time_utc",  # datetime64[s, UTC]
    "lon",
    "lat",
]

_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")
#: dBm bounds of a received signal: 5G SS-RSRP is reported down to -156 dBm; a phone never
#: receives 0 dBm (1 mW) or more.
_SIGNAL_MIN_DBM, _SIGNAL_MAX_DBM = -160.0, 0.0
#: Above this a "Mbps" speed is surely kbps (5G millimetre-wave peaks near 4,000 Mbps).
_MAX_MBPS = 10_000.0
_EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")


def load_measurements(
    path: Path,
    *,
    working_crs: CRS,
    carrier: str = "carrier",
    technology: str = "technology",
    signal: str | None = "signal",
    time: str = "time",
    download_mbps: str | None = None,
    x: str | None = None,
    y: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    sheet: str | None = None,
    where: str | None = None,
    encoding: str | None = None,
    timezone: str = LOCAL_TIMEZONE,
    communes: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Read one file of measurements (tests) into the standard frame.

    Parameters
    ----------
    path
        CSV/TSV/XLSX (with ``x``/``y`` columns), GeoPackage or other vector file, or
        GeoParquet, of points.
    working_crs
        The metric CRS of the analysis; the result is in it.
    carrier, technology
        A column name, or a fixed value for the whole file (``Viettel``, ``4G``). A value
        that is no column but close to one is an error (a misspelt column).
    signal
        Column of the signal level in dBm (RSSI 2G, RSCP 3G, RSRP 4G, SS-RSRP 5G); ``None``
        for speed tests only.
    time
        Column of the test time: ISO 8601 or a spreadsheet date, local time (``timezone``)
        unless an offset is given (:func:`coverage_gaps.io.values.parse_times`).
    download_mbps
        Optional column of the download speed in Mbps.
    x, y, crs
        Coordinate columns of a table and their CRS (default EPSG:4326); for a vector file
        ``crs`` overrides a missing ``.prj``.
    layer, sheet, where, encoding
        As for the other inputs.
    communes
        Communes in ``working_crs``: tests outside every one are dropped with a warning
        (see :func:`drop_tests_outside`).

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`MEASUREMENT_COLUMNS` and the points, in ``working_crs``, in file order.

    Raises
    ------
    InputDataError
        Naming every bad row (see the module docstring).

    Examples
    --------
    >>> tests = load_measurements(Path("drive.csv"), working_crs=CRS(32648), carrier="Viettel",
    ...                           signal="rsrp", time="timestamp", x="lon", y="lat")  # doctest: +SKIP
    """
    src = str(path)
    is_table = path.suffix.lower() in _TABLE_SUFFIXES
    frame, xy, table_crs, problems = _read_points(
        path, x=x, y=y, crs=crs, layer=layer, sheet=sheet, where=where, encoding=encoding
    )
    if problems:
        raise InputDataError(problems)
    wanted = {"signal": signal, "time": time, "download_mbps": download_mbps}
    problems = missing_columns(frame, wanted, source=src, section="measurements")
    label = _labeller(is_table)
    carriers, found = _fixed_or_column(frame, carrier, "carrier", normalise_carrier, src, label)
    techs, more = _fixed_or_column(
        frame, technology, "technology", normalise_technology, src, label
    )
    if problems + found + more:
        raise InputDataError(problems + found + more)
    values, problems = _measured_values(
        frame, signal=signal, download_mbps=download_mbps, source=src, label=label
    )
    times = parse_times(frame[time], timezone=timezone)
    problems += _time_problems(frame[time], times, column=time, source=src, label=label)
    problems += _point_problems(xy, source=src, label=label, x=x, y=y, crs=table_crs)
    if problems:
        raise InputDataError(problems)
    rows = np.arange(len(frame), dtype=np.int64) + (2 if is_table else 1)
    tests = _standard_frame(
        xy, table_crs, working_crs, source=path.name, rows=rows, carriers=carriers,
        technologies=techs, values=values, times=times,
    )  # fmt: skip
    if communes is not None:
        tests = drop_tests_outside(tests, communes, source=src, table=is_table)
    return tests


def _read_points(
    path: Path,
    *,
    x: str | None,
    y: str | None,
    crs: str | None,
    layer: str | None,
    sheet: str | None,
    where: str | None,
    encoding: str | None,
) -> tuple[pd.DataFrame, np.ndarray, CRS, list[Problem]]:
    """The attribute frame, the coordinates as read (``(n, 2)``, NaN where missing),
    their CRS, and the problems."""
    src = str(path)
    if path.suffix.lower() in _TABLE_SUFFIXES:
        df = read_table(path, role="measurement", sheet=sheet, encoding=encoding)
        problems = missing_columns(df, {"x": x, "y": y}, source=src, section="measurements")
        if x is None or y is None:
            problems.append(
                Problem(
                    src,
                    "measurements",
                    "a table of tests needs its coordinate columns.",
                    "add 'x:' and 'y:' (e.g. x: lon, y: lat) and 'crs:' to the measurements.",
                )
            )
        given, problem = parse_crs(crs or "EPSG:4326", source=src, where="measurements.crs")
        problems += [problem] if problem else []
        if problems or given is None:
            return df, np.empty((0, 2)), CRS(4326), problems
        assert x is not None and y is not None
        xy = np.column_stack([parse_coordinates(df[x]), parse_coordinates(df[y])])
        return df, xy, given, []
    gdf = read_vector(
        path, role="measurement", layer=layer, where=where, crs=crs, encoding=encoding
    )
    geoms = gdf.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    problems = []
    other = np.flatnonzero(kinds > 0)  # points are 0, missing -1 (reported with the coordinates)
    if other.size:
        problems.append(
            Problem(
                src,
                _labeller(False)(other),
                f"{other.size} feature(s) are not points; a measurement is a point.",
                "check that the right file or layer is given; reduce tracks to their points.",
            )
        )
    xy = np.full((len(geoms), 2), np.nan)
    points = kinds == 0
    xy[points] = shapely.get_coordinates(geoms[points])[: int(points.sum())]
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return frame, xy, CRS.from_user_input(gdf.crs), problems


def _labeller(table: bool) -> Callable[[np.ndarray], str]:
    """Rows named as a user finds them: spreadsheet lines or feature numbers."""

    def label(rows: np.ndarray) -> str:
        names = [f"row {i + 2}" if table else f"feature {i + 1}" for i in rows[:10]]
        more = f" and {rows.size - 10} more" if rows.size > 10 else ""
        return ", ".join(names) + more

    return label


def _fixed_or_column(
    frame: pd.DataFrame,
    value: str,
    key: str,
    normalise: Callable[[object], str],
    source: str,
    label: Callable[[np.ndarray], str],
) -> tuple[pd.Categorical, list[Problem]]:
    """Normalised values of a column, or one fixed value repeated (as categories)."""
    if value not in frame.columns:
        close = difflib.get_close_matches(value, [str(c) for c in frame.columns], n=1, cutoff=0.8)
        try:
            fixed = normalise(value)
        except ValueError:
            fixed = None
        if fixed is None or close:
            hint = f"did you mean column '{close[0]}'?" if close else "name a column or a value."
            what = f"'{value}' is neither a column nor a known {key}."
            return _categorical(np.empty(0, dtype=np.int8), []), [
                Problem(source, f"measurements.{key}", what, hint)
            ]
        return _categorical(np.zeros(len(frame), dtype=np.int8), [fixed]), []
    codes, distinct = pd.factorize(frame[value])
    names: list[str | None] = []
    for text in distinct:  # a handful of distinct names
        try:
            names.append(normalise(text) if str(text).strip() else None)
        except ValueError:
            names.append(None)
    categories = sorted({n for n in names if n is not None})
    lookup = np.array([categories.index(n) if n is not None else -1 for n in names] + [-1])
    out = _categorical(lookup[codes], categories or ["?"])
    bad = np.flatnonzero(lookup[codes] < 0)
    if not bad.size:
        return out, []
    labels = sorted({str(t) for t, n in zip(distinct, names, strict=True) if n is None})
    what = f"{bad.size} row(s) have an empty or unknown {key} in column '{value}'"
    what += f" ({list_items(labels)})." if labels else "."
    fix = (
        "write 2G, 3G, 4G or 5G (GSM, UMTS, LTE and NR are understood too)."
        if key == "technology"
        else "write the carrier's name (Viettel, VNPT, MobiFone, ...) or its network code."
    )
    return out, [Problem(source, f"column '{value}', {label(bad)}", what, fix)]


def _categorical(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    """Categories from codes (-1 missing): cheap for a million rows of a few names."""
    # pandas-stubs type a categorical built from codes by its codes' type (int)
    return cast(
        pd.Categorical, pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))
    )


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numbers (decimal point or comma, a Unicode minus, a unit after) and the rows whose
    cell is filled but not a number."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(values), dtype=bool)
    text = values.astype("string").str.strip()
    cleaned = (
        text.str.replace("−", "-", regex=False)
        .str.replace(",", ".", regex=False)
        .str.replace(r"\s*(?:dbm|mbps)$", "", case=False, regex=True)
    )
    out = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    filled = (text.fillna("") != "").to_numpy(dtype=bool)
    return out, filled & ~np.isfinite(out)


def _measured_values(
    frame: pd.DataFrame,
    *,
    signal: str | None,
    download_mbps: str | None,
    source: str,
    label: Callable[[np.ndarray], str],
) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """``signal_dbm`` and ``download_mbps``, checked."""
    n = len(frame)
    problems: list[Problem] = []
    dbm, speed = np.full(n, np.nan), np.full(n, np.nan)
    if signal is not None:
        dbm, text = _numbers(frame[signal])
        checks = [
            (text, "the signal is not a number.", "write the level in dBm, e.g. -97."),
            (
                dbm >= _SIGNAL_MAX_DBM,
                "the signal is 0 or positive, so not in dBm (mW or ASU?); a phone receives "
                "-44 to -140 dBm.",
                "convert to dBm (10 × log10(mW); RSRP = ASU - 140), and leave a cell empty "
                "when there was no reading.",
            ),
            (
                dbm < _SIGNAL_MIN_DBM,
                f"the signal is below {_SIGNAL_MIN_DBM:.0f} dBm, weaker than any phone can "
                "measure: not in dBm?",
                "give the signal in dBm (RSSI 2G, RSCP 3G, RSRP 4G, SS-RSRP 5G).",
            ),
        ]
        problems += _row_problems(checks, column=signal, source=source, label=label)
    if download_mbps is not None:
        speed, text = _numbers(frame[download_mbps])
        checks = [
            (text, "the download speed is not a number.", "write it in Mbps, e.g. 12.5."),
            (speed < 0, "the download speed is negative.", "write it in Mbps, e.g. 12.5."),
            (
                speed > _MAX_MBPS,
                f"the download speed is above {_MAX_MBPS:,.0f} Mbps: kbps?",
                "divide kbps by 1000 to give Mbps.",
            ),
        ]
        problems += _row_problems(checks, column=download_mbps, source=source, label=label)
    nothing = ~np.isfinite(dbm) & ~np.isfinite(speed)
    if not problems and nothing.any():
        rows = np.flatnonzero(nothing)
        problems.append(
            Problem(
                source,
                label(rows),
                f"{rows.size} row(s) measured nothing: no signal and no download speed.",
                "fill in the measurement or delete the rows.",
            )
        )
    return {"signal_dbm": dbm, "download_mbps": speed}, problems


def _row_problems(
    checks: list[tuple[np.ndarray, str, str]],
    *,
    column: str,
    source: str,
    label: Callable[[np.ndarray], str],
) -> list[Problem]:
    out = []
    for mask, what, fix in checks:
        rows = np.flatnonzero(mask)
        if rows.size:
            out.append(
                Problem(
                    source, f"column '{column}', {label(rows)}", f"{rows.size} row(s): {what}", fix
                )
            )
    return out


def _time_problems(
    raw: pd.Series,
    times: pd.Series,
    *,
    column: str,
    source: str,
    label: Callable[[np.ndarray], str],
) -> list[Problem]:
    """Missing, unreadable and implausibly early times."""
    missing = (
        raw.isna().to_numpy() | (raw.astype("string").str.strip() == "").fillna(True).to_numpy()
    )
    unread = times.isna().to_numpy() & ~missing
    early = (times < _EARLIEST).fillna(False).to_numpy(dtype=bool)
    fix = (
        "write ISO 8601 times with the date, e.g. 2025-10-03 14:30 (local time) or "
        "2025-10-03T14:30+07:00, or keep spreadsheet date cells."
    )
    examples = list_items([str(v) for v in pd.unique(raw[unread].astype(str))], limit=3)
    checks = [
        (
            missing,
            "no time; every test needs its date and time (the rules count hours "
            "between failing tests).",
            fix,
        ),
        (unread, f"the time is not ISO 8601 nor a spreadsheet date ({examples}).", fix),
        (early, "the time is before 2000: a number that is not a spreadsheet date?", fix),
    ]
    return _row_problems(checks, column=column, source=source, label=label)


def _point_problems(
    xy: np.ndarray,
    *,
    source: str,
    label: Callable[[np.ndarray], str],
    x: str | None,
    y: str | None,
    crs: CRS,
) -> list[Problem]:
    """Missing coordinates, and longitudes/latitudes out of range (swapped or metres)."""
    missing = ~np.isfinite(xy).all(axis=1)
    where = f"columns '{x}'/'{y}', " if x and y else ""
    if missing.any():
        rows = np.flatnonzero(missing)
        return [
            Problem(
                source,
                where + label(rows),
                f"{rows.size} test(s) have no coordinates (missing, empty or not numbers).",
                "fill in decimal coordinates or delete the rows.",
            )
        ]
    if not crs.is_geographic or not len(xy):
        return []
    xs, ys = xy[:, 0], xy[:, 1]
    wrong = (np.abs(xs) > 180) | (np.abs(ys) > 90)
    if not wrong.any():
        return []
    rows = np.flatnonzero(wrong)
    swapped = bool(np.all((np.abs(xs[rows]) <= 90) & (np.abs(ys[rows]) <= 180)))
    fix = (
        "exchange 'x' and 'y' in the project file."
        if swapped
        else f"give the CRS of the coordinates ('crs:'); {crs.to_string()} is in degrees."
    )
    return [
        Problem(
            source,
            where + label(rows),
            f"{rows.size} test(s) have coordinates outside the longitude/latitude range.",
            fix,
        )
    ]


def _standard_frame(
    xy: np.ndarray,
    crs: CRS,
    working_crs: CRS,
    *,
    source: str,
    rows: np.ndarray,
    carriers: pd.Categorical,
    technologies: pd.Categorical,
    values: dict[str, np.ndarray],
    times: pd.Series,
) -> gpd.GeoDataFrame:
    to_work = Transformer.from_crs(crs, working_crs, always_xy=True)
    to_lonlat = Transformer.from_crs(crs, CRS(4326), always_xy=True)
    wx, wy = to_work.transform(xy[:, 0], xy[:, 1])
    lon, lat = to_lonlat.transform(xy[:, 0], xy[:, 1])
    frame = pd.DataFrame(
        {
            "source": _categorical(np.zeros(len(rows), dtype=np.int8), [source]),
            "row": rows,
            "carrier": carriers,
            "technology": technologies,
            "signal_dbm": values["signal_dbm"],
            "download_mbps": values["download_mbps"],
            "time_utc": times.reset_index(drop=True),
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=shapely.points(wx, wy), crs=working_crs)


def combine_measurements(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The tests of several files in one frame, in the order given, keeping the text columns
    as categories (a plain ``pandas.concat`` turns categories that differ into text).

    Examples
    --------
    >>> a = gpd.GeoDataFrame({"carrier": pd.Categorical(["Viettel"])},
    ...                      geometry=shapely.points([0.0], [0.0]), crs=32648)
    >>> b = gpd.GeoDataFrame({"carrier": pd.Categorical(["VNPT"])},
    ...                      geometry=shapely.points([1.0], [1.0]), crs=32648)
    >>> both = combine_measurements([a, b])
    >>> both["carrier"].dtype.name, both["carrier"].tolist()
    ('category', ['Viettel', 'VNPT'])
    """
    if len(frames) == 1:
        return frames[0]
    out = pd.concat(frames, ignore_index=True)
    for column in ("source", "carrier", "technology"):
        parts = [f[column] for f in frames if column in f]
        if len(parts) == len(frames) and all(
            isinstance(p.dtype, pd.CategoricalDtype) for p in parts
        ):
            out[column] = union_categoricals([p.array for p in parts])
    return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=frames[0].crs)


def drop_tests_outside(
    tests: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, *, source: str, table: bool = True
) -> gpd.GeoDataFrame:
    """Keep the tests inside a commune (or on its edge); warn about the others.

    A drive-test file that goes beyond the study area is normal, so tests outside every
    commune are dropped with a :class:`CoverageGapsWarning`; if no test at all is inside,
    the coordinates are surely wrong and it is an :class:`InputDataError`.

    Vectorised: the communes' boxes are queried from a tree of the tests, so the pairs come
    grouped by commune and each commune is tested against its points in one pass (fast on
    1 million tests: see ``benchmarks/evidence.py``).

    Examples
    --------
    >>> import shapely
    >>> c = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=32648)
    >>> t = gpd.GeoDataFrame({"row": [2, 3]}, geometry=shapely.points([5, 50], [5, 5]), crs=32648)
    >>> from coverage_gaps import collect_warnings
    >>> with collect_warnings() as found:
    ...     kept = drop_tests_outside(t, c, source="t.csv")
    >>> kept["row"].tolist(), [p.where for p in found]
    ([2], ['row 3'])
    """
    pts = tests.geometry.to_numpy()
    xs, ys = shapely.get_x(pts), shapely.get_y(pts)
    polys = communes.geometry.to_numpy()
    shapely.prepare(polys)
    ci, ti = shapely.STRtree(pts).query(polys)
    hit = shapely.intersects_xy(polys[ci], xs[ti], ys[ti])
    inside = np.zeros(len(pts), dtype=bool)
    inside[ti[hit]] = True
    if inside.all():
        return tests
    rows = np.flatnonzero(~inside)
    label = _labeller(table)
    if not inside.any():
        raise InputDataError(
            [
                Problem(
                    source,
                    "",
                    "no test falls inside any commune of the study area.",
                    "check the 'x'/'y' columns (swapped?) and 'crs:' of the measurements.",
                )
            ]
        )
    warn_problem(
        Problem(
            source,
            label(rows),
            f"{rows.size} of {len(pts)} test(s) are outside every commune; they are left out.",
            "nothing to do if the tests go beyond the study area; otherwise check their "
            "coordinates.",
        )
    )
    return tests[inside].reset_index(drop=True)


# --------------------------------------------------------------------------- Ookla open data

#: Columns of Ookla's open-data tiles (github.com/teamookla/ookla-open-data, CC BY-NC-SA 4.0).
OOKLA_COLUMNS = ["quadkey", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices"]


def quadkey_bounds(quadkeys: pd.Series) -> np.ndarray:
    """Longitude/latitude bounds ``(west, south, east, north)`` of web-Mercator quadkeys.

    Vectorised over the digits: a quadkey of zoom z has z digits 0-3, each giving one bit
    of the tile's x (digit & 1) and y (digit >> 1), most significant first. Rows whose
    quadkey is not 1-23 digits 0-3 are NaN.

    Examples
    --------
    >>> quadkey_bounds(pd.Series(["0", "3", "132"])).round(3).tolist()
    [[-180.0, 0.0, 0.0, 85.051], [0.0, -85.051, 180.0, 0.0], [90.0, 0.0, 135.0, 40.98]]
    """
    text = quadkeys.astype("string").str.strip().fillna("")
    ok = text.str.fullmatch(r"[0-3]{1,23}").fillna(False).to_numpy(dtype=bool)
    zoom = np.where(ok, text.str.len().to_numpy(dtype=np.int64, na_value=0), 0)
    width = int(zoom.max()) if ok.any() else 1
    padded = np.where(
        ok, text.str.pad(width, side="right", fillchar="0").to_numpy(dtype=str), "0" * width
    )
    raw = np.frombuffer(padded.astype(f"S{width}").tobytes(), dtype=np.uint8)
    digits = raw.reshape(len(padded), width).astype(np.int64) - ord("0")
    weight = np.left_shift(1, np.arange(width - 1, -1, -1, dtype=np.int64))
    tx = (digits & 1) @ weight >> (width - zoom)
    ty = (digits >> 1) @ weight >> (width - zoom)
    n = np.left_shift(1, zoom).astype(float)
    west, east = tx / n * 360.0 - 180.0, (tx + 1) / n * 360.0 - 180.0
    north = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * ty / n))))
    south = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * (ty + 1) / n))))
    out = np.column_stack([west, south, east, north])
    out[~ok] = np.nan
    return out


def load_ookla_tiles(path: Path, *, layer: str | None = None) -> pd.DataFrame:
    """Ookla open-data performance tiles (Parquet, shapefile, GeoPackage or CSV).

    Returns ``quadkey``, ``download_mbps``, ``upload_mbps``, ``latency_ms``, ``tests``,
    ``devices`` and the tile's bounds ``west, south, east, north`` (degrees), computed from
    the quadkey (any geometry or WKT ``tile`` in the file is not needed). The data are
    licensed CC BY-NC-SA 4.0: non-commercial use, with attribution to Ookla.

    Raises
    ------
    InputDataError
        Missing columns, quadkeys that are not digits 0-3, or unreadable files.
    """
    src = str(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = _read_parquet_table(path)
    elif suffix in _TABLE_SUFFIXES:
        frame = read_table(path, role="Ookla tiles", text_columns=["quadkey"])
    else:
        gdf = read_vector(path, role="Ookla tiles", layer=layer, crs="EPSG:4326")
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    problems = missing_columns(frame, {c: c for c in OOKLA_COLUMNS}, source=src, section="ookla")
    if problems:
        raise InputDataError(problems)
    bounds = quadkey_bounds(frame["quadkey"])
    bad = np.flatnonzero(~np.isfinite(bounds[:, 0]))
    if bad.size:
        raise InputDataError(
            [
                Problem(
                    src,
                    f"column 'quadkey', {_labeller(suffix in _TABLE_SUFFIXES)(bad)}",
                    f"{bad.size} quadkey(s) are not 1-23 digits 0-3.",
                    "read the quadkey column as text (leading zeros matter).",
                )
            ]
        )
    out = pd.DataFrame(
        {
            "quadkey": frame["quadkey"].astype(str).str.strip().to_numpy(),
            "download_mbps": pd.to_numeric(frame["avg_d_kbps"], errors="coerce").to_numpy()
            / 1000.0,
            "upload_mbps": pd.to_numeric(frame["avg_u_kbps"], errors="coerce").to_numpy() / 1000.0,
            "latency_ms": pd.to_numeric(frame["avg_lat_ms"], errors="coerce").to_numpy(),
            "tests": pd.to_numeric(frame["tests"], errors="coerce").to_numpy(),
            "devices": pd.to_numeric(frame["devices"], errors="coerce").to_numpy(),
        }
    )
    out[["west", "south", "east", "north"]] = bounds
    return out


def _read_parquet_table(path: Path) -> pd.DataFrame:
    """A plain Parquet table (Ookla's is not GeoParquet: its ``tile`` is WKT text)."""
    if not path.exists():
        raise InputDataError(
            [Problem(str(path), "", "the Ookla tiles file does not exist.", "check the path.")]
        )
    try:
        try:
            return pd.read_parquet(path, columns=OOKLA_COLUMNS)
        except (ValueError, KeyError):  # a column is missing: read all, to name it
            return pd.read_parquet(path)
    except ImportError:
        raise InputDataError(
            [
                Problem(
                    str(path),
                    "",
                    "reading Parquet needs the optional package pyarrow.",
                    "install coverage-gaps[parquet].",
                )
            ]
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise InputDataError(
            [
                Problem(
                    str(path),
                    "",
                    f"cannot be read as Ookla tiles ({' '.join(str(exc).split())}).",
                    f"give the Parquet file as published, with columns {', '.join(OOKLA_COLUMNS)}.",
                )
            ]
        ) from None

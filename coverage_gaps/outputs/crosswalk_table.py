"""``coverage-gaps crosswalk``: add 2025 commune codes to a table keyed by pre-2025 codes or
old addresses, and write it (CSV or XLSX, formula-safe, atomically)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import InputDataError, Problem, collect_warnings
from ..analysis.crs import choose_working_crs
from ..config.project import TABLE_SUFFIXES
from ..io.atomic import atomic_file
from ..io.checks import closest
from ..io.readers import read_table, read_vector
from ..io.values import parse_coordinates
from ..io.writers import write_csv, write_xlsx
from ..vietnam.crosswalk import (
    Crosswalk,
    compare_crosswalks,
    convert_codes,
    old_codes_from_addresses,
)
from ..vietnam.vn2000 import resolve_crs

__all__ = ["CrosswalkReport", "convert_table_codes"]

#: Methods whose rows got no 2025 code.
UNCONVERTED = ("unresolved", "unknown")


@dataclass
class CrosswalkReport:
    """What :func:`convert_table_codes` did."""

    output: Path
    rows: int
    counts: dict[str, int]
    mapping: str
    #: table row numbers (the header is row 1) that got no 2025 code
    unconverted_rows: list[int] = field(default_factory=list)
    agreement: str | None = None
    compared_with: str | None = None
    warnings: list[Problem] = field(default_factory=list)

    def messages(self) -> list[tuple[str, bool]]:
        """What to tell the user, line by line, each with whether it is a warning."""
        lines = [(f"warning: {issue}", True) for issue in self.warnings]
        counts = ", ".join(f"{n} {method}" for method, n in self.counts.items())
        lines.append((f"{self.rows} rows, mapping: {self.mapping}: {counts}", False))
        lost = self.unconverted_rows
        if lost:
            rows = ", ".join(map(str, lost[:20])) + (" ..." if len(lost) > 20 else "")
            lines.append((
                f"warning: {len(lost)} row(s) not converted (unresolved split communes or "
                f"unknown codes), table rows {rows}; see crosswalk_method and "
                "crosswalk_candidates.",
                True,
            ))  # fmt: skip
        if self.agreement is not None:
            lines.append((f"agreement with {self.compared_with}: {self.agreement}", False))
        lines.append((f"written: {self.output}", False))
        return lines


@dataclass(frozen=True)
class CommuneSource:
    """2025 commune polygons used to choose among the successors of a split commune."""

    path: Path
    layer: str | None = None
    where: str | None = None
    id: str = "code"


def convert_table_codes(
    table: Path,
    output: Path,
    *,
    code_column: str | None = None,
    address_column: str | None = None,
    x: str | None = None,
    y: str | None = None,
    crs: str = "EPSG:4326",
    communes: CommuneSource | None = None,
    mapping: Path | None = None,
    compare: Path | None = None,
    max_snap_m: float = 0.0,
    sheet: str | None = None,
    encoding: str = "auto",
) -> CrosswalkReport:
    """Add ``commune_code_pre2025``, ``commune_code_2025``, ``commune_name_2025``,
    ``crosswalk_method`` and ``crosswalk_candidates`` to ``table``; write it to ``output``.

    An old commune that went whole into one new commune gets its code; one that was split
    gets the successor containing the row's point (``x``/``y`` columns in ``crs``, or the
    geometry of a vector table), chosen among ``communes`` polygons when given.

    Raises
    ------
    InputDataError
        A column is missing, the CRS is unknown, a file cannot be read.

    Examples
    --------
    >>> convert_table_codes(Path("v2024.xlsx"), Path("v2025.xlsx"), code_column="ma_xa")  # doctest: +SKIP
    """
    if code_column is None and address_column is None:
        raise ValueError("give code_column or address_column")
    with collect_warnings() as found:
        df = _read_rows(table, [code_column, address_column, x, y], sheet=sheet, encoding=encoding)
        codes = _old_codes(df, code_column, address_column)
        points = _points(df, x, y, crs=crs, source=str(table))
        polygons = _commune_polygons(communes) if communes is not None else None
        if polygons is not None and points is not None:
            metric = choose_working_crs(polygons)
            polygons, points = polygons.to_crs(metric), points.to_crs(metric)
        elif points is not None:
            points = points.to_crs(4326)
        cw = Crosswalk.from_file(mapping) if mapping else Crosswalk.from_package()
        result = convert_codes(
            codes, cw, points=points, communes=polygons,
            max_snap_m=max_snap_m if polygons is not None else 0.0,
        )  # fmt: skip
        _write(_with_codes(df, result), output)
    lost = np.flatnonzero(result["method"].isin(UNCONVERTED).to_numpy())
    counts = result["method"].value_counts()
    return CrosswalkReport(
        output=output,
        rows=len(result),
        counts={str(m): int(counts[m]) for m in counts.index},
        mapping=str(cw.source),
        unconverted_rows=[int(i) + 2 for i in lost],
        agreement=str(compare_crosswalks(Crosswalk.from_file(compare), cw)) if compare else None,
        compared_with=compare.name if compare else None,
        warnings=found,
    )


def _read_rows(
    table: Path, columns: list[str | None], *, sheet: str | None, encoding: str
) -> pd.DataFrame:
    """The table (or vector layer), checked to hold every named column."""
    if table.suffix.lower() in TABLE_SUFFIXES:
        text = [c for c in columns[:2] if c]
        df = read_table(table, role="input", sheet=sheet, text_columns=text, encoding=encoding)
    else:
        df = read_vector(table, role="input", encoding=None)
    options = ("--code", "--address", "--x", "--y")
    missing = [
        Problem(str(table), opt, f"column '{col}' is not in the table.", closest(col, df.columns))
        for opt, col in zip(options, columns, strict=True)
        if col is not None and col not in df.columns
    ]
    if missing:
        raise InputDataError(missing)
    return df


def _old_codes(df: pd.DataFrame, code_column: str | None, address_column: str | None) -> pd.Series:
    """Old commune codes; where empty, parsed from the old address."""
    codes = (
        df[code_column].astype("string")
        if code_column
        else pd.Series(pd.NA, index=df.index, dtype="string")
    )
    if address_column:
        empty = (codes.isna() | (codes.str.strip() == "")).to_numpy()
        codes = codes.copy()
        codes[empty] = old_codes_from_addresses(df.loc[empty, address_column]).to_numpy()
    return codes


def _points(
    df: pd.DataFrame, x: str | None, y: str | None, *, crs: str, source: str
) -> gpd.GeoSeries | None:
    """The row's point: x/y columns in ``crs``, or a point on a vector table's geometry."""
    if x and y:
        try:
            point_crs = resolve_crs(crs)
        except ValueError as exc:
            raise InputDataError(
                [Problem(source, "--crs", f"{exc}.", "use an EPSG code or a VN-2000 name.")]
            ) from None
        xs, ys = parse_coordinates(df[x]), parse_coordinates(df[y])
        ok = np.isfinite(xs) & np.isfinite(ys)
        pts = np.where(ok, shapely.points(np.where(ok, xs, 0), np.where(ok, ys, 0)), None)
        return gpd.GeoSeries(pts, crs=point_crs)
    if isinstance(df, gpd.GeoDataFrame):
        return gpd.GeoSeries(df.geometry.representative_point().to_numpy(), crs=df.crs)
    return None


def _commune_polygons(source: CommuneSource) -> gpd.GeoDataFrame:
    layer = read_vector(source.path, role="commune", layer=source.layer, where=source.where)
    if source.id not in layer.columns:
        raise InputDataError(
            [
                Problem(
                    str(source.path),
                    "--communes-id",
                    f"column '{source.id}' is not in the layer.",
                    closest(source.id, layer.columns),
                )
            ]
        )
    return gpd.GeoDataFrame(
        {"commune_id": layer[source.id].astype(str).str.strip().to_numpy()},
        geometry=layer.geometry.to_numpy(),
        crs=layer.crs,
    )


def _with_codes(df: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(df.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    out["commune_code_pre2025"] = result["old_code"].to_numpy()
    out["commune_code_2025"] = result["new_code"].to_numpy()
    out["commune_name_2025"] = result["new_name"].to_numpy()
    out["crosswalk_method"] = result["method"].to_numpy()
    out["crosswalk_candidates"] = result["candidates"].to_numpy()
    return out


def _write(table: pd.DataFrame, output: Path) -> None:
    """CSV (UTF-8 with BOM) or XLSX by the suffix; formula-safe; atomic."""
    with atomic_file(output) as tmp:
        if output.suffix.lower() in (".xlsx", ".xlsm"):
            write_xlsx(tmp, {"Sheet1": table})
        else:
            write_csv(table, tmp)

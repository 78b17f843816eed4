"""``coverage-gaps crosswalk``: pre-2025 commune codes (or old addresses) to 2025 codes."""

from __future__ import annotations

from pathlib import Path

import click

_TABLES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")


@click.command(short_help="Convert pre-2025 commune codes or addresses to 2025 codes.")
@click.argument("table", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--code", "code_col", default=None, help="Column with the old commune codes.")
@click.option(
    "--address",
    "address_col",
    default=None,
    help="Column with old addresses ('Xã Hà Châu, Huyện Phú Bình, Tỉnh Thái Nguyên'), "
    "used where --code is empty or not given.",
)
@click.option("--x", "x_col", default=None, help="Column with the x coordinate (longitude).")
@click.option("--y", "y_col", default=None, help="Column with the y coordinate (latitude).")
@click.option(
    "--crs",
    default="EPSG:4326",
    show_default=True,
    help="CRS of --x/--y: an EPSG code or a VN-2000 name such as 'VN-2000 TM-3 Thái Nguyên'.",
)
@click.option(
    "--communes",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="2025 commune polygons, to choose among the successors of a split commune by "
    "location (default: the nearest commune centre from vietnamadminunits).",
)
@click.option("--communes-layer", default=None, help="Layer of --communes.")
@click.option("--communes-where", default=None, help="OGR SQL filter on --communes.")
@click.option(
    "--communes-id", default="code", show_default=True, help="Commune code column of --communes."
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Mapping file: dvhcvn splits.json or merges.json, or a CSV with old_code,new_code "
    "(default: the vietnamadminunits package).",
)
@click.option(
    "--compare",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Also report how the mapping agrees with this reference mapping (same formats).",
)
@click.option(
    "--max-snap-m",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="With --communes: take the nearest successor within this distance (metres) when "
    "none contains the point.",
)
@click.option("--sheet", default=None, help="Sheet of an XLSX table.")
@click.option(
    "--encoding",
    default="auto",
    show_default=True,
    help="Text encoding of a CSV table: auto, utf-8, tcvn3, vni, viscii, cp1258.",
)
def crosswalk(
    table: Path,
    output: Path,
    code_col: str | None,
    address_col: str | None,
    x_col: str | None,
    y_col: str | None,
    crs: str,
    communes: Path | None,
    communes_layer: str | None,
    communes_where: str | None,
    communes_id: str,
    mapping: Path | None,
    compare: Path | None,
    max_snap_m: float,
    sheet: str | None,
    encoding: str,
) -> None:
    """Add 2025 commune codes to TABLE, keyed by pre-2025 commune codes or old
    addresses, and write it to OUTPUT (.csv or .xlsx).

    An old commune that went whole into one new commune gets its code. One that
    was split between several gets the one containing the row's point (--x/--y,
    or the geometry of a vector TABLE); rows it cannot resolve are listed. Added
    columns: commune_code_pre2025, commune_code_2025, commune_name_2025,
    crosswalk_method (unique, inside, nearest, centre, unresolved, unknown,
    missing) and crosswalk_candidates.

    \b
    Example (a village list of Thái Nguyên keyed by old codes, with surveyors'
    VN-2000 coordinates: their X is the northing, so --x Y --y X):
      coverage-gaps crosswalk villages_2024.xlsx villages_2025.xlsx \\
          --code ma_xa --x Y --y X --crs "VN-2000 TM-3 Thái Nguyên" \\
          --communes ../shared/geodata/vn_2025/wards_2025_north_full.gpkg \\
          --communes-where "provinceCode = '19'" \\
          --compare ../shared/geodata/crosswalk_2025/splits.json
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from .._errors import InputDataError, Problem
    from .._io import closest, parse_coordinates, read_table, read_vector
    from ..crosswalk import (
        Crosswalk,
        compare_crosswalks,
        convert_codes,
        old_codes_from_addresses,
    )
    from ..vn2000 import resolve_crs
    from . import UserError

    if code_col is None and address_col is None:
        raise click.UsageError("give --code (old commune codes) or --address (old addresses).")
    if (x_col is None) != (y_col is None):
        raise click.UsageError("give both --x and --y, or neither.")
    issues: list[Problem] = []
    src = str(table)
    is_table = table.suffix.lower() in _TABLES
    if is_table:
        text_cols = [c for c in (code_col, address_col) if c]
        df = read_table(
            table,
            role="input",
            sheet=sheet,
            text_columns=text_cols,
            encoding=encoding,
            issues=issues,
        )
    else:
        df = read_vector(table, role="input", encoding=None, issues=issues)
    wanted = {"--code": code_col, "--address": address_col, "--x": x_col, "--y": y_col}
    missing = [
        Problem(src, opt, f"column '{col}' is not in the table.", closest(col, df.columns))
        for opt, col in wanted.items()
        if col is not None and col not in df.columns
    ]
    if missing:
        raise InputDataError(missing)

    codes = (
        df[code_col].astype("string")
        if code_col
        else pd.Series(pd.NA, index=df.index, dtype="string")
    )
    if address_col:
        empty = codes.isna() | (codes.str.strip() == "")
        parsed = old_codes_from_addresses(df.loc[empty.to_numpy(), address_col])
        codes = codes.copy()
        codes[empty.to_numpy()] = parsed.to_numpy()

    points = None
    if x_col and y_col:
        try:
            point_crs = resolve_crs(crs)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        xs, ys = parse_coordinates(df[x_col]), parse_coordinates(df[y_col])
        ok = np.isfinite(xs) & np.isfinite(ys)
        pts = np.where(ok, shapely.points(np.where(ok, xs, 0), np.where(ok, ys, 0)), None)
        points = gpd.GeoSeries(pts, crs=point_crs)
    elif not is_table:
        points = gpd.GeoSeries(df.geometry.representative_point().to_numpy(), crs=df.crs)

    polygons = None
    if communes is not None:
        layer = read_vector(communes, role="communes", layer=communes_layer, where=communes_where)
        if communes_id not in layer.columns:
            raise InputDataError(
                [
                    Problem(
                        str(communes),
                        "--communes-id",
                        f"column '{communes_id}' is not in the layer.",
                        closest(communes_id, layer.columns),
                    )
                ]
            )
        polygons = gpd.GeoDataFrame(
            {"commune_id": layer[communes_id].astype(str).str.strip().to_numpy()},
            geometry=layer.geometry.to_numpy(),
            crs=layer.crs,
        )
        if points is not None:
            metric = polygons.estimate_utm_crs() if polygons.crs.is_geographic else polygons.crs
            polygons = polygons.to_crs(metric)
            points = points.to_crs(metric)
    elif points is not None:
        points = points.to_crs(4326)

    cw = Crosswalk.from_file(mapping) if mapping else Crosswalk.from_package()
    result = convert_codes(
        codes,
        cw,
        points=points,
        communes=polygons,
        max_snap_m=max_snap_m if polygons is not None else 0.0,
    )
    out = pd.DataFrame(df.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    out["commune_code_pre2025"] = result["old_code"].to_numpy()
    out["commune_code_2025"] = result["new_code"].to_numpy()
    out["commune_name_2025"] = result["new_name"].to_numpy()
    out["crosswalk_method"] = result["method"].to_numpy()
    out["crosswalk_candidates"] = result["candidates"].to_numpy()
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() in (".xlsx", ".xlsm"):
        out.to_excel(output, index=False)
    else:
        out.to_csv(output, index=False, encoding="utf-8-sig")

    for issue in issues:
        click.echo(f"warning: {issue}", err=True)
    counts = result["method"].value_counts()
    click.echo(
        f"{len(result)} rows, mapping: {cw.source}: "
        + ", ".join(f"{counts.get(m, 0)} {m}" for m in counts.index)
    )
    lost = np.flatnonzero(result["method"].isin(["unresolved", "unknown"]).to_numpy())
    if lost.size:
        rows = ", ".join(str(i + 2) for i in lost[:20]) + (" ..." if lost.size > 20 else "")
        click.echo(
            f"warning: {lost.size} row(s) not converted (unresolved split communes or unknown "
            f"codes), table rows {rows}; see crosswalk_method and crosswalk_candidates.",
            err=True,
        )
    if compare is not None:
        reference = Crosswalk.from_file(compare)
        click.echo(f"agreement with {compare.name}: {compare_crosswalks(reference, cw)}")
    click.echo(f"written: {output}")

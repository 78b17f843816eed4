"""``coverage-gaps crosswalk``: pre-2025 commune codes (or old addresses) to 2025 codes."""

from __future__ import annotations

from pathlib import Path

import click

from ..outputs.crosswalk_table import CommuneSource, convert_table_codes
from ._options import EXISTING_FILE


@click.command(short_help="Convert pre-2025 commune codes or addresses to 2025 codes.")
@click.argument("table", type=EXISTING_FILE)
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
    type=EXISTING_FILE,
    default=None,
    help="2025 commune polygons, to choose among the successors of a split commune by "
    "location (default: the nearest commune centre from vietnamadminunits).",
)
@click.option("--communes-layer", default=None, help="Layer of --communes.")
@click.option("--communes-where", default=None, help="OGR SQL filter on --communes.")
@click.option("--communes-id", default="code", show_default=True, help="Code column of --communes.")
@click.option(
    "--mapping",
    type=EXISTING_FILE,
    default=None,
    help="Mapping file: dvhcvn splits.json or merges.json, or a CSV with old_code,new_code "
    "(default: the vietnamadminunits package).",
)
@click.option(
    "--compare",
    type=EXISTING_FILE,
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
@click.option("--encoding", default="auto", show_default=True,
              help="Text encoding of a CSV table: auto, utf-8, tcvn3, vni, viscii, cp1258.")  # fmt: skip
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
    if code_col is None and address_col is None:
        raise click.UsageError("give --code (old commune codes) or --address (old addresses).")
    if (x_col is None) != (y_col is None):
        raise click.UsageError("give both --x and --y, or neither.")
    source = None
    if communes is not None:
        source = CommuneSource(communes, communes_layer, communes_where, communes_id)
    report = convert_table_codes(
        table, output, code_column=code_col, address_column=address_col, x=x_col, y=y_col,
        crs=crs, communes=source, mapping=mapping, compare=compare, max_snap_m=max_snap_m,
        sheet=sheet, encoding=encoding,
    )  # fmt: skip
    for line, is_warning in report.messages():
        click.echo(line, err=is_warning)

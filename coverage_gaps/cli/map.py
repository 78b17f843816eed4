"""``coverage-gaps map``."""

from __future__ import annotations

from pathlib import Path

import click

from ..outputs.maps import render_run_map
from ._options import lang_opt, map_assets_opt


@click.command("map", short_help="Re-render map.html of a finished run (no recomputing).")
@click.argument("run_folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@lang_opt
@map_assets_opt
def map_(run_folder: Path, lang: str | None, map_assets: str) -> None:
    """Write RUN_FOLDER/map.html again from the run's files (villages.gpkg,
    communes.gpkg, priority/*.gpkg, run.json with the coverage layers' paths). With
    several provinces: a national overview map.html and maps/<province_id>.html.
    The new checksums are recorded in run.json, so 'coverage-gaps verify' still passes.

    \b
    Example:
      coverage-gaps map outputs/thai-nguyen --lang en
      coverage-gaps map outputs/thai-nguyen --map-assets cdn
    """
    for path in render_run_map(run_folder, lang=lang, map_assets=map_assets):
        click.echo(str(path))

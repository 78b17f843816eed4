"""Options shared by several subcommands, defined once (as rasterio's ``rio`` does)."""

from __future__ import annotations

from pathlib import Path

import click

#: An existing file given on the command line.
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)

project_arg = click.argument(
    "project", type=click.Path(dir_okay=False, path_type=str), metavar="PROJECT.yml"
)

output_opt = click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Output folder (default: the project's 'output:').",
)

progress_opt = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress bars (default: when the terminal is interactive and not --quiet).",
)

lang_opt = click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default=None,
    help="Language of the lists, the report and the map (default: the project's or run's "
    "'language:', else vi).",
)

map_assets_opt = click.option(
    "--map-assets",
    type=click.Choice(["inline", "cdn"]),
    default="inline",
    show_default=True,
    help="How map.html gets Leaflet and its plug-ins: 'inline' writes them into the page, "
    "which then opens without internet (the basemap needs a connection); 'cdn' links them "
    "from cdn.jsdelivr.net (a smaller file that needs internet to open).",
)

engine_opt = click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default=None,
    help="Where to run: 'local' (this process) or 'dask' (partitions on a Dask cluster: a local "
    "one, or the project's 'engine.scheduler'; needs coverage-gaps[dask]). Default: the "
    "project's 'engine:', else local.",
)

jobs_opt = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes writing the provinces' reports and maps at once (default: the cores "
    "available; 1 writes them one after the other; the files are the same).",
)

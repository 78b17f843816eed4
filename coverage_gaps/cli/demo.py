"""``coverage-gaps demo``."""

from __future__ import annotations

from pathlib import Path

import click

from ..pipeline import run_project
from ..synthetic import generate_province
from ._common import echo_summary, progress_wanted
from ._options import map_assets_opt, progress_opt


@click.command(short_help="Generate a synthetic province and analyse it.")
@click.argument(
    "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs/demo")
)
@click.option(
    "--villages",
    "n_villages",
    type=click.IntRange(min=10),
    default=2000,
    show_default=True,
    help="Number of villages to generate.",
)
@click.option(
    "--seed",
    type=int,
    default=20250701,
    show_default=True,
    help="Random seed (same seed, same files).",
)
@click.option(
    "--communes",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Real commune boundaries to place the synthetic layers on (default: synthetic "
    "communes built around the real commune centres of Thái Nguyên).",
)
@click.option("--layer", default=None, help="Layer of --communes.")
@click.option(
    "--where", default=None, help="OGR SQL filter on --communes, e.g. \"provinceCode = '19'\"."
)
@click.option(
    "--id-column", default="code", show_default=True, help="Commune id column of --communes."
)
@click.option(
    "--name-column",
    default="fullName",
    show_default=True,
    help="Commune name column of --communes.",
)
@click.option(
    "--generate-only", is_flag=True, help="Write the inputs and project file, do not run."
)
@progress_opt
@map_assets_opt
@click.pass_context
def demo(
    ctx: click.Context,
    folder: Path,
    n_villages: int,
    seed: int,
    communes: Path | None,
    layer: str | None,
    where: str | None,
    id_column: str,
    name_column: str,
    generate_only: bool,
    progress: bool | None,
    map_assets: str,
) -> None:
    """Generate a realistic synthetic province in FOLDER/inputs (villages along
    valleys and roads, four carriers' 2G-5G coverage as rasters and polygons,
    fibre along roads), then run the whole analysis into FOLDER/results.

    Every generated layer is synthetic and the outputs say so.

    \b
    Example:
      coverage-gaps demo outputs/demo
      coverage-gaps demo outputs/tn --villages 3000 \\
          --communes ../shared/geodata/vn_2025/wards_2025_north_full.gpkg --where "provinceCode = '19'"
    """
    inputs = folder / "inputs"
    click.echo(
        f"Generating a synthetic province in {inputs} (seed {seed}, {n_villages} villages) ..."
    )
    project = generate_province(
        inputs,
        communes=communes,
        communes_layer=layer,
        communes_where=where,
        id_column=id_column,
        name_column=name_column,
        villages=n_villages,
        seed=seed,
    )
    click.echo(f"Project file: {project}")
    if generate_only:
        return
    result = run_project(
        project,
        output=folder / "results",
        progress=progress_wanted(ctx, progress),
        map_assets=map_assets,
    )
    echo_summary(result)

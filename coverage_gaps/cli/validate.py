"""``coverage-gaps validate``."""

from __future__ import annotations

import click

from ..config import load_config
from ..pipeline import load_inputs
from ._common import UserError
from ._options import project_arg


@click.command(short_help="Check every input; write nothing.")
@project_arg
@click.option(
    "--strict",
    is_flag=True,
    help="Treat warnings (repaired geometries, villages outside a raster, ...) as errors: exit 2.",
)
def validate(project: str, strict: bool) -> None:
    """Check PROJECT.yml and every input it names, and report every problem at
    once: missing files or columns, no CRS, invalid or empty geometries,
    duplicate ids, villages outside every commune, rasters that miss the
    villages or hold only nodata.

    Exit code 0 when the project can run, 2 when it cannot (or, with --strict,
    when there are warnings).

    \b
    Example:
      coverage-gaps validate thai-nguyen.yml
    """
    cfg = load_config(project)
    inputs = load_inputs(cfg)
    for issue in inputs.issues:
        click.echo(f"warning: {issue}", err=True)
    click.echo(
        f"{cfg.name}: {len(inputs.communes)} communes, {len(inputs.villages)} villages, "
        f"{len(inputs.layers)} coverage layers"
        + (", fibre" if inputs.fibre is not None else ", no fibre layer")
        + f"; working CRS {inputs.working_crs.name}."
    )
    if strict and inputs.issues:
        raise UserError(f"{len(inputs.issues)} warning(s) and --strict given.")
    click.echo("OK" if not inputs.issues else f"OK with {len(inputs.issues)} warning(s).")

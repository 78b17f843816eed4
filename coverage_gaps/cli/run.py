"""``coverage-gaps run``."""

from __future__ import annotations

import click

from ..pipeline import run_project
from ._common import echo_summary, progress_wanted
from ._options import (
    engine_opt,
    jobs_opt,
    lang_opt,
    map_assets_opt,
    output_opt,
    progress_opt,
    project_arg,
)


@click.command(short_help="Analyse a project and write the outputs.")
@project_arg
@output_opt
@lang_opt
@progress_opt
@map_assets_opt
@engine_opt
@jobs_opt
@click.pass_context
def run(
    ctx: click.Context,
    project: str,
    output: str | None,
    lang: str | None,
    progress: bool | None,
    map_assets: str,
    engine: str | None,
    jobs: int | None,
) -> None:
    """Run the whole analysis described by PROJECT.yml.

    Every input is checked first; if anything is wrong, every problem is listed
    and nothing is written (exit code 2). Outputs are written to a temporary
    folder and moved into place at the end, so an interrupted run never leaves
    half-written results.

    \b
    Example:
      coverage-gaps run thai-nguyen.yml
      coverage-gaps -v run thai-nguyen.yml --output outputs/tn-2025-11
      coverage-gaps run thai-nguyen.yml --map-assets cdn
      coverage-gaps run vietnam-households.yml --engine dask
      coverage-gaps run vietnam.yml --jobs 4
    """
    result = run_project(
        project,
        output=output,
        language=lang,
        progress=progress_wanted(ctx, progress),
        map_assets=map_assets,
        engine=engine,
        jobs=jobs,
    )
    echo_summary(result)

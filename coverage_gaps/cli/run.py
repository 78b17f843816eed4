"""``coverage-gaps run``."""

from __future__ import annotations

import sys

import click

from ._options import lang_opt, output_opt, progress_opt, project_arg


def _progress(ctx: click.Context, flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return ctx.obj.get("verbosity", 0) >= 0 and sys.stderr.isatty()


def echo_summary(result: object) -> None:
    """Print the headline figures and where the files are."""
    from ..pipeline import RunResult

    assert isinstance(result, RunResult)
    p = result.provinces
    cfg = result.config
    click.echo(
        f"{cfg.name}: {int(p['villages'].sum())} villages in {len(result.communes)} communes"
    )
    click.echo(
        f"  without 3G/4G/5G (gap_mobile): {int(p['villages_gap_mobile'].sum())} villages, "
        f"{int(p['population_gap_mobile'].sum())} people"
    )
    if cfg.fibre is not None:
        click.echo(
            f"  without fibre within {cfg.fibre.max_distance_m:g} m: "
            f"{int(p['villages_gap_fibre'].sum())} villages, {int(p['population_gap_fibre'].sum())} people"
        )
    click.echo(f"  without 4G: {int(p['villages_no_4g'].sum())} villages")
    if cfg.synthetic:
        click.echo("  NOTE: synthetic inputs (generated demo data), not real networks.")
    if result.output is not None:
        click.echo(f"Outputs: {result.output}")
        for name in (
            "map.html",
            "report.html",
            "priority/all_carriers.xlsx",
            "villages.gpkg",
            "villages.csv",
            "communes.gpkg",
            "communes.csv",
            "provinces.csv",
            "run.json",
        ):
            click.echo(f"  {result.output / name}")


@click.command(short_help="Analyse a project and write the outputs.")
@project_arg
@output_opt
@lang_opt
@progress_opt
@click.pass_context
def run(
    ctx: click.Context, project: str, output: str | None, lang: str | None, progress: bool | None
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
    """
    from dataclasses import replace

    from ..config import load_config
    from ..pipeline import run_project

    cfg = load_config(project)
    if lang is not None:
        cfg = replace(cfg, language=lang)
    result = run_project(cfg, output=output, progress=_progress(ctx, progress))
    echo_summary(result)

"""What the subcommands share besides options: error classes with exit codes, the
progress default and the summary printed after a run."""

from __future__ import annotations

import sys

import click

from ..results import RunResult

__all__ = ["InternalError", "UserError", "echo_summary", "progress_wanted"]

#: Files listed after a run, in order.
LISTED_OUTPUTS = (
    "map.html",
    "report.html",
    "report.docx",
    "priority/all_carriers.xlsx",
    "villages.gpkg",
    "villages.csv",
    "villages.parquet",  # instead of the two above for a table too large for them
    "communes.gpkg",
    "communes.csv",
    "provinces.csv",
    "run.json",
)


class UserError(click.ClickException):
    """A problem with the user's input: exit code 2, no traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


class InternalError(click.ClickException):
    """A bug: exit code 1."""

    exit_code = 1


def progress_wanted(ctx: click.Context, flag: bool | None) -> bool:
    """``--progress/--no-progress``, else on when stderr is a terminal and not ``-q``."""
    if flag is not None:
        return flag
    return bool(ctx.obj.get("verbosity", 0) >= 0 and sys.stderr.isatty())


def echo_summary(result: RunResult) -> None:
    """Print the headline figures and where the files are."""
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
    if result.planning is not None:
        s = result.planning.summary
        quality = "optimal" if s["optimal"] else f"within {100 * (s['gap'] or 0):.2f} % of optimal"
        click.echo(
            f"  where to build: {s['sites']} new sites cover {s['villages_covered']} villages, "
            f"{s['people_covered']:.0f} people ({s['method']}, {quality})"
        )
    if result.evidence is not None:
        levels = result.evidence.challenges["level"].value_counts()
        click.echo(
            f"  declared coverage challenged by measurements: {int(levels.get('village', 0))} "
            f"villages, {int(levels.get('h3', 0))} H3 cells"
        )
    if cfg.synthetic:
        click.echo("  NOTE: synthetic inputs (generated demo data), not real networks.")
    if result.output is not None:
        click.echo(f"Outputs: {result.output}")
        for name in LISTED_OUTPUTS:
            if (result.output / name).exists():  # report.docx is per province with several
                click.echo(f"  {result.output / name}")
        if result.planning is not None:
            click.echo(f"  {result.output / 'planning' / 'sites.xlsx'}")
        if result.evidence is not None:
            click.echo(f"  {result.output / 'challenges.xlsx'}")

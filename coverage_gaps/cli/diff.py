"""``coverage-gaps diff``."""

from __future__ import annotations

from pathlib import Path

import click

from ..outputs.diff import write_diff
from ._options import lang_opt


@click.command(short_help="Progress between two runs: newly covered, lost, still in gap.")
@click.argument("old_run", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("new_run", type=click.Path(exists=True, file_okay=False, path_type=Path))
@lang_opt
def diff(old_run: Path, new_run: Path, lang: str | None) -> None:
    """Compare the outputs of two runs (OLD_RUN before, NEW_RUN after) village by
    village: which villages were newly covered, newly lost or are still not covered,
    for the mobile gap (3G/4G/5G), fibre, each technology and each carrier layer.

    Writes NEW_RUN/diff/changes.csv and NEW_RUN/diff/summary.csv and adds a
    progress section to NEW_RUN/report.html.

    \b
    Example:
      coverage-gaps diff outputs/tn-2025-08 outputs/tn-2025-11
    """
    folder, summary = write_diff(old_run, new_run, lang=lang)
    mobile = summary.set_index("layer").loc["mobile"]
    click.echo(
        f"mobile (3G/4G/5G): {mobile['newly_covered']} villages newly covered, "
        f"{mobile['newly_lost']} newly lost, {mobile['still_not_covered']} still in the gap"
    )
    for row in summary.itertuples(index=False):
        if row.layer != "mobile":
            click.echo(
                f"  {row.layer}: +{row.newly_covered} / -{row.newly_lost} ({row.still_not_covered} not covered)"
            )
    only_old = summary.attrs.get("villages_only_in_old", 0)
    only_new = summary.attrs.get("villages_only_in_new", 0)
    if only_old or only_new:
        click.echo(
            f"warning: {only_new} village(s) only in NEW_RUN and {only_old} only in OLD_RUN are not "
            "compared (villages are matched by id).",
            err=True,
        )
    click.echo(f"Written: {folder / 'changes.csv'}, {folder / 'summary.csv'}; report updated.")

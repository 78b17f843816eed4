"""``coverage-gaps verify``."""

from __future__ import annotations

from pathlib import Path

import click

from ..io.runfolder import verify_run
from ._common import UserError


@click.command(short_help="Check a run's outputs (and inputs) against its run.json.")
@click.argument("run_folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify(run_folder: Path) -> None:
    """Re-compute the checksum of every output file of RUN_FOLDER and compare it with
    run.json; also say whether the inputs still match. Exit code 0 when every output
    matches, 2 when an output was changed, removed or added.

    \b
    Example:
      coverage-gaps verify outputs/thai-nguyen
    """
    report = verify_run(run_folder)
    for label, items in (("changed", report.changed), ("missing", report.missing),
                         ("not part of the run", report.extra)):  # fmt: skip
        for item in items:
            click.echo(f"output {label}: {item}", err=True)
    for item in report.inputs_changed:
        click.echo(f"input changed since the run: {item}", err=True)
    for item in report.inputs_missing:
        click.echo(f"input no longer there: {item}", err=True)
    if not report.ok:
        raise UserError(
            f"{run_folder}: {len(report.changed) + len(report.missing) + len(report.extra)} output file(s) "
            "differ from run.json. Fix: run the analysis again to regenerate them."
        )
    note = (
        ""
        if not (report.inputs_changed or report.inputs_missing)
        else " (but inputs have changed since)"
    )
    click.echo(f"OK: {report.outputs_checked} output files match run.json{note}.")

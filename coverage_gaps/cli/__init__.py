"""The ``coverage-gaps`` command line: a click group with one module per subcommand.

Exit codes: 0 success, 2 bad input or unusable output folder (the message says
which file, feature or key, and how to fix it), 1 internal error (a bug: rerun
with ``-v`` for the traceback and report it).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from .._errors import CoverageGapsError, InputDataError
from .._version import __version__
from ._common import InternalError, UserError
from .crosswalk import crosswalk
from .demo import demo
from .diff import diff
from .map import map_
from .run import run
from .validate import validate
from .verify import verify

__all__ = ["cli", "main"]

log = logging.getLogger("coverage_gaps")


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputDataError as exc:
            raise UserError(str(exc)) from None
        except CoverageGapsError as exc:
            raise UserError(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            log.debug("internal error", exc_info=True)
            raise InternalError(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in coverage-gaps. Rerun with -v to see the traceback, and report it."
            ) from None


def _setup_logging(verbosity: int) -> None:
    level = {-2: logging.ERROR, -1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        verbosity, logging.DEBUG if verbosity > 1 else logging.ERROR
    )
    logger = logging.getLogger("coverage_gaps")
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # pyogrio reports every write at INFO ("Created N records"): keep it for -vv
    logging.getLogger("pyogrio").setLevel(logging.DEBUG if verbosity > 1 else logging.WARNING)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v", "--verbose", count=True, help="More messages (-v info, -vv debug with tracebacks)."
)
@click.option("-q", "--quiet", count=True, help="Only errors.")
@click.version_option(__version__, prog_name="coverage-gaps")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Find villages without mobile signal (3G/4G/5G) or fibre, from commune
    boundaries, village lists and carriers' coverage layers.

    \b
    Example:
      coverage-gaps demo outputs/demo          # synthetic province, whole analysis
      coverage-gaps validate project.yml       # check every input, write nothing
      coverage-gaps run project.yml            # analyse and write the outputs
    """
    _setup_logging(verbose - quiet)
    ctx.ensure_object(dict)
    ctx.obj["verbosity"] = verbose - quiet


for _command in (run, validate, demo, crosswalk, diff, verify, map_):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="coverage-gaps")

"""Everything a run writes: tables, the carriers' lists, the report, the maps and the
progress between two runs. Labels in Vietnamese or English come from :mod:`.i18n`."""

from .diff import compare_runs, write_diff
from .files import write_outputs
from .maps import build_map, render_run_map, write_maps
from .planning import write_planning

__all__ = [
    "build_map",
    "compare_runs",
    "render_run_map",
    "write_diff",
    "write_maps",
    "write_outputs",
    "write_planning",
]

"""Loaders: each reads one kind of input, checks it (every problem collected) and returns
a standard frame or layer. No analysis happens here."""

from .candidates import budget_problems, load_candidates, place_in_communes
from .communes import load_communes
from .coverage import check_raster_sample, load_coverage_layer
from .fibre import load_fibre
from .measurements import (
    MEASUREMENT_COLUMNS,
    OOKLA_COLUMNS,
    combine_measurements,
    drop_tests_outside,
    load_measurements,
    load_ookla_tiles,
    quadkey_bounds,
)
from .sites import load_assignments, load_facilities, load_sites
from .sites_list import (
    COLUMN_ALIASES,
    SITE_LIST_COLUMNS,
    check_dem,
    load_site_list,
    read_site_layer,
    split_site_layer,
)
from .villages import load_villages, lon_lat_swapped

__all__ = [
    "COLUMN_ALIASES",
    "MEASUREMENT_COLUMNS",
    "OOKLA_COLUMNS",
    "budget_problems",
    "SITE_LIST_COLUMNS",
    "check_dem",
    "check_raster_sample",
    "combine_measurements",
    "drop_tests_outside",
    "load_assignments",
    "load_candidates",
    "load_communes",
    "load_coverage_layer",
    "load_facilities",
    "load_fibre",
    "load_measurements",
    "load_ookla_tiles",
    "load_site_list",
    "load_sites",
    "load_villages",
    "lon_lat_swapped",
    "place_in_communes",
    "quadkey_bounds",
    "read_site_layer",
    "split_site_layer",
]

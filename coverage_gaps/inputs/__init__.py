"""Loaders: each reads one kind of input, checks it (every problem collected) and returns
a standard frame or layer. No analysis happens here."""

from .communes import load_communes
from .coverage import check_raster_sample, load_coverage_layer
from .fibre import load_fibre
from .sites import load_assignments, load_facilities, load_sites
from .villages import load_villages, lon_lat_swapped

__all__ = [
    "check_raster_sample",
    "load_assignments",
    "load_communes",
    "load_coverage_layer",
    "load_facilities",
    "load_fibre",
    "load_sites",
    "load_villages",
    "lon_lat_swapped",
]

"""Coverage predicted from a site list: path loss by band, sector antennas, diffraction over
terrain, and the best-server raster (docs/PREDICTION.md)."""

from .antenna import DEFAULT_BEAMWIDTH_DEG, FRONT_TO_BACK_DB, compute_sector_attenuation
from .diffraction import (
    EFFECTIVE_EARTH_RADIUS_M,
    K_FACTOR,
    compute_bullington_factor,
    compute_knife_edge_loss,
    compute_profile_loss,
    compute_smooth_factor,
    convert_factor_to_loss,
    trace_columns,
    trace_radials,
)
from .grid import Grid, Terrain, load_terrain, make_grid
from .layers import NODATA_DBM, predict_layer, prediction_grid, reaching_sites, site_reach
from .links import compute_link_power, power_model
from .pathloss import (
    ENVIRONMENTS,
    FREQUENCY_RANGE_MHZ,
    MAX_RANGE_M,
    VALIDITY,
    compute_free_space_loss,
    compute_hata_loss,
    compute_path_loss,
    compute_tr38901_loss,
    describe_validity,
    select_model,
)
from .predict import (
    MODELS,
    SITE_COLUMNS,
    Prediction,
    compute_useful_range,
    predict_coverage,
    predict_pairs,
    predict_points,
)

__all__ = [
    "DEFAULT_BEAMWIDTH_DEG",
    "EFFECTIVE_EARTH_RADIUS_M",
    "ENVIRONMENTS",
    "FREQUENCY_RANGE_MHZ",
    "FRONT_TO_BACK_DB",
    "K_FACTOR",
    "MAX_RANGE_M",
    "MODELS",
    "NODATA_DBM",
    "SITE_COLUMNS",
    "VALIDITY",
    "Grid",
    "Prediction",
    "Terrain",
    "compute_bullington_factor",
    "compute_free_space_loss",
    "compute_hata_loss",
    "compute_knife_edge_loss",
    "compute_link_power",
    "compute_path_loss",
    "compute_profile_loss",
    "compute_sector_attenuation",
    "compute_smooth_factor",
    "compute_tr38901_loss",
    "compute_useful_range",
    "convert_factor_to_loss",
    "describe_validity",
    "load_terrain",
    "make_grid",
    "power_model",
    "predict_coverage",
    "predict_pairs",
    "predict_layer",
    "predict_points",
    "prediction_grid",
    "reaching_sites",
    "select_model",
    "site_reach",
    "trace_columns",
    "trace_radials",
]

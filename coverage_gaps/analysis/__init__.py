"""The analysis: the metric CRS, placing villages in communes, coverage and fibre reach at
each village, the village table, commune and province summaries, area shares and the
priority lists. Plain functions over frames and arrays; no file is written here."""

from .areas import measure_covered_area
from .classify import VILLAGE_COLUMNS, classify_villages
from .coverage import distance_to_fibre, sample_coverage, sample_raster
from .crs import choose_working_crs, utm_crs_for_geometries, utm_crs_for_lon_lat
from .evidence import (
    VERDICTS,
    ChallengeRules,
    DeclaredLayer,
    EvidenceResult,
    assess_evidence,
    count_verdicts,
    declared_layers,
    gather_evidence,
    h3_cell_polygons,
    measured_columns,
    median_tile_speed,
    recompute_gap_mobile,
    sample_declared,
)
from .placing import assign_villages_to_communes
from .priority import assign_carriers, rank_villages, select_within_budget, sharing_opportunities
from .propagation import (
    Prediction,
    compute_link_power,
    power_model,
    predict_coverage,
    predict_layer,
    predict_points,
)
from .summaries import COMMUNE_SUMMARY_COLUMNS, summarise_communes, summarise_provinces

__all__ = [
    "COMMUNE_SUMMARY_COLUMNS",
    "VERDICTS",
    "VILLAGE_COLUMNS",
    "ChallengeRules",
    "DeclaredLayer",
    "EvidenceResult",
    "Prediction",
    "assess_evidence",
    "assign_carriers",
    "assign_villages_to_communes",
    "choose_working_crs",
    "classify_villages",
    "compute_link_power",
    "count_verdicts",
    "declared_layers",
    "distance_to_fibre",
    "gather_evidence",
    "h3_cell_polygons",
    "measure_covered_area",
    "measured_columns",
    "median_tile_speed",
    "power_model",
    "predict_coverage",
    "predict_layer",
    "predict_points",
    "rank_villages",
    "recompute_gap_mobile",
    "sample_coverage",
    "sample_declared",
    "sample_raster",
    "select_within_budget",
    "sharing_opportunities",
    "summarise_communes",
    "summarise_provinces",
    "utm_crs_for_geometries",
    "utm_crs_for_lon_lat",
]

"""The map's colours, classes and thresholds, shared by the page data and the layers."""

from __future__ import annotations

from ...analysis.summaries import COMMUNE_SUMMARY_COLUMNS

__all__ = [
    "BINS",
    "CLUSTER_MIN",
    "COLOURS",
    "COMMUNE_COLUMNS",
    "FIBRE_COLOUR",
    "KINDS",
    "NO_DATA_COLOUR",
    "TECH_COLOURS",
    "kind_cluster_css",
    "tech_colour",
]

#: Share of villages (or people) in the mobile gap, in %: class limits and colours (YlOrRd).
BINS = (0.0, 10.0, 25.0, 50.0, 75.0, 100.0)
COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA_COLOUR = "#d9d9d9"
#: Village kinds, in drawing order: (i18n key, colour).
KINDS = (
    ("kind_none", "#b2182b"),
    ("kind_2g", "#ef8a62"),
    ("kind_3g", "#e6c229"),
    ("kind_fibre", "#762a83"),
    ("kind_covered", "#8c8c8c"),
)
#: Coverage layers by technology (outline and raster colour).
TECH_COLOURS = {"2G": "#8c510a", "3G": "#e08214", "4G": "#2166ac", "5G": "#7b3294"}
FIBRE_COLOUR = "#1b7837"
#: Above this many villages the village layers are clustered.
CLUSTER_MIN = 400
#: Summary columns of the commune popup (percent columns follow, per technology).
COMMUNE_COLUMNS = tuple(c for c in COMMUNE_SUMMARY_COLUMNS if c != "commune_name")


def tech_colour(technology: str) -> str:
    """The colour of a coverage layer of ``technology`` (blue for an unknown one).

    Examples
    --------
    >>> tech_colour("3G"), tech_colour("6G")
    ('#e08214', '#2166ac')
    """
    return TECH_COLOURS.get(technology, "#2166ac")


def kind_cluster_css() -> str:
    """CSS colouring the cluster icons of each village kind (``.cg-ck<k>``) like its dots.

    Examples
    --------
    >>> kind_cluster_css()[:35]
    '.cg-ck0 div{background:#b2182b}.cg-'
    """
    return "".join(f".cg-ck{i} div{{background:{c}}}" for i, (_k, c) in enumerate(KINDS))

"""The map's planning layers (where to build), when the run has a ``planning:`` section:

- the proposed sites, numbered in their order of marginal gain (shown), each with a popup
  (commune, new villages and people, cost);
- the target villages they cover, each linked to its site by a line (shown);
- the gap clusters: each lot as the hull of its villages (off by default);
- the chosen sites' predicted coverage (``planning/predicted.tif``), covered cells coloured
  (off by default).

The data reaches the page through :func:`~.elements.to_script_json` and
``assets/planning.js`` puts every name into the page with ``textContent``. Labels are the
``plan_*`` entries of :data:`coverage_gaps.outputs.i18n.MAP`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from jinja2 import Template
from pyproj import CRS
from rasterio.crs import CRS as RioCRS
from rasterio.transform import from_bounds
from rasterio.warp import Resampling, reproject, transform_bounds

from ...io.readers import read_table, read_vector
from ...results import PlanningResult, PredictedRaster
from ..i18n import MAP
from .elements import ImageLayer, JsLayer, PageCss, RawRender, read_asset, to_script_json
from .geometry import Bounds, round_numbers, simplify_to_wgs84, to_geojson
from .layers import Labels, _png_data_uri

__all__ = [
    "PlanningMap",
    "add_planning_layers",
    "planning_map_from_result",
    "planning_map_from_run",
]

#: Colours of the planning layers.
COLOURS = {"site": "#08306b", "village": "#00a6d6", "link": "#08306b", "cluster": "#6a51a3"}
_CSS = (
    ".cg-plan-site span{display:block;width:22px;height:22px;border-radius:11px;"
    f"background:{COLOURS['site']};color:#fff;border:1px solid #fff;text-align:center;"
    "font:700 12px/22px system-ui,Arial,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.6)}"
)
_SITE_COLUMNS = ["order", "site_id", "lon", "lat", "commune_name", "new_villages",
                 "new_people", "cost"]  # fmt: skip
_VILLAGE_COLUMNS = ["name", "population", "lon", "lat", "order", "reason"]
_CLUSTER_COLUMNS = ["cluster", "site_id", "villages", "people", "communes"]


@dataclass
class PlanningMap:
    """What the planning layers show: the chosen sites (in order), the target villages and
    their outcome, the clusters (polygons, any CRS), the predicted raster and its threshold."""

    sites: pd.DataFrame
    villages: pd.DataFrame
    clusters: gpd.GeoDataFrame
    predicted: PredictedRaster | None
    threshold_dbm: float


def planning_map_from_result(plan: PlanningResult | None) -> PlanningMap | None:
    """The planning layers of a run just computed (None without a planning)."""
    if plan is None:
        return None
    return PlanningMap(
        sites=pd.DataFrame(plan.sites[_SITE_COLUMNS]),
        villages=pd.DataFrame(plan.villages[_VILLAGE_COLUMNS]),
        clusters=gpd.GeoDataFrame(plan.clusters[[*_CLUSTER_COLUMNS, "geometry"]]),
        predicted=plan.predicted,
        threshold_dbm=float(plan.summary["threshold_dbm"]),
    )


def planning_map_from_run(folder: Path, record: dict[str, Any]) -> PlanningMap | None:
    """The planning layers of a finished run, read from ``planning/`` (None without one)."""
    summary = record.get("planning")
    sites_file = folder / "planning" / "sites.csv"
    if not isinstance(summary, dict) or not sites_file.is_file():
        return None
    sites = read_table(sites_file, role="planned sites") if _rows(sites_file) else None
    villages = read_table(folder / "planning" / "villages.csv", role="planned villages")
    clusters = read_vector(folder / "planning" / "clusters.gpkg", role="gap clusters")
    predicted = None
    tif = folder / "planning" / "predicted.tif"
    if tif.is_file():
        with rasterio.open(tif) as ds:
            values = ds.read(1, masked=True).filled(np.nan).astype(np.float32)
            predicted = PredictedRaster(values, ds.transform, CRS.from_wkt(ds.crs.to_wkt()))
    return PlanningMap(
        sites=sites[_SITE_COLUMNS] if sites is not None else pd.DataFrame(columns=_SITE_COLUMNS),
        villages=villages[_VILLAGE_COLUMNS],
        clusters=clusters,
        predicted=predicted,
        threshold_dbm=float(summary["threshold_dbm"]),
    )


def _rows(path: Path) -> bool:
    """Whether a CSV has a row below its header."""
    with open(path, encoding="utf-8-sig") as fh:
        return sum(1 for _ in zip(range(2), fh, strict=False)) > 1


def _payload(
    plan: PlanningMap, *, metric_crs: CRS, precision: int | None, lang: str
) -> dict[str, Any]:
    """What ``assets/planning.js`` reads (``P``)."""
    digits = precision if precision is not None else 7
    s = plan.sites.sort_values("order", kind="stable")
    covered = plan.villages[plan.villages["reason"].astype(str) == "covered"]
    site_index = pd.to_numeric(covered["order"], errors="coerce").astype(int) - 1
    lots = simplify_to_wgs84(plan.clusters.geometry, metric_crs, 20.0)
    props = [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in pd.DataFrame(plan.clusters[_CLUSTER_COLUMNS]).to_dict("records")
    ]
    return {
        "t": {k: (vi if lang == "vi" else en) for k, (vi, en) in MAP.items() if k.startswith("plan_")},
        "locale": "vi-VN" if lang == "vi" else "en-US",
        "colours": COLOURS,
        "s": {
            "lat": round_numbers(s["lat"], digits), "lon": round_numbers(s["lon"], digits),
            "order": round_numbers(s["order"]), "id": s["site_id"].astype(str).tolist(),
            "commune": s["commune_name"].fillna("").astype(str).tolist(),
            "nv": round_numbers(s["new_villages"]), "np": round_numbers(s["new_people"]),
            "cost": round_numbers(s["cost"]),
        },
        "v": {
            "lat": round_numbers(covered["lat"], digits),
            "lon": round_numbers(covered["lon"], digits),
            "name": covered["name"].astype(str).tolist(),
            "pop": round_numbers(covered["population"]),
            "site": site_index.tolist(),
        },
        "clusters": to_geojson(lots, precision=precision, props=props),
    }  # fmt: skip


class PlanningScript(RawRender):
    """``assets/planning.js``, called with the map and the planning data: defines
    ``cgPlan`` (the layers), before the layer entries that use it."""

    _template = Template("{% macro script(this, kwargs) %}\n{{ this.code() }}{% endmacro %}")
    _CALL = "(MAPNAME, DATA)"

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "CgPlanning"
        self.payload = payload

    def code(self) -> str:
        head, call, tail = read_asset("planning.js").rpartition(self._CALL)
        if not call or self._parent is None:
            raise RuntimeError("assets/planning.js is rendered once added to a map")
        return f"{head}({self._parent.get_name()}, {to_script_json(self.payload)}){tail}"


def predicted_overlay(
    predicted: PredictedRaster, threshold_dbm: float, bounds4326: Bounds, *, max_px: int
) -> tuple[str, list[list[float]]]:
    """A PNG (data URI) of the cells the predicted raster covers, warped to Web Mercator
    over the map's bounds (nearest), and its lat/lon bounds."""
    x0, y0, x1, y1 = transform_bounds("EPSG:4326", "EPSG:3857", *bounds4326)
    wide = (x1 - x0) >= (y1 - y0)
    width = max_px if wide else max(1, int(max_px * (x1 - x0) / (y1 - y0)))
    height = max_px if not wide else max(1, int(max_px * (y1 - y0) / (x1 - x0)))
    out = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        source=predicted.values, destination=out, src_transform=predicted.transform,
        src_crs=RioCRS.from_wkt(predicted.crs.to_wkt()), src_nodata=np.nan,
        dst_transform=from_bounds(x0, y0, x1, y1, width, height), dst_crs="EPSG:3857",
        dst_nodata=np.nan, resampling=Resampling.nearest,
    )  # fmt: skip
    with np.errstate(invalid="ignore"):
        covered = np.isfinite(out) & (out >= threshold_dbm)
    w, s, e, n = transform_bounds("EPSG:3857", "EPSG:4326", x0, y0, x1, y1)
    return _png_data_uri(covered, COLOURS["site"]), [[s, w], [n, e]]


def add_planning_layers(
    m: folium.Map,
    plan: PlanningMap | None,
    bounds: Bounds,
    *,
    metric_crs: CRS,
    precision: int | None,
    raster_px: int,
    lang: str,
    t: Labels,
) -> None:
    """The planning layers (module docstring); nothing without a planning."""
    if plan is None:
        return
    if plan.predicted is not None:
        uri, latlon = predicted_overlay(
            plan.predicted, plan.threshold_dbm, bounds, max_px=raster_px
        )
        ImageLayer(
            uri, bounds=latlon, name=html.escape(t("plan_coverage")), show=False, opacity=0.45,
            interactive=False,
        ).add_to(m)  # fmt: skip
    PageCss(_CSS).add_to(m)
    payload = _payload(plan, metric_crs=metric_crs, precision=precision, lang=lang)
    PlanningScript(payload).add_to(m)
    JsLayer("cgPlan.clusters", name=html.escape(t("plan_clusters")), show=False).add_to(m)
    JsLayer("cgPlan.villages", name=html.escape(t("plan_villages"))).add_to(m)
    JsLayer("cgPlan.sites", name=html.escape(t("plan_sites"))).add_to(m)

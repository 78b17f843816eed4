"""``map.html``: an interactive gap map that provincial departments open in a browser.

Built with folium (Leaflet). Layers, each in the layer control:

- communes as a choropleth of the share of villages (or, selectable in the legend, of
  people) in the mobile gap, with borders, a popup with the commune's summary row and a
  layer of commune names;
- villages by kind: no signal, 2G only, 3G only (no 4G), no fibre, and covered villages
  in a quiet grey; clustered when there are many;
- one coverage layer per carrier and technology, off by default: rasters as coloured,
  downsampled PNG overlays, polygons as simplified outlines;
- fibre routes.

Controls: fullscreen, scale bar, a search box that ignores diacritics ("Trai Cau" finds
"Trại Cau"), a measure tool, a mini map; OpenStreetMap and a satellite base map.

Size: commune outlines are simplified in the metric working CRS, coordinates rounded to
5 decimals (about 1 m), and only the properties the map shows are kept; villages travel
as compact column arrays, not one GeoJSON feature each.

Safety: every name (villages, communes, carriers, the project) is data from outside.
Data reaches the page only as JSON with ``<``, ``>``, ``&`` and quotes escaped, and the
page puts it into the document with ``textContent`` (never ``innerHTML``); names in
static HTML (title panel, layer control) are HTML-escaped. A village called
``<img src=x onerror=alert(1)>`` shows as that text and runs nothing.

Every label comes from :data:`coverage_gaps._i18n.MAP` (Vietnamese by default).
Element ids are numbered, not random, so the same run gives the same file.

Examples
--------
>>> from coverage_gaps.maps import render_run_map
>>> render_run_map("outputs/demo/results", lang="en")  # doctest: +SKIP
[PosixPath('outputs/demo/results/map.html')]
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from branca.element import Element, MacroElement
from folium import plugins
from jinja2 import Template
from PIL import Image
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.transform import from_bounds
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds

from ..._errors import InputDataError, Problem
from ...analysis.summaries import COMMUNE_SUMMARY_COLUMNS
from ...config.project import CoverageSpec, FibreSpec, parse_config
from ...io.runfolder import record_outputs
from ...results import RunResult
from ...vietnam.names import fold
from ..i18n import MAP, map_text

__all__ = [
    "ASSETS",
    "MapData",
    "build_map",
    "fold",
    "map_data_from_result",
    "map_data_from_run",
    "render_map",
    "render_run_map",
    "write_maps",
]

log = logging.getLogger(__name__)

_JSDELIVR = "https://cdn.jsdelivr.net/npm/"

#: Every external asset the map links to: npm package, version, files. The browser test
#: serves these from ``.browser/node_modules`` (see ``.browser/package.json``).
ASSETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "leaflet": ("leaflet", "1.9.3", ("dist/leaflet.js", "dist/leaflet.css")),
    "markercluster": (
        "leaflet.markercluster",
        "1.5.3",
        (
            "dist/leaflet.markercluster.js",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
        ),
    ),
    "fullscreen": (
        "leaflet.fullscreen",
        "3.0.0",
        ("Control.FullScreen.js", "Control.FullScreen.css"),
    ),
    "minimap": (
        "leaflet-minimap",
        "3.6.1",
        ("dist/Control.MiniMap.min.js", "dist/Control.MiniMap.min.css"),
    ),
    "measure": (
        "leaflet-measure",
        "2.1.7",
        ("dist/leaflet-measure.js", "dist/leaflet-measure.css"),
    ),
}


def _links(key: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    pkg, ver, files = ASSETS[key]
    urls = [(f"{key}_{i}", f"{_JSDELIVR}{pkg}@{ver}/{f}") for i, f in enumerate(files)]
    return [u for u in urls if u[1].endswith(".js")], [u for u in urls if u[1].endswith(".css")]


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTR = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
SATELLITE_TILES = (
    "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}"
)
SATELLITE_ATTR = "Tiles &copy; Esri, Maxar, Earthstar Geographics, and the GIS User Community"

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
TECH_COLOURS = {"2G": "#8c510a", "3G": "#e08214", "4G": "#2166ac", "5G": "#7b3294"}
#: Above this many villages the village layers are clustered.
CLUSTER_MIN = 400
#: Summary columns of the commune popup (percent columns follow, per technology).
COMMUNE_COLUMNS = tuple(c for c in COMMUNE_SUMMARY_COLUMNS if c != "commune_name")


# --------------------------------------------------------------------------- helpers


def _json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element and an HTML attribute."""
    out = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        out = out.replace(ch, esc)
    return out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _geojson(
    geoms: np.ndarray, *, precision: int | None, props: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A FeatureCollection of WGS 84 geometries, coordinates rounded to ``precision``."""
    if precision is not None:
        geoms = shapely.set_precision(geoms, 10.0**-precision, mode="pointwise")
    texts = shapely.to_geojson(geoms)
    feats = []
    for i, t in enumerate(texts):
        if t is None:
            continue
        feats.append(
            {
                "type": "Feature",
                "properties": props[i] if props is not None else {},
                "geometry": json.loads(t),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _clipped(geoms: gpd.GeoSeries, bounds4326: tuple[float, float, float, float]) -> gpd.GeoSeries:
    """Only the part inside the map's bounds (with a small margin): a national coverage
    polygon or fibre network read by bounding box must not travel whole into a province map."""
    minx, miny, maxx, maxy = bounds4326
    pad = 0.02 * max(maxx - minx, maxy - miny, 0.01)
    g = geoms.to_crs(4326) if geoms.crs is not None and CRS(geoms.crs) != CRS(4326) else geoms
    clipped = shapely.clip_by_rect(g.to_numpy(), minx - pad, miny - pad, maxx + pad, maxy + pad)
    return gpd.GeoSeries(clipped, crs=4326)


def _simplified(gdf: gpd.GeoSeries, metric: CRS, tolerance_m: float) -> np.ndarray:
    """Simplify in a metric CRS (topology kept per feature), return WGS 84 geometries."""
    g = gdf.to_crs(metric) if gdf.crs is not None and CRS(gdf.crs) != metric else gdf
    arr = g.to_numpy()
    if tolerance_m > 0:
        arr = shapely.simplify(arr, tolerance_m, preserve_topology=True)
    return gpd.GeoSeries(arr, crs=metric).to_crs(4326).to_numpy()


def _num(values: pd.Series, digits: int = 0) -> list[Any]:
    """Numbers as a JSON list (NaN -> null), rounded."""
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    out: list[Any] = []
    rounded = np.round(arr, digits)
    for x in rounded.tolist():
        if x != x:  # NaN
            out.append(None)
        else:
            out.append(int(x) if digits == 0 else x)
    return out


# --------------------------------------------------------------------------- data


@dataclass
class MapData:
    """What one map shows. Build it with :func:`map_data_from_result` or
    :func:`map_data_from_run`.

    ``villages``: one row per village with ``village_id, name, commune_id, population,
    lon, lat, best_mobile, gap_mobile, gap_fibre, fibre_distance_m`` and the coverage
    columns; ``communes``: the commune summary with geometry (any CRS); ``ranked``:
    ``village_id, overall_rank, carrier`` from the priority lists.
    """

    name: str
    villages: pd.DataFrame
    communes: gpd.GeoDataFrame
    metric_crs: CRS
    lang: str = "vi"
    synthetic: bool = False
    run_date: str = ""
    ranked: pd.DataFrame | None = None
    coverage: list[CoverageSpec] = field(default_factory=list)
    fibre: FibreSpec | None = None
    technologies: list[str] = field(default_factory=list)


def map_data_from_result(result: RunResult, *, run_date: str | None = None) -> MapData:
    """The map of a run just computed (used by :func:`coverage_gaps.write_outputs`).

    Examples
    --------
    >>> data = map_data_from_result(run_project("project.yml", write=False))  # doctest: +SKIP
    """
    cfg = result.config
    ranked = None
    if result.priority is not None:
        ranked = pd.DataFrame(result.priority.ranked[["village_id", "overall_rank", "carrier"]])
    return MapData(
        name=cfg.name,
        villages=pd.DataFrame(result.villages.drop(columns="geometry", errors="ignore")),
        communes=result.communes,
        metric_crs=CRS(result.working_crs),
        lang=cfg.language,
        synthetic=cfg.synthetic,
        run_date=run_date or _dt.date.today().isoformat(),
        ranked=ranked,
        coverage=list(cfg.coverage),
        fibre=cfg.fibre,
        technologies=list(cfg.technologies),
    )


def map_data_from_run(run_folder: str | Path, *, lang: str | None = None) -> MapData:
    """The map of a finished run, read from its files (nothing is recomputed).

    Reads ``villages.gpkg``, ``communes.gpkg``, ``priority/*.gpkg`` and ``run.json``
    (configuration with the coverage layers' paths, synthetic flag, language, date).

    Raises
    ------
    InputDataError
        When the folder is not a finished coverage-gaps run.

    Examples
    --------
    >>> data = map_data_from_run("outputs/demo/results", lang="en")  # doctest: +SKIP
    """

    folder = Path(run_folder)
    run_json = folder / "run.json"
    missing = [
        f for f in ("run.json", "villages.gpkg", "communes.gpkg") if not (folder / f).is_file()
    ]
    if missing:
        raise InputDataError(
            [
                Problem(
                    str(folder),
                    "",
                    f"not a finished coverage-gaps run: {', '.join(missing)} missing.",
                    "give the output folder of 'coverage-gaps run' (the one holding run.json).",
                )
            ]
        )
    try:
        run = json.loads(run_json.read_text(encoding="utf-8"))
        raw = run["config"]
    except (ValueError, KeyError) as exc:
        raise InputDataError(
            [
                Problem(
                    str(run_json), "", f"unreadable run record ({exc}).", "run the analysis again."
                )
            ]
        ) from None
    try:
        cfg = parse_config(raw, base_dir=folder, source=str(run_json))
        coverage, fibre, techs = list(cfg.coverage), cfg.fibre, list(cfg.technologies)
    except InputDataError as exc:
        log.warning("run.json config not usable for coverage layers (%s); map without them", exc)
        coverage, fibre, techs = [], None, []
    villages = gpd.read_file(folder / "villages.gpkg")
    communes = gpd.read_file(folder / "communes.gpkg")
    for frame in (villages, communes):
        for col in ("village_id", "commune_id", "province_id"):
            if col in frame:
                frame[col] = frame[col].astype(str)
    ranked = None
    lists = sorted((folder / "priority").glob("*.gpkg"))
    if lists:
        ranked = pd.concat(
            [
                pd.DataFrame(gpd.read_file(p, columns=["village_id", "overall_rank", "carrier"]))
                for p in lists
            ],
            ignore_index=True,
        )[["village_id", "overall_rank", "carrier"]]
        ranked["village_id"] = ranked["village_id"].astype(str)
    if not techs:
        techs = [t for t in ("2G", "3G", "4G", "5G") if f"has_{t.lower()}" in villages]
    return MapData(
        name=str(raw.get("name", folder.name)),
        villages=pd.DataFrame(villages.drop(columns="geometry")),
        communes=communes,
        metric_crs=CRS.from_user_input(run.get("working_crs") or 32648),
        lang=lang or str(raw.get("language") or "vi"),
        synthetic=bool(run.get("synthetic")),
        run_date=str(run.get("finished_utc") or "")[:10] or _dt.date.today().isoformat(),
        ranked=ranked,
        coverage=coverage,
        fibre=fibre,
        technologies=techs,
    )


# --------------------------------------------------------------------------- elements


class _JsLayer(folium.map.Layer):
    """A layer made by a JavaScript expression (listed in the layer control)."""

    _template = Template(
        "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.js }};{% endmacro %}"
    )

    def __init__(self, js: str, *, name: str, show: bool = True, overlay: bool = True) -> None:
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "CgLayer"
        self.js = js


class _Script(MacroElement):
    """Raw script (our own code; data only via :func:`_json`)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this.js.replace('MAPNAME', this._parent.get_name()) }}{% endmacro %}"
    )

    def __init__(self, js: str) -> None:
        super().__init__()
        self._name = "CgScript"
        self.js = js


class _Css(MacroElement):
    _template = Template(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
    )

    def __init__(self, css: str) -> None:
        super().__init__()
        self.css = css


class _Assets(folium.elements.JSCSSMixin):
    """Links to extra CDN assets (see :data:`ASSETS`)."""

    def __init__(self, *keys: str) -> None:
        super().__init__()
        js: list[tuple[str, str]] = []
        css: list[tuple[str, str]] = []
        for k in keys:
            a, b = _links(k)
            js += a
            css += b
        self.default_js = js
        self.default_css = css


_CSS = """
.cg-title{background:rgba(255,255,255,.93);padding:6px 10px;border-radius:5px;max-width:360px;
box-shadow:0 1px 5px rgba(0,0,0,.4);font:13px/1.35 system-ui,Arial,sans-serif}
.cg-title h1{font-size:15px;margin:0 0 3px}.cg-title p{margin:2px 0}
.cg-title .cg-synthetic{background:#fde8e8;border-left:4px solid #c0392b;padding:3px 6px;margin-top:4px}
.cg-title ul{margin:3px 0;padding-left:16px;max-height:140px;overflow:auto}
.cg-legend{background:rgba(255,255,255,.93);padding:6px 9px;border-radius:5px;
box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.4 system-ui,Arial,sans-serif}
.cg-legend h4{margin:2px 0 4px;font-size:12px}.cg-legend label{display:block;cursor:pointer}
.cg-legend i{display:inline-block;width:14px;height:12px;margin-right:5px;vertical-align:middle;
border:1px solid #777}.cg-legend i.cg-dot{border-radius:7px;width:10px;height:10px}
.cg-search{background:#fff;padding:4px;border-radius:4px;box-shadow:0 1px 5px rgba(0,0,0,.4)}
.cg-search input{width:220px;font-size:13px;padding:3px}
.cg-search ul{list-style:none;margin:2px 0 0;padding:0;max-height:260px;overflow:auto;width:230px}
.cg-search li{padding:3px 4px;cursor:pointer;font-size:12px;border-top:1px solid #eee}
.cg-search li:hover{background:#eef4ff}
.cg-pop{font:12px/1.35 system-ui,Arial,sans-serif}.cg-pop h4{margin:0 0 4px;font-size:14px}
.cg-pop table{border-collapse:collapse}.cg-pop th{text-align:left;padding:1px 8px 1px 0;
font-weight:600;vertical-align:top}.cg-pop td{padding:1px 0}
.cg-label{background:transparent;border:0;box-shadow:none;font:11px system-ui,Arial,sans-serif;
color:#333;text-shadow:0 0 3px #fff,0 0 3px #fff}
.cg-label:before{display:none}
.marker-cluster.cg-cluster{background:rgba(255,255,255,.6);border-radius:17px}
.marker-cluster.cg-cluster div{width:28px;height:28px;margin:3px;border-radius:14px;text-align:center;
line-height:28px;font:600 12px system-ui,Arial,sans-serif;color:#fff}
.cg-small .cg-label{display:none}
""" + "".join(f".cg-ck{i} div{{background:{c}}}" for i, (_k, c) in enumerate(KINDS))

_JS = """
var cg = (function(map, D){
  "use strict";
  var T = D.t, nf = new Intl.NumberFormat(D.locale);
  function el(tag, cls, text){var e=document.createElement(tag); if(cls){e.className=cls;}
    if(text!==undefined && text!==null){e.textContent=String(text);} return e;}
  function num(x){return (x===null||x===undefined)?'\u2014':nf.format(x);}
  function row(tb, k, v){var tr=el('tr'); tr.appendChild(el('th',null,k));
    tr.appendChild(el('td',null,v)); tb.appendChild(tr);}
  function fold(s){return String(s).normalize('NFD').replace(/[\\u0300-\\u036f]/g,'')
    .replace(/\\u0111/g,'d').replace(/\\u0110/g,'D').toLowerCase();}
  var out = {map: map, markers: [], groups: [], communes: null, names: null, D: D};
  // ----------------------------------------------------------------- communes
  var C = D.c, mode = 'v';
  function colour(v){ if(v===null){return D.nodata;}
    for(var b=1;b<D.bins.length;b++){ if(v<D.bins[b] || b===D.bins.length-1){return D.colours[b-1];}}
    return D.colours[D.colours.length-1];}
  function cstyle(f){var i=f.properties.i; var v=(mode==='v'?C.sv:C.sp)[i];
    return {color:'#555', weight:1, opacity:0.9, fillColor:colour(v), fillOpacity:0.55};}
  function communePopup(i){var d=el('div','cg-pop'); d.appendChild(el('h4',null,C.name[i]));
    var tb=el('table'); for(var k=0;k<C.cols.length;k++){var v=C.rows[k][i];
      row(tb, C.labels[k], typeof v==='number'?num(v):v);} d.appendChild(tb); return d;}
  out.communes = L.geoJSON(C.geo, {style: cstyle, onEachFeature: function(f, layer){
      var i=f.properties.i; layer.cgIndex=i;
      layer.bindTooltip(function(){return el('span',null,C.name[i]);}, {sticky:true});
      layer.bindPopup(function(){return communePopup(i);}, {maxWidth:360});
      layer.options.className='cg-commune';}});
  out.setMode = function(m){mode=m; out.communes.setStyle(cstyle);};
  function zoomClass(){var c=map.getContainer();
    if(map.getZoom()<11){L.DomUtil.addClass(c,'cg-small');} else {L.DomUtil.removeClass(c,'cg-small');}}
  map.on('zoomend', zoomClass); map.whenReady(zoomClass);
  out.names = L.layerGroup();
  for(var j=0;j<C.name.length;j++){ if(C.lat[j]===null){continue;}
    var t=L.tooltip({permanent:true, direction:'center', className:'cg-label', interactive:false})
      .setLatLng([C.lat[j], C.lon[j]]).setContent(el('span',null,C.name[j]));
    out.names.addLayer(t);}
  // ----------------------------------------------------------------- villages
  var V = D.v;
  function offers(i, c){var hex=V.cov[i], got=[];
    for(var l=0;l<D.layers.length;l++){ if(D.layers[l][0]!==c){continue;}
      var digit=parseInt(hex.charAt(hex.length-1-(l>>2))||'0',16);
      if((digit>>(l&3))&1){got.push(D.layers[l][1]);}}
    return got.length?got.join(', '):T.nothing;}
  function villagePopup(i){var d=el('div','cg-pop'); d.appendChild(el('h4','cg-name',V.name[i]));
    var tb=el('table'); row(tb, T.commune, C.name[V.c[i]]===undefined?'':C.name[V.c[i]]);
    row(tb, T.population, num(V.pop[i]));
    row(tb, T.mobile, V.best[i]==='none'?T.best_none:V.best[i]);
    for(var c=0;c<D.carriers.length;c++){row(tb, D.carriers[c], offers(i, D.carriers[c]));}
    row(tb, T.fibre_distance, D.fibre?(V.fd[i]===null?'\u2014':num(V.fd[i])+' m'):T.no_fibre_layer);
    row(tb, T.rank, V.rank[i]===null?T.not_listed:num(V.rank[i]));
    row(tb, T.assigned, V.car[i]===null?'\u2014':D.carriers_all[V.car[i]]);
    d.appendChild(tb); return d;}
  function clusterIcon(k){return function(cl){var d=el('div'); d.appendChild(el('span',null,cl.getChildCount()));
    return L.divIcon({html:d, className:'marker-cluster cg-cluster cg-ck'+k, iconSize:L.point(34,34)});};}
  for(var k=0;k<D.kinds.length;k++){
    out.groups.push(D.cluster ? L.markerClusterGroup({iconCreateFunction: clusterIcon(k),
      chunkedLoading:true, disableClusteringAtZoom:14, showCoverageOnHover:false,
      maxClusterRadius:50}) : L.featureGroup());}
  var batches = D.kinds.map(function(){return [];});
  for(var i=0;i<V.lat.length;i++){ var kind=V.k[i], q=D.kinds[kind];
    var m=L.circleMarker([V.lat[i], V.lon[i]], {radius: kind===4?3:6, color:'#333', weight:kind===4?0.5:1,
      fillColor:q[1], fillOpacity:kind===4?0.5:0.9, className:'cg-village cg-k'+kind});
    m.cgIndex=i;
    (function(n){ m.bindPopup(function(){return villagePopup(n);}, {maxWidth:360});
      m.bindTooltip(function(){return el('span',null,V.name[n]);}); })(i);
    out.markers.push(m); batches[kind].push(m);}
  for(var b=0;b<batches.length;b++){ if(D.cluster){out.groups[b].addLayers(batches[b]);}
    else {for(var z=0;z<batches[b].length;z++){out.groups[b].addLayer(batches[b][z]);}}}
  // ----------------------------------------------------------------- search
  var index=[];
  for(var s=0;s<V.name.length;s++){index.push([fold(V.name[s]), 'v', s]);}
  for(var s2=0;s2<C.name.length;s2++){index.push([fold(C.name[s2]), 'c', s2]);}
  function go(kind, i){
    if(kind==='v'){var m=out.markers[i], g=out.groups[V.k[i]]; if(!map.hasLayer(g)){map.addLayer(g);}
      if(D.cluster){g.zoomToShowLayer(m, function(){m.openPopup();});}
      else {map.setView(m.getLatLng(), Math.max(map.getZoom(), 14)); m.openPopup();}}
    else {out.communes.eachLayer(function(l){ if(l.cgIndex===i){
      if(!map.hasLayer(out.communes)){map.addLayer(out.communes);}
      map.fitBounds(l.getBounds()); l.openPopup();}});}}
  var Search = L.Control.extend({options:{position:'topleft'}, onAdd: function(){
    var box=el('div','cg-search leaflet-bar'), input=el('input'), list=el('ul');
    input.type='search'; input.placeholder=T.search; input.setAttribute('aria-label', T.search);
    box.appendChild(input); box.appendChild(list);
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    input.addEventListener('input', function(){ while(list.firstChild){list.removeChild(list.firstChild);}
      var q=fold(input.value).trim(); if(q.length<2){return;} var n=0;
      for(var r=0;r<index.length && n<12;r++){ if(index[r][0].indexOf(q)<0){continue;} n++;
        var it=index[r], li=el('li','cg-result',
          it[1]==='v' ? V.name[it[2]]+' \u2014 '+(C.name[V.c[it[2]]]||'') : C.name[it[2]]+' ('+T.commune+')');
        (function(x){li.addEventListener('click', function(){go(x[1], x[2]);});})(it);
        list.appendChild(li);}});
    return box;}});
  out.search = new Search().addTo(map);
  // ----------------------------------------------------------------- legend and title
  var Legend = L.Control.extend({options:{position:'bottomleft'}, onAdd: function(){
    var d=el('div','cg-legend'); d.appendChild(el('h4',null,T.legend));
    [['v',T.share_villages],['p',T.share_population]].forEach(function(o){
      var lab=el('label'), r=el('input'); r.type='radio'; r.name='cg-mode'; r.value=o[0];
      r.checked=(o[0]===mode); r.addEventListener('change', function(){out.setMode(o[0]);});
      lab.appendChild(r); lab.appendChild(document.createTextNode(' '+o[1])); d.appendChild(lab);});
    for(var b=0;b<D.colours.length;b++){var line=el('div'), sw=el('i'); sw.style.background=D.colours[b];
      line.appendChild(sw); line.appendChild(document.createTextNode(D.bins[b]+'\u2013'+D.bins[b+1]+' %'));
      d.appendChild(line);}
    var nd=el('div'), s0=el('i'); s0.style.background=D.nodata; nd.appendChild(s0);
    nd.appendChild(document.createTextNode(T.no_villages)); d.appendChild(nd);
    if(V.lat.length){ d.appendChild(el('h4',null,T.villages_title));
      D.kinds.forEach(function(q){var line=el('div'), sw=el('i','cg-dot'); sw.style.background=q[1];
        line.appendChild(sw); line.appendChild(document.createTextNode(q[0])); d.appendChild(line);});}
    L.DomEvent.disableClickPropagation(d); return d;}});
  out.legend = new Legend().addTo(map);
  return out;
})(MAPNAME, DATA);
window.cgMap = cg;
"""


class _TitlePanel(MacroElement):
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(){var C=L.Control.extend({options:{position:'topright'},onAdd:function(){"
        "var d=L.DomUtil.create('div','cg-title');d.innerHTML={{ this.html }};"
        "L.DomEvent.disableClickPropagation(d);return d;}});"
        "new C().addTo({{ this._parent.get_name() }});})();"
        "{% endmacro %}"
    )

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "CgTitle"
        self.html = _json(html_text)


# --------------------------------------------------------------------------- layers


def _kinds(v: pd.DataFrame) -> np.ndarray:
    best = v["best_mobile"].astype(str).to_numpy()
    gap_f = (
        v["gap_fibre"].fillna(False).astype(bool).to_numpy()
        if "gap_fibre" in v
        else np.zeros(len(v), bool)
    )
    return np.select(
        [best == "none", best == "2G", best == "3G", gap_f], [0, 1, 2, 3], default=4
    ).astype(int)


def _coverage_bits(v: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """Per village, which coverage layers cover it, as a hex bit mask (bit i = layer i)."""
    if not columns:
        return ["0"] * len(v)
    mask = np.zeros(len(v), dtype=object)
    mask[:] = 0
    for i, col in enumerate(columns):
        if col in v:
            on = v[col].fillna(False).astype(bool).to_numpy()
            mask = mask + np.where(on, 1 << i, 0).astype(object)
    return [format(int(m), "x") for m in mask]


def _raster_overlay(spec: CoverageSpec, bounds4326: tuple[float, float, float, float],
                    *, max_px: int) -> tuple[str, list[list[float]]] | None:  # fmt: skip
    """A coloured PNG (data URI) of where ``spec`` covers, and its lat/lon bounds."""

    x0, y0, x1, y1 = transform_bounds("EPSG:4326", "EPSG:3857", *bounds4326)
    width = max_px if (x1 - x0) >= (y1 - y0) else max(1, int(max_px * (x1 - x0) / (y1 - y0)))
    height = max_px if (y1 - y0) > (x1 - x0) else max(1, int(max_px * (y1 - y0) / (x1 - x0)))
    with rasterio.open(spec.path) as src:
        crs = src.crs or (CRS.from_user_input(spec.crs) if spec.crs else None)
        if crs is None:
            return None
        nodata = src.nodata
        fill = nodata if nodata is not None else 0
        grid = from_bounds(x0, y0, x1, y1, width, height)
        with WarpedVRT(src, crs="EPSG:3857", src_crs=crs, transform=grid, width=width,
                       height=height, nodata=fill, resampling=Resampling.nearest) as vrt:  # fmt: skip
            data = vrt.read(spec.band)
        dtype = np.dtype(src.dtypes[spec.band - 1])
    valid = np.ones(data.shape, bool) if nodata is None else data != nodata
    if np.issubdtype(data.dtype, np.floating):
        valid &= np.isfinite(data)
    mode = spec.values if spec.values != "auto" else (
        "mask" if np.issubdtype(dtype, np.unsignedinteger) else "dbm"
    )  # fmt: skip
    if mode == "mask":
        covered = valid & (data == 1)
    else:
        with np.errstate(invalid="ignore"):
            covered = valid & (data >= spec.threshold_dbm)
    colour = TECH_COLOURS.get(spec.technology, "#2166ac")
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    img = Image.fromarray(covered.astype(np.uint8), mode="L").convert("P")
    img.putpalette([255, 255, 255, *rgb] + [0, 0, 0] * 254)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True, transparency=0)
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    w, s, e, n = transform_bounds("EPSG:3857", "EPSG:4326", x0, y0, x1, y1)
    return uri, [[s, w], [n, e]]


def _read_vector(path: Path, *, layer: str | None, where: str | None,
                 crs: str | None, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:  # fmt: skip

    info = pyogrio.read_info(path, layer=layer)
    file_crs = info.get("crs") or crs or "EPSG:4326"
    box = gpd.GeoSeries([shapely.box(*bbox)], crs=4326).to_crs(file_crs).total_bounds
    gdf = pyogrio.read_dataframe(path, layer=layer, where=where, bbox=tuple(box), columns=[])
    if gdf.crs is None:
        gdf = gdf.set_crs(file_crs)
    return gdf


# --------------------------------------------------------------------------- building


def _stable_ids(root: Element) -> None:
    """Number the elements' ids in tree order (folium uses random ones)."""
    counter = 0

    def walk(el: Element) -> None:
        nonlocal counter
        el._id = f"{counter:04d}"
        counter += 1
        children = list(el._children.values())
        el._children.clear()
        for child in children:
            walk(child)
            el._children[child.get_name()] = child

    walk(root)


def _province_label(communes: pd.DataFrame, fallback: str) -> str:
    if "province_name" in communes:
        names = [str(n) for n in pd.unique(communes["province_name"].dropna())]
        if len(names) == 1:
            return names[0]
    return fallback


def build_map(
    data: MapData,
    *,
    overview: bool = False,
    province_links: Sequence[tuple[str, str]] = (),
    simplify_m: float = 20.0,
    precision: int | None = 5,
    raster_px: int = 512,
    keep_properties: bool = False,
) -> folium.Map:
    """Build the folium map of ``data``.

    Parameters
    ----------
    data
        What to show (see :class:`MapData`).
    overview
        Communes only (a national overview): no village, coverage or fibre layer.
    province_links
        ``(label, relative href)`` of the per-province maps, listed in the title panel.
    simplify_m
        Tolerance, in metres of the metric working CRS, to simplify outlines (0: keep).
    precision
        Decimals of the coordinates (5 = about 1 m); ``None`` keeps full precision.
    raster_px
        Largest side of the coverage raster overlays, in pixels.
    keep_properties
        Embed every column of the commune table in the GeoJSON (baseline for benchmarks).

    Examples
    --------
    >>> m = build_map(map_data_from_run("outputs/demo/results"))  # doctest: +SKIP
    >>> m.save("map.html")  # doctest: +SKIP
    """
    lang = data.lang if data.lang in ("vi", "en") else "vi"

    def t(key: str, **kw: str) -> str:
        return map_text(key, lang, **kw)

    communes = data.communes
    v = data.villages if not overview else data.villages.iloc[0:0]
    wgs = communes.to_crs(4326) if communes.crs is not None else communes
    b = wgs.total_bounds if len(wgs) else np.array([102.0, 8.0, 110.0, 23.5])
    bounds4326 = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    m = folium.Map(
        location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2],
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_control=True,
    )
    js, css = _links("leaflet")
    m.default_js = js
    m.default_css = css
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    folium.TileLayer(OSM_TILES, attr=OSM_ATTR, name=html.escape(t("osm")), max_zoom=19).add_to(m)
    folium.TileLayer(
        SATELLITE_TILES, attr=SATELLITE_ATTR, name=html.escape(t("satellite")), show=False
    ).add_to(m)
    _Css(_CSS).add_to(m)

    # communes: geometry (simplified, rounded) and the summary columns
    geoms = _simplified(communes.geometry, data.metric_crs, simplify_m)
    if keep_properties:
        props = json.loads(
            pd.DataFrame(communes.drop(columns="geometry")).to_json(orient="records")
        )
        for i, p in enumerate(props):
            p["i"] = i
    else:
        props = [{"i": i} for i in range(len(communes))]
    geo = _geojson(geoms, precision=precision, props=props)
    reps = gpd.GeoSeries(shapely.point_on_surface(geoms), crs=4326)
    ids = communes["commune_id"].astype(str).tolist()
    cvill = pd.to_numeric(communes["villages"], errors="coerce").to_numpy(float)
    cpop = pd.to_numeric(communes["population"], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sv = np.where(
            cvill > 0, 100 * communes["villages_gap_mobile"].to_numpy(float) / cvill, np.nan
        )
        sp = np.where(
            cpop > 0, 100 * communes["population_gap_mobile"].to_numpy(float) / cpop, np.nan
        )
    cols = [c for c in COMMUNE_COLUMNS if c in communes]
    labels = [t(c) for c in cols]
    for prefix in ("pct_population", "pct_area"):
        for tech in ("2G", "3G", "4G", "5G"):
            col = f"{prefix}_{tech.lower()}"
            if col in communes:
                cols.append(col)
                labels.append(t(prefix, tech=tech))
    if "area_km2" in communes:
        cols.append("area_km2")
        labels.append(t("area_km2"))
    rows: list[list[Any]] = []
    for c in cols:
        if c == "commune_id":
            rows.append(ids)
        else:
            rows.append(_num(communes[c], 0 if not c.startswith("pct_") and c != "area_km2" else 1))
    c_index = {cid: i for i, cid in enumerate(ids)}

    # villages: compact column arrays
    layer_cols = [spec.column for spec in data.coverage]
    carriers = list(dict.fromkeys(spec.carrier for spec in data.coverage))
    ranked_rank: list[Any] = [None] * len(v)
    ranked_car: list[Any] = [None] * len(v)
    carriers_all = list(carriers)
    if data.ranked is not None and len(v) and len(data.ranked):
        r = data.ranked.drop_duplicates("village_id").set_index("village_id")
        vid = v["village_id"].astype(str)
        rank = r["overall_rank"].reindex(vid)
        car = r["carrier"].reindex(vid)
        for name in pd.unique(car.dropna()):
            if name not in carriers_all:
                carriers_all.append(str(name))
        pos = {c: i for i, c in enumerate(carriers_all)}
        ranked_rank = _num(rank)
        ranked_car = [None if pd.isna(x) else pos[x] for x in car.tolist()]
    kinds = _kinds(v) if len(v) else np.zeros(0, int)
    fd = _num(v["fibre_distance_m"]) if "fibre_distance_m" in v else [None] * len(v)
    vdata = {
        "lat": _num(v["lat"], 6 if precision is None else precision) if len(v) else [],
        "lon": _num(v["lon"], 6 if precision is None else precision) if len(v) else [],
        "name": v["name"].astype(str).tolist() if len(v) else [],
        "c": [c_index.get(str(x), -1) for x in v["commune_id"].astype(str)] if len(v) else [],
        "pop": _num(v["population"]) if len(v) else [],
        "best": v["best_mobile"].astype(str).tolist() if len(v) else [],
        "k": kinds.tolist(),
        "cov": _coverage_bits(v, layer_cols) if len(v) else [],
        "fd": fd,
        "rank": ranked_rank,
        "car": ranked_car,
    }
    payload = {
        "t": {key: t(key) for key in MAP if "{" not in MAP[key][0]},
        "locale": "vi-VN" if lang == "vi" else "en-US",
        "bins": list(BINS),
        "colours": list(COLOURS),
        "nodata": NO_DATA_COLOUR,
        "kinds": [[t(k), colour] for k, colour in KINDS],
        "cluster": len(v) > CLUSTER_MIN,
        "layers": [[spec.carrier, spec.technology] for spec in data.coverage],
        "carriers": carriers,
        "carriers_all": carriers_all,
        "fibre": data.fibre is not None,
        "c": {
            "geo": geo,
            "name": communes["commune_name"].astype(str).tolist(),
            "lat": _num(pd.Series(reps.y), precision or 6),
            "lon": _num(pd.Series(reps.x), precision or 6),
            "sv": _num(pd.Series(sv), 1),
            "sp": _num(pd.Series(sp), 1),
            "cols": cols,
            "labels": labels,
            "rows": rows,
        },
        "v": vdata,
    }
    if len(v) > CLUSTER_MIN:
        _Assets("markercluster").add_to(m)
    _Script(_JS.replace("DATA", _json(payload))).add_to(m)

    # layers, in the layer control's order
    _JsLayer("cg.communes", name=html.escape(t("communes_layer"))).add_to(m)
    _JsLayer("cg.names", name=html.escape(t("names_layer")), show=len(communes) <= 150).add_to(m)
    if len(v):
        for k, (key, _colour) in enumerate(KINDS):
            _JsLayer(f"cg.groups[{k}]", name=html.escape(t(key))).add_to(m)
    if not overview:
        _coverage_layers(m, data, bounds4326, simplify_m=simplify_m, precision=precision,
                         raster_px=raster_px, t=t)  # fmt: skip
        _fibre_layer(m, data, bounds4326, simplify_m=simplify_m, precision=precision, t=t)

    # title panel
    gap_m = int(v["gap_mobile"].astype(bool).sum()) if len(v) else int(
        pd.to_numeric(communes["villages_gap_mobile"], errors="coerce").sum()
    )  # fmt: skip
    gap_f: int | None = None
    if data.fibre is not None or ("gap_fibre" in v and v["gap_fibre"].notna().any()):
        gap_f = int(v["gap_fibre"].fillna(False).astype(bool).sum()) if len(v) else int(
            pd.to_numeric(communes["villages_gap_fibre"], errors="coerce").sum()
        )  # fmt: skip
    elif (
        overview
        and "villages_gap_fibre" in communes
        and communes["villages_gap_fibre"].notna().any()
    ):
        gap_f = int(pd.to_numeric(communes["villages_gap_fibre"], errors="coerce").sum())
    fmt_n = (lambda n: f"{n:,}".replace(",", ".")) if lang == "vi" else (lambda n: f"{n:,}")
    head = f"<strong>{fmt_n(gap_m)}</strong> {html.escape(t('headline_mobile'))}"
    if gap_f is not None:
        head += f", <strong>{fmt_n(gap_f)}</strong> {html.escape(t('headline_fibre'))}"
    province = _province_label(communes, data.name)
    title = (
        f"<h1>{html.escape(t('title'))}: {html.escape(province)}</h1>"
        + (f"<p>{html.escape(t('overview'))}</p>" if overview else "")
        + f'<p class="cg-headline">{head}</p>'
        f"<p>{html.escape(t('run_date'))}: {html.escape(data.run_date)} · {html.escape(data.name)}</p>"
    )
    if province_links:
        items = "".join(
            f'<li><a href="{html.escape(href, quote=True)}">{html.escape(label)}</a></li>'
            for label, href in province_links
        )
        title += f"<p>{html.escape(t('province_maps'))}:</p><ul>{items}</ul>"
    if data.synthetic:
        title += f'<p class="cg-synthetic">{html.escape(t("synthetic"))}</p>'
    _TitlePanel(title).add_to(m)

    # controls
    fs_js, fs_css = _links("fullscreen")
    fs = plugins.Fullscreen(position="topleft")
    fs.default_js, fs.default_css = fs_js, fs_css
    fs.add_to(m)
    me_js, me_css = _links("measure")
    me = plugins.MeasureControl(
        position="topleft", primary_length_unit="meters", secondary_length_unit="kilometers",
        primary_area_unit="hectares", secondary_area_unit="sqmeters",
    )  # fmt: skip
    me.default_js, me.default_css = me_js, me_css
    me.add_to(m)
    mm_js, mm_css = _links("minimap")
    mini = plugins.MiniMap(
        tile_layer=folium.TileLayer(OSM_TILES, attr=OSM_ATTR), position="bottomright",
        toggle_display=True, zoom_level_offset=-6,
    )  # fmt: skip
    mini.default_js, mini.default_css = mm_js, mm_css
    mini.tile_layer._id = "minimap"
    mini.add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    _stable_ids(m.get_root())
    return m


def _coverage_layers(m: folium.Map, data: MapData, bounds: tuple[float, float, float, float], *,
                     simplify_m: float, precision: int | None, raster_px: int, t: Any) -> None:  # fmt: skip
    for spec in data.coverage:
        name = html.escape(f"{t('coverage')}: {spec.carrier} {spec.technology}")
        colour = TECH_COLOURS.get(spec.technology, "#2166ac")
        try:
            if spec.is_raster:
                made = _raster_overlay(spec, bounds, max_px=raster_px)
                if made is None:
                    continue
                uri, latlon = made
                folium.raster_layers.ImageOverlay(
                    uri, bounds=latlon, name=name, show=False, opacity=0.55, interactive=False
                ).add_to(m)
            else:
                gdf = _read_vector(spec.path, layer=spec.layer, where=spec.where, crs=spec.crs,
                                   bbox=bounds)  # fmt: skip
                geoms = _simplified(
                    _clipped(gdf.geometry, bounds), data.metric_crs, max(simplify_m, 1.0) * 2
                )
                geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
                style = {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.12}
                js = f"L.geoJSON({_json(_geojson(geoms, precision=precision))}, {{style: {_json(style)}, interactive: false}})"
                _JsLayer(js, name=name, show=False).add_to(m)
        except Exception as exc:  # an input moved or unreadable: the map goes on without it
            log.warning("coverage layer %s not drawn on the map: %s", spec.path, exc)


def _fibre_layer(m: folium.Map, data: MapData, bounds: tuple[float, float, float, float], *,
                 simplify_m: float, precision: int | None, t: Any) -> None:  # fmt: skip
    spec = data.fibre
    if spec is None:
        return
    try:
        gdf = _read_vector(spec.path, layer=spec.layer, where=spec.where, crs=spec.crs, bbox=bounds)
    except Exception as exc:
        log.warning("fibre layer %s not drawn on the map: %s", spec.path, exc)
        return
    geoms = _simplified(_clipped(gdf.geometry, bounds), data.metric_crs, min(simplify_m, 10.0))
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    style = {"color": "#1b7837", "weight": 2.5, "opacity": 0.85, "dashArray": "6 4"}
    js = (
        f"L.geoJSON({_json(_geojson(geoms, precision=precision))}, {{style: {_json(style)}, "
        "interactive: false, pointToLayer: function(f, ll){return L.circleMarker(ll, "
        "{radius: 3, color: '#1b7837'});}})"
    )
    _JsLayer(js, name=html.escape(t("fibre_layer")), show=True).add_to(m)


def render_map(data: MapData, path: str | Path, **options: Any) -> Path:
    """Build the map of ``data`` and write it to ``path`` (UTF-8 HTML).

    Keyword options are those of :func:`build_map`.

    Examples
    --------
    >>> render_map(map_data_from_run("outputs/demo/results"), "demo.html")  # doctest: +SKIP
    """
    out = Path(path)
    html_text = build_map(data, **options).get_root().render()
    out.write_text(html_text, encoding="utf-8")
    return out


def _split(data: MapData, province_id: str) -> MapData:

    pid = data.communes["province_id"].astype(str)
    communes = data.communes[pid == province_id]
    ids = set(communes["commune_id"].astype(str))
    villages = data.villages[data.villages["commune_id"].astype(str).isin(ids)]
    return replace(data, communes=communes, villages=villages)


def write_maps(data: MapData, folder: str | Path, **options: Any) -> list[Path]:
    """Write ``map.html`` into ``folder``; with several provinces, ``map.html`` is a national
    overview (communes only) and ``maps/<province_id>.html`` one full map per province.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> write_maps(map_data_from_run("outputs/demo/results"), "outputs/demo/results")  # doctest: +SKIP
    """
    folder = Path(folder)
    provinces: list[str] = []
    if "province_id" in data.communes:
        provinces = sorted(pd.unique(data.communes["province_id"].dropna().astype(str)))
    if len(provinces) <= 1:
        return [render_map(data, folder / "map.html", **options)]
    (folder / "maps").mkdir(exist_ok=True)
    written = []
    links = []
    for pid in provinces:
        part = _split(data, pid)
        label = _province_label(part.communes, pid)
        written.append(render_map(part, folder / "maps" / f"{pid}.html", **options))
        links.append((label, f"maps/{pid}.html"))
    overview_opts = {**options, "simplify_m": max(float(options.get("simplify_m", 20.0)), 150.0)}
    written.insert(
        0,
        render_map(data, folder / "map.html", overview=True, province_links=links, **overview_opts),
    )
    return written


def render_run_map(run_folder: str | Path, *, lang: str | None = None) -> list[Path]:
    """Re-render the map(s) of a finished run from its files, without recomputing.

    The new checksums are recorded in the run's ``run.json`` so that
    ``coverage-gaps verify`` still passes.

    Examples
    --------
    >>> render_run_map("outputs/demo/results", lang="en")  # doctest: +SKIP
    """

    folder = Path(run_folder)
    written = write_maps(map_data_from_run(folder, lang=lang), folder)
    record_outputs(folder, written, replace_prefixes=("map.html", "maps/"))
    return written

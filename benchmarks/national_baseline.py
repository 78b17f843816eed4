"""The straightforward script most analysts would write for a coverage-gaps project.

This is the baseline of ``benchmarks/national.py``: the same project file, the same rules,
written the way the libraries' tutorials show, with no attempt at speed beyond what they do
on their own:

- communes and villages read with ``geopandas.read_file``; each village placed in its
  commune with ``geopandas.sjoin`` (``within``);
- each 4G raster sampled at the villages with rasterio's ``DatasetReader.sample``; covered
  where the value is valid and at least the layer's threshold (-105 dBm by default);
- each 3G polygon layer joined to the villages with ``geopandas.sjoin`` (``intersects``);
- distance to the nearest fibre route with ``geopandas.sjoin_nearest``;
- share of each commune's area covered, per technology: ``rasterstats.zonal_stats`` on each
  raster (its mini rasters, so the carriers' masks can be combined cell by cell; a cell
  counts when its centre is inside the commune), ``geopandas.overlay`` for polygon layers;
- outputs: the village and commune tables as GeoPackage and CSV, the province totals as
  CSV, a list per carrier of its villages without its signal (or without fibre), as CSV,
  XLSX (``DataFrame.to_excel``) and GeoPackage, a short HTML report of the province totals,
  and one folium map: communes, a decimated image of each raster and one marker per village.

It writes ``timings.json`` (seconds per stage) into the output folder.

Usage: python benchmarks/national_baseline.py PROJECT.yml OUTPUT_FOLDER
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import time
from pathlib import Path

import folium
import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import rasterio
import rasterio.warp
import yaml
from rasterstats import gen_zonal_stats

CRS = "EPSG:32648"  # the rasters' CRS (WGS 84 / UTM 48N), metres
#: coverage-gaps' default thresholds (dBm), per technology
DEFAULT_THRESHOLD = {"2G": -93.0, "3G": -103.0, "4G": -105.0, "5G": -105.0}
TECHNOLOGIES = ("2G", "3G", "4G", "5G")


class Stages:
    """Seconds spent in each named stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._t, 3)
        self._t = now


def load_project(path: Path) -> dict:
    """The project file, with its paths made absolute."""
    cfg = yaml.safe_load(path.read_text("utf-8"))
    base = path.parent
    cfg["villages"]["path"] = str(base / cfg["villages"]["path"])
    for layer in cfg["coverage"]:
        layer["path"] = str(base / layer["path"])
        layer["column"] = f"{layer['carrier'].lower()}_{layer['technology'].lower()}"
    return cfg


def load_tables(cfg: dict) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Communes and villages in the metric CRS, each village with its commune."""
    c = cfg["communes"]
    communes = gpd.read_file(c["path"], layer=c.get("layer")).to_crs(CRS)
    communes = communes.rename(
        columns={c["id"]: "commune_id", c["name"]: "commune_name", c["province"]: "province_id"}
    )[["commune_id", "commune_name", "province_id", "geometry"]]
    v = cfg["villages"]
    villages = gpd.read_file(v["path"]).to_crs(CRS)
    villages = villages.rename(
        columns={v["id"]: "village_id", v["name"]: "name", v["population"]: "population"}
    )[["village_id", "name", "population", "geometry"]]
    joined = gpd.sjoin(villages, communes, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")].drop(columns="index_right")
    return communes, joined


def sample_layers(cfg: dict, villages: gpd.GeoDataFrame) -> None:
    """One boolean column per coverage layer: whether each village is covered."""
    coords = list(zip(villages.geometry.x, villages.geometry.y, strict=True))
    for layer in cfg["coverage"]:
        path = layer["path"]
        if path.endswith(".tif"):
            threshold = layer.get("threshold", DEFAULT_THRESHOLD[layer["technology"]])
            with rasterio.open(path) as src:
                values = np.array([v[0] for v in src.sample(coords)], dtype=float)
                valid = values != src.nodata
            villages[layer["column"]] = valid & (values >= threshold)
        else:
            polygons = gpd.read_file(path).to_crs(CRS)
            hits = gpd.sjoin(villages[["geometry"]], polygons, predicate="intersects")
            villages[layer["column"]] = villages.index.isin(hits.index)


def classify(cfg: dict, villages: gpd.GeoDataFrame) -> None:
    """has_<tech>, best_mobile, gap_mobile, fibre_distance_m and gap_fibre."""
    for tech in TECHNOLOGIES:
        cols = [lyr["column"] for lyr in cfg["coverage"] if lyr["technology"] == tech]
        villages[f"has_{tech.lower()}"] = villages[cols].any(axis=1) if cols else False
    villages["best_mobile"] = "none"
    for tech in TECHNOLOGIES:
        villages.loc[villages[f"has_{tech.lower()}"], "best_mobile"] = tech
    villages["gap_mobile"] = ~villages[["has_3g", "has_4g", "has_5g"]].any(axis=1)
    fibre = gpd.read_file(cfg["fibre"]["path"]).to_crs(CRS)[["geometry"]]
    near = gpd.sjoin_nearest(villages[["geometry"]], fibre, distance_col="fibre_distance_m")
    dist = near.groupby(level=0)["fibre_distance_m"].min()
    villages["fibre_distance_m"] = dist.reindex(villages.index).round(1)
    villages["gap_fibre"] = ~(dist.reindex(villages.index) <= cfg["fibre"]["max_distance_m"])


def raster_area_share(paths: list[str], thresholds: list[float], communes: gpd.GeoDataFrame):
    """Share of each commune's cells covered by any of the rasters (same grid), in percent."""
    gens = [gen_zonal_stats(communes, p, stats=["count", "nodata"], raster_out=True) for p in paths]
    shares = []
    for feats in zip(*gens, strict=True):
        cells = feats[0]["count"] + (feats[0]["nodata"] or 0)
        covered = np.zeros(feats[0]["mini_raster_array"].shape, dtype=bool)
        for f, threshold in zip(feats, thresholds, strict=True):
            covered |= np.ma.filled(f["mini_raster_array"] >= threshold, False)
        shares.append(100.0 * covered.sum() / cells if cells else np.nan)
    return np.array(shares)


def polygon_area_share(paths: list[str], communes: gpd.GeoDataFrame) -> np.ndarray:
    """Share of each commune's area inside any of the polygon layers, in percent."""
    layers = pd.concat([gpd.read_file(p).to_crs(CRS) for p in paths])
    union = gpd.GeoDataFrame(geometry=[layers.union_all()], crs=CRS)
    parts = gpd.overlay(communes[["commune_id", "geometry"]], union, how="intersection")
    covered = parts.area.groupby(parts["commune_id"]).sum()
    return 100.0 * covered.reindex(communes["commune_id"]).fillna(0).to_numpy() / communes.area


def summarise(cfg: dict, communes: gpd.GeoDataFrame, villages: gpd.GeoDataFrame):
    """Commune and province tables: villages and people in each gap, area shares."""
    flags = villages.assign(no_4g=~villages["has_4g"], people=villages["population"].astype(float))
    rows = []
    for gap in ("gap_mobile", "gap_fibre", "no_4g"):
        g = flags[flags[gap]].groupby("commune_id")
        rows.append(g.size().rename(f"villages_{gap}"))
        rows.append(g["people"].sum().rename(f"population_{gap}"))
    by_commune = flags.groupby("commune_id").agg(villages=("village_id", "size"),
                                                 population=("people", "sum"))  # fmt: skip
    table = communes.set_index("commune_id").join(by_commune).join(rows).fillna(0)
    for tech in ("3G", "4G"):
        rasters = [lyr for lyr in cfg["coverage"] if lyr["technology"] == tech
                   and lyr["path"].endswith(".tif")]  # fmt: skip
        polygons = [lyr["path"] for lyr in cfg["coverage"] if lyr["technology"] == tech
                    and not lyr["path"].endswith(".tif")]  # fmt: skip
        share = np.zeros(len(communes))
        if rasters:
            thr = [lyr.get("threshold", DEFAULT_THRESHOLD[tech]) for lyr in rasters]
            share = raster_area_share([lyr["path"] for lyr in rasters], thr, communes)
        if polygons:
            share = np.maximum(share, polygon_area_share(polygons, communes))
        table[f"pct_area_{tech.lower()}"] = np.round(share, 1)
    numeric = table.drop(columns=["commune_name", "geometry", "province_id"])
    provinces = numeric.groupby(table["province_id"]).sum(numeric_only=True)
    return gpd.GeoDataFrame(table.reset_index(), crs=CRS), provinces.reset_index()


def write_tables(out: Path, communes, villages, provinces) -> None:
    """GeoPackages (EPSG:4326) and CSVs of the villages, communes and provinces."""
    v = villages.to_crs(4326)
    v.to_file(out / "villages.gpkg", layer="villages", driver="GPKG")
    v.drop(columns="geometry").assign(lon=v.geometry.x, lat=v.geometry.y).to_csv(
        out / "villages.csv", index=False, encoding="utf-8-sig"
    )
    c = communes.to_crs(4326)
    c.to_file(out / "communes.gpkg", layer="communes", driver="GPKG")
    c.drop(columns="geometry").to_csv(out / "communes.csv", index=False, encoding="utf-8-sig")
    provinces.to_csv(out / "provinces.csv", index=False, encoding="utf-8-sig")


def write_lists(cfg: dict, out: Path, villages: gpd.GeoDataFrame) -> None:
    """Per carrier, its villages without its signal or without fibre, most people first."""
    (out / "priority").mkdir(exist_ok=True)
    v = villages.to_crs(4326)
    for carrier in sorted({lyr["carrier"] for lyr in cfg["coverage"]}):
        cols = [lyr["column"] for lyr in cfg["coverage"] if lyr["carrier"] == carrier]
        todo = v[~v[cols].any(axis=1) | v["gap_fibre"]].sort_values(
            "population", ascending=False, kind="stable"
        )
        slug = carrier.lower()
        todo.to_file(out / "priority" / f"{slug}.gpkg", layer=slug, driver="GPKG")
        table = todo.drop(columns="geometry")
        table.to_csv(out / "priority" / f"{slug}.csv", index=False, encoding="utf-8-sig")
        table.to_excel(out / "priority" / f"{slug}.xlsx", index=False, sheet_name=carrier)


def write_report(out: Path, provinces: pd.DataFrame) -> None:
    """An HTML page: the province totals and a bar chart of people without mobile signal."""
    fig, ax = plt.subplots(figsize=(10, 4))
    provinces.plot.bar(x="province_id", y="population_gap_mobile", ax=ax, legend=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    chart = base64.b64encode(buf.getvalue()).decode()
    html = (f"<h1>Coverage gaps</h1><img src='data:image/png;base64,{chart}'>"
            f"{provinces.to_html(index=False)}")  # fmt: skip
    (out / "report.html").write_text(html, encoding="utf-8")


def write_map(cfg: dict, out: Path, communes, villages) -> None:
    """One folium map: communes, each raster as a decimated image, a marker per village."""
    v = villages.to_crs(4326)
    m = folium.Map(location=[v.geometry.y.mean(), v.geometry.x.mean()], zoom_start=6)
    outlines = communes.to_crs(4326)[["commune_id", "commune_name", "geometry"]]
    outlines["geometry"] = outlines.simplify(0.001)
    folium.GeoJson(outlines, name="communes").add_to(m)
    for layer in cfg["coverage"]:
        if not layer["path"].endswith(".tif"):
            continue
        threshold = layer.get("threshold", DEFAULT_THRESHOLD[layer["technology"]])
        with rasterio.open(layer["path"]) as src:
            data = src.read(1, out_shape=(src.height // 10, src.width // 10), masked=True)
            bounds = rasterio.warp.transform_bounds(src.crs, 4326, *src.bounds)
        image = np.zeros((*data.shape, 4), dtype=np.uint8)
        image[..., 1] = 160
        image[..., 3] = np.where(np.ma.filled(data >= threshold, False), 120, 0)
        folium.raster_layers.ImageOverlay(image, bounds=[[bounds[1], bounds[0]],
                                          [bounds[3], bounds[2]]], name=layer["column"]
                                          ).add_to(m)  # fmt: skip
    for row in v.itertuples():
        colour = "red" if row.gap_mobile else ("orange" if row.gap_fibre else "green")
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x], radius=3, color=colour,
            popup=f"{row.name} ({row.population} people)",
        ).add_to(m)  # fmt: skip
    folium.LayerControl().add_to(m)
    m.save(out / "map.html")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("project", type=Path)
    ap.add_argument("output", type=Path)
    args = ap.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    stages = Stages()
    cfg = load_project(args.project)
    communes, villages = load_tables(cfg)
    stages.done("load and place villages")
    sample_layers(cfg, villages)
    stages.done("sample coverage")
    classify(cfg, villages)
    stages.done("fibre and classify")
    communes, provinces = summarise(cfg, communes, villages)
    stages.done("area shares and summaries")
    write_tables(args.output, communes, villages, provinces)
    stages.done("write tables")
    write_lists(cfg, args.output, villages)
    stages.done("write lists")
    write_report(args.output, provinces)
    stages.done("write report")
    write_map(cfg, args.output, communes, villages)
    stages.done("write map")
    (args.output / "timings.json").write_text(json.dumps(stages.seconds, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Work shared by the maps of one run: the national overview and every province map
simplify the same communes, draw the same province outlines and clip the same coverage and
fibre layers, so each of these is done once (:class:`MapCache`).

Each result is exactly what a map computed alone would get (the operations act feature by
feature), so the pages are the same, only made faster.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ...analysis.summaries import rows_by_province
from ...results import CommuneDrawings
from .geometry import OVERVIEW_SIMPLIFY_M, SIMPLIFY_M, simplify_to_wgs84

__all__ = ["MapCache", "draw_communes", "first_listings"]


def draw_communes(
    communes: gpd.GeoDataFrame,
    *,
    metric_crs: CRS,
    tolerances: Sequence[float] = (SIMPLIFY_M, OVERVIEW_SIMPLIFY_M),
) -> CommuneDrawings:
    """The communes as the outputs draw them (:class:`~coverage_gaps.results.CommuneDrawings`):
    in WGS 84, and simplified in ``metric_crs`` to each of ``tolerances`` (those of the
    province maps and of the national overview), as :class:`MapCache` would make them.

    Examples
    --------
    >>> communes = gpd.GeoDataFrame({"commune_id": ["1"]},
    ...     geometry=[shapely.box(500000, 2300000, 501000, 2301000)], crs=32648)
    >>> drawn = draw_communes(communes, metric_crs=CRS(32648), tolerances=[20.0])
    >>> [round(float(v), 4) for v in shapely.bounds(drawn.wgs84[0])]
    [105.0, 20.7999, 105.0096, 20.8089]
    >>> list(drawn.simplified) == [(CRS(32648).to_wkt(), 20.0)]
    True
    """
    geoms = communes.geometry
    wkt = metric_crs.to_wkt()
    return CommuneDrawings(
        ids=communes["commune_id"].astype(str).to_numpy(),
        wgs84=geoms.to_crs(4326).to_numpy() if geoms.crs is not None else geoms.to_numpy(),
        simplified={
            (wkt, float(m)): simplify_to_wgs84(geoms, metric_crs, float(m)) for m in tolerances
        },
    )


def first_listings(ranked: pd.DataFrame) -> pd.DataFrame:
    """The overall rank and carrier of each village's first listing in the priority lists,
    indexed by village id.

    Examples
    --------
    >>> ranked = pd.DataFrame({"village_id": ["a", "b", "a"], "overall_rank": [1, 2, 3],
    ...                        "carrier": ["X", "Y", "Z"]})
    >>> first_listings(ranked).to_dict("index")
    {'a': {'overall_rank': 1, 'carrier': 'X'}, 'b': {'overall_rank': 2, 'carrier': 'Y'}}
    """
    ids = ranked["village_id"].astype(str)
    first = ~ids.duplicated().to_numpy()
    return pd.DataFrame(
        {"overall_rank": ranked["overall_rank"].to_numpy()[first],
         "carrier": ranked["carrier"].to_numpy()[first]},
        index=pd.Index(ids.to_numpy()[first], name="village_id"),
    )  # fmt: skip


class MapCache:
    """Results kept for the maps of one run (see the module docstring).

    ``communes`` is the whole commune layer of the run: a province's communes are taken
    from the results computed once for all of them. ``unions`` and ``drawings``, made with
    the analysis (the same operations on the same communes), fill it in advance; the page
    writers forked from the run share them.
    """

    def __init__(
        self,
        communes: gpd.GeoDataFrame,
        *,
        unions: Mapping[str, shapely.Geometry] | None = None,
        drawings: CommuneDrawings | None = None,
    ) -> None:
        self._ids = pd.Index(communes["commune_id"].astype(str).to_numpy())
        self._communes = communes
        self._simplified: dict[tuple[str, float], tuple[np.ndarray, np.ndarray]] = {}
        self._unions: dict[str, shapely.Geometry] = dict(unions or {})
        self._vectors: dict[Hashable, gpd.GeoSeries] = {}
        self._rows: dict[Hashable, tuple[pd.DataFrame, dict[str, np.ndarray] | None]] = {}
        self._first: tuple[pd.DataFrame, pd.DataFrame] | None = None
        n = len(self._ids)
        self._bounds = (np.full((n, 4), np.nan), np.zeros(n, dtype=bool))
        if drawings is not None:
            self._take(drawings)

    def _take(self, drawings: CommuneDrawings) -> None:
        """The bounds and simplified communes of ``drawings`` (those of its communes in the
        run's layer)."""
        where = pd.Index(drawings.ids).get_indexer(self._ids)
        have = where >= 0
        values, done = self._bounds
        values[have] = shapely.bounds(drawings.wgs84[where[have]])
        done[have] = True
        for key, geoms in drawings.simplified.items():
            taken = np.empty(len(self._ids), dtype=object)
            taken[have] = geoms[where[have]]
            self._simplified[key] = (taken, have.copy())

    def simplified(
        self,
        communes: gpd.GeoDataFrame,
        metric_crs: CRS,
        tolerance_m: float,
        simplify: Callable[[gpd.GeoSeries, CRS, float], np.ndarray],
    ) -> np.ndarray:
        """``simplify(communes.geometry, metric_crs, tolerance_m)``: each commune simplified
        once, when a map first needs it (a worker writing some provinces' maps simplifies
        only theirs)."""
        key = (metric_crs.to_wkt(), float(tolerance_m))
        if key not in self._simplified:
            n = len(self._ids)
            self._simplified[key] = (np.empty(n, dtype=object), np.zeros(n, dtype=bool))
        geoms, done = self._simplified[key]
        where, todo = self._positions(communes, done)
        if len(todo):
            geoms[todo] = simplify(self._communes.geometry.iloc[todo], metric_crs, tolerance_m)
            done[todo] = True
        return geoms[where]

    def bounds(self, communes: gpd.GeoDataFrame) -> np.ndarray:
        """West, south, east, north in degrees of each of ``communes`` (its whole geometry in
        WGS 84; NaN when empty): each commune reprojected once, when a map first needs it (the
        overview and a province map share it)."""
        values, done = self._bounds
        where, todo = self._positions(communes, done)
        if len(todo):
            values[todo] = shapely.bounds(
                self._communes.geometry.iloc[todo].to_crs(4326).to_numpy()
            )
            done[todo] = True
        return values[where]

    def _positions(
        self, communes: gpd.GeoDataFrame, done: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Where ``communes`` are in the run's layer, and those of them not ``done`` yet."""
        ids = communes["commune_id"].astype(str).to_numpy()
        where = self._ids.get_indexer(ids)
        if (where < 0).any():
            raise KeyError(f"communes not in the run's layer: {sorted(set(ids[where < 0]))[:5]}")
        return where, np.unique(where[~done[where]])

    def rows(self, key: Hashable, frame: pd.DataFrame) -> dict[str, np.ndarray] | None:
        """Positions of the rows of ``frame`` (a table of the run known as ``key``: the
        villages, the gap cells) in each province, by their commune
        (:func:`~coverage_gaps.analysis.summaries.rows_by_province` over the run's communes,
        once per table, made again for another table under the same ``key``); None when a
        commune id is listed twice."""
        kept = self._rows.get(key)
        if kept is None or kept[0] is not frame:
            kept = self._rows[key] = (frame, rows_by_province(frame, self._communes))
        return kept[1]

    def first_listings(self, ranked: pd.DataFrame) -> pd.DataFrame:
        """:func:`first_listings` of ``ranked`` (the run's priority lists), found once
        (again for another table)."""
        if self._first is None or self._first[0] is not ranked:
            self._first = (ranked, first_listings(ranked))
        return self._first[1]

    def union(self, province: str, make: Callable[[], shapely.Geometry]) -> shapely.Geometry:
        """The union of one province's communes (``make()`` the first time)."""
        if province not in self._unions:
            self._unions[province] = make()
        return self._unions[province]

    def vector(self, key: Hashable, load: Callable[[], gpd.GeoSeries]) -> gpd.GeoSeries:
        """A coverage or fibre layer's geometries in WGS 84 (``load()`` the first time)."""
        if key not in self._vectors:
            self._vectors[key] = load()
        return self._vectors[key]

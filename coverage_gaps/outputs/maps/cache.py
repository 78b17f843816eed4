"""Work shared by the maps of one run: the national overview and every province map
simplify the same communes, draw the same province outlines and clip the same coverage and
fibre layers, so each of these is done once (:class:`MapCache`).

Each result is exactly what a map computed alone would get (the operations act feature by
feature), so the pages are the same, only made faster.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

__all__ = ["MapCache"]


class MapCache:
    """Results kept for the maps of one run (see the module docstring).

    ``communes`` is the whole commune layer of the run: a province's communes are taken
    from the results computed once for all of them.
    """

    def __init__(
        self, communes: gpd.GeoDataFrame, *, unions: Mapping[str, shapely.Geometry] | None = None
    ) -> None:
        self._ids = pd.Index(communes["commune_id"].astype(str).to_numpy())
        self._communes = communes
        self._simplified: dict[tuple[str, float], tuple[np.ndarray, np.ndarray]] = {}
        # the provinces' unions made with the analysis (the same operation on the same
        # communes), shared by the page writers forked from the run
        self._unions: dict[str, shapely.Geometry] = dict(unions or {})
        self._vectors: dict[Hashable, gpd.GeoSeries] = {}
        n = len(self._ids)
        self._bounds = (np.full((n, 4), np.nan), np.zeros(n, dtype=bool))

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

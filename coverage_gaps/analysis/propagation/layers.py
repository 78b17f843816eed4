"""A site list's predicted coverage as a coverage layer the pipeline samples like any raster.

:func:`predict_layer` runs :func:`~.predict.predict_coverage` for one ``kind: sites`` layer
on the run's grid and returns a :class:`~coverage_gaps.results.CoverageLayer` whose GeoTIFF
(float32 dBm, nodata :data:`NODATA_DBM` beyond every site's reach, working CRS) is held in
memory: the villages are sampled from those bytes by the same reader as every raster
(:func:`coverage_gaps.io.rasters.sample_points`), and the run writes the same bytes to
``predicted/<carrier>_<technology>.tif``. :func:`reaching_sites` keeps the sites whose reach
touches the area, so a national list can serve one province (and its DEM need cover only
those sites).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import CRS

from ..._errors import Problem, warn_problem
from ...config.project import CoverageSpec
from ...io.writers import encode_geotiff
from ...results import CoverageLayer
from .grid import Grid, Terrain, make_grid
from .predict import Prediction, compute_useful_range, predict_coverage

__all__ = ["NODATA_DBM", "predict_layer", "prediction_grid", "reaching_sites", "site_reach"]

#: The nodata value of the predicted GeoTIFFs (cells beyond every site's reach).
NODATA_DBM: float = -9999.0


def site_reach(sites: pd.DataFrame, spec: CoverageSpec) -> npt.NDArray[np.float64]:
    """Each site's useful range (m) under the layer's model, threshold, environment and
    receiver height (:func:`~.predict.compute_useful_range`)."""
    if len(sites) == 0:
        return np.zeros(0)
    return compute_useful_range(
        sites,
        model=_model(spec),
        threshold_dbm=spec.threshold_dbm,
        environment=spec.environment_name,
        receiver_height_m=spec.receiver_height,
    )


def reaching_sites(
    sites: pd.DataFrame, spec: CoverageSpec, bounds: tuple[float, float, float, float]
) -> npt.NDArray[np.bool_]:
    """Which sites (``x``, ``y`` in the CRS of ``bounds``) reach into the box ``bounds``.

    Examples
    --------
    >>> from pathlib import Path
    >>> spec = CoverageSpec(kind="sites", path=Path("s.csv"), carrier="Viettel",
    ...                     technology="4G", model="range")
    >>> s = pd.DataFrame({"x": [0.0, 9000.0], "y": [0.0, 0.0], "range_m": [1500.0, 1500.0]})
    >>> reaching_sites(s, spec, (1000.0, -500.0, 5000.0, 500.0)).tolist()
    [True, False]
    """
    reach = site_reach(sites, spec)
    x, y = sites["x"].to_numpy(dtype=float), sites["y"].to_numpy(dtype=float)
    dx = np.maximum(np.maximum(bounds[0] - x, x - bounds[2]), 0.0)
    dy = np.maximum(np.maximum(bounds[1] - y, y - bounds[3]), 0.0)
    return (reach > 0) & (np.hypot(dx, dy) <= reach)


def prediction_grid(
    bounds: tuple[float, float, float, float], spec: CoverageSpec, *, crs: CRS, margin_m: float
) -> Grid:
    """The grid of a layer: ``bounds`` (the communes) widened by ``margin_m``, at the
    layer's ``resolution_m``, edges on multiples of the resolution."""
    x0, y0, x1, y1 = bounds
    return make_grid(
        (x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m),
        resolution_m=spec.grid_resolution_m,
        crs=crs,
    )


def predict_layer(
    spec: CoverageSpec,
    sites: pd.DataFrame,
    *,
    grid: Grid,
    terrain: Terrain | None = None,
    workers: int | None = None,
) -> tuple[CoverageLayer, Prediction]:
    """Predict one complete ``kind: sites`` layer (its carrier and technology known) on
    ``grid``.

    Parameters
    ----------
    spec
        The layer: model, threshold, environment, receiver height.
    sites
        Its sites (:func:`coverage_gaps.inputs.sites_list.load_site_list`, ``x``/``y`` in
        ``grid.crs``).
    grid
        The run's grid (:func:`prediction_grid`).
    terrain
        Ground heights around the grid (``hata+terrain``).
    workers
        Threads of :func:`~.predict.predict_coverage`.

    Returns
    -------
    CoverageLayer, Prediction
        The layer (``source="predicted"``, its GeoTIFF in ``raster``) and the prediction.

    Warns
    -----
    CoverageGapsWarning
        Once for what falls outside the models' validity; when no site reaches the area.

    Examples
    --------
    >>> layer, p = predict_layer(spec, sites, grid=grid, terrain=terrain)  # doctest: +SKIP
    >>> layer.column, layer.source  # doctest: +SKIP
    ('viettel_4g', 'predicted')
    """
    prediction = predict_coverage(
        sites,
        grid,
        model=_model(spec),
        threshold_dbm=spec.threshold_dbm,
        environment=spec.environment_name,
        receiver_height_m=spec.receiver_height,
        terrain=terrain,
        workers=workers,
        source=str(spec.path),
        layer=f"{spec.carrier} {spec.technology}",
    )
    if not np.isfinite(prediction.values).any():
        warn_problem(
            Problem(
                str(spec.path),
                f"{spec.carrier} {spec.technology}",
                "no site reaches the communes, so this predicted layer covers no village.",
                "check the sites' coordinates, EIRP and the layer's threshold.",
            )
        )
    data = encode_geotiff(
        prediction.values, transform=grid.transform, crs=grid.crs, nodata=NODATA_DBM
    )
    layer = CoverageLayer(
        spec=spec,
        kind="raster",
        mode="dbm",
        crs=grid.crs,
        nodata=NODATA_DBM,
        dtype="float32",
        transform=grid.transform,
        width=grid.width,
        height=grid.height,
        source="predicted",
        raster=data,
        notes=prediction.notes,
    )
    return layer, prediction


def _model(spec: CoverageSpec) -> str:
    if spec.model is None:
        raise ValueError(f"{spec.path}: a site list needs a model")
    return spec.model

"""The types the stages hand to each other: a loaded coverage layer, raster values at
points, every input of a run, the priority lists and the result of a run.

This module sits at the bottom of the package (it imports only the configuration
types), so loaders, analysis, writers and engines can all share these types without
importing each other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from rasterio.io import MemoryFile
from rasterio.transform import Affine

from ._errors import Problem
from .config.evidence import ChallengesSpec
from .config.project import CoverageSpec, ProjectConfig
from .vietnam.carriers import carrier_slug

__all__ = [
    "LAYER_SOURCES",
    "ChallengeRules",
    "CommuneDrawings",
    "CoverageGrids",
    "CoverageLayer",
    "DeclaredLayer",
    "EvidenceResult",
    "FineCells",
    "GridSpec",
    "Inputs",
    "LayerGrid",
    "PlanningResult",
    "PredictedRaster",
    "PriorityResult",
    "RasterSample",
    "RunResult",
]

#: Where a coverage layer comes from: ``declared`` (a carrier's raster or polygons) or
#: ``predicted`` (computed from a site list, ``kind: sites``).
LAYER_SOURCES: tuple[str, ...] = ("declared", "predicted")


def covered_by_values(
    values: np.ndarray, valid: np.ndarray, *, mode: str, threshold_dbm: float
) -> np.ndarray:
    """The coverage rule for raster values: a 0/1 mask is covered where 1; a signal level
    where it is at least the threshold. Nodata (``valid`` False) is never covered.

    Examples
    --------
    >>> v = np.array([-104.0, -105.0, -105.5, np.nan])
    >>> covered_by_values(v, np.isfinite(v), mode="dbm", threshold_dbm=-105).tolist()
    [True, True, False, False]
    >>> covered_by_values(np.array([0, 1, 2]), np.ones(3, bool), mode="mask",
    ...                   threshold_dbm=-105).tolist()
    [False, True, False]
    """
    if mode == "mask":
        return valid & (values == 1)
    with np.errstate(invalid="ignore"):
        return valid & (values >= threshold_dbm)


def value_mode(requested: str, dtype: np.dtype) -> str:
    """``dbm`` or ``mask``: what a raster band holds. ``auto`` means a mask for unsigned
    integer and boolean bands, a signal level otherwise.

    Examples
    --------
    >>> value_mode("auto", np.dtype("uint8")), value_mode("auto", np.dtype("float32"))
    ('mask', 'dbm')
    """
    if requested != "auto":
        return requested
    return "mask" if np.dtype(dtype).kind in "ub" else "dbm"


@dataclass
class CoverageLayer:
    """A checked coverage layer, ready to sample.

    For rasters only metadata is kept (the file is re-opened to read windows);
    for vectors the polygons are kept in the working CRS. A layer predicted from a site
    list (``source == "predicted"``) is a raster whose GeoTIFF is held in memory
    (``raster``, the bytes written to ``predicted/<column>.tif``); :meth:`raster_path` opens
    either kind for reading.
    """

    spec: CoverageSpec
    kind: str  # "raster" | "vector"
    mode: str = "polygons"  # "dbm" | "mask" | "polygons"
    crs: CRS | None = None
    nodata: float | None = None
    dtype: str = ""
    transform: Affine | None = None
    width: int = 0
    height: int = 0
    polygons: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    _tree: shapely.STRtree | None = None
    source: str = "declared"  # one of LAYER_SOURCES
    raster: bytes | None = field(default=None, repr=False)  # a predicted layer's GeoTIFF
    notes: tuple[str, ...] = ()  # a predicted layer's model-validity notes

    @property
    def declared_source(self) -> str:
        """``raster``, ``polygons`` or ``predicted`` (the challenges table's column)."""
        return self.form

    @property
    def column(self) -> str:
        return self.spec.column

    @property
    def label(self) -> str:
        return f"{self.spec.carrier} {self.spec.technology}"

    @property
    def form(self) -> str:
        """``raster``, ``polygons`` or ``predicted``: what the layer was made from."""
        if self.source == "predicted":
            return "predicted"
        return "raster" if self.kind == "raster" else "polygons"

    @contextlib.contextmanager
    def raster_path(self) -> Iterator[str | Path]:
        """A path rasterio opens for this raster layer: the file, or an in-memory GeoTIFF
        (``/vsimem/...``, valid inside the block) for a predicted layer."""
        if self.raster is None:
            yield self.spec.path
            return
        with MemoryFile(self.raster) as mem:
            yield mem.name

    def covered_values(self, values: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Boolean covered for raster values (``valid`` False for nodata)."""
        return covered_by_values(
            values, valid, mode=self.mode, threshold_dbm=self.spec.threshold_dbm
        )

    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.polygons)
        return self._tree


class RasterSample(NamedTuple):
    """Raster values at points; ``valid`` is False outside the raster or on nodata."""

    values: np.ndarray
    valid: np.ndarray
    inside: np.ndarray


@dataclass(frozen=True)
class GridSpec:
    """A north-up grid of square cells: top-left corner ``(x0, y0)``, cell side ``res``,
    ``width`` x ``height`` cells, stored in ``tile`` x ``tile`` tiles.

    Cell ``(row, col)`` spans x in ``[x0 + col*res, x0 + (col+1)*res]`` and y in
    ``[y0 - (row+1)*res, y0 - row*res]``.
    """

    x0: float
    y0: float
    res: float
    width: int
    height: int
    tile: int = 512

    @property
    def cells(self) -> int:
        return self.width * self.height

    @property
    def transform(self) -> Affine:
        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y0)

    @property
    def tiles_shape(self) -> tuple[int, int]:
        """Tiles down and across."""
        return -(-self.height // self.tile), -(-self.width // self.tile)

    def tile_window(self, tr: int, tc: int) -> tuple[int, int, int, int]:
        """First row, first column, height and width of tile ``(tr, tc)``."""
        r0, c0 = tr * self.tile, tc * self.tile
        return r0, c0, min(self.tile, self.height - r0), min(self.tile, self.width - c0)


@dataclass
class FineCells:
    """The cells of the area grid that a raster finer than them covers in part (some of
    their ``k x k`` pixels, not all): flat cell indices (``row * width + col``, sorted) and
    which pixels of each are covered, row by row from the top, packed 8 to a byte."""

    k: int
    cells: np.ndarray
    packed: np.ndarray

    def pixels(self, index: np.ndarray) -> np.ndarray:
        """Whether each pixel of the cells at positions ``index`` is covered: (n, k, k)."""
        bits = np.unpackbits(self.packed[index], axis=1, count=self.k * self.k)
        return bits.reshape(-1, self.k, self.k).astype(bool)


@dataclass
class LayerGrid:
    """A layer on the area grid: the covered share of each cell is ``value / scale``,
    stored as uint8 tiles; a missing tile covers nothing (never read: no commune there).
    ``fine``: a raster's pixels in the cells it covers in part, when its pixels are finer
    than the cells (for the exact area shares)."""

    tiles: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    scale: int = 1
    fine: FineCells | None = None

    def window(self, grid: GridSpec, r0: int, c0: int, h: int, w: int) -> np.ndarray:
        """The values of cells ``[r0, r0 + h) x [c0, c0 + w)`` (0 outside the grid)."""
        out = np.zeros((h, w), np.uint8)
        t = grid.tile
        ra, rb = max(r0, 0), min(r0 + h, grid.height)
        ca, cb = max(c0, 0), min(c0 + w, grid.width)
        if rb <= ra or cb <= ca:
            return out
        for tr in range((ra // t), (rb - 1) // t + 1):
            for tc in range((ca // t), (cb - 1) // t + 1):
                tile = self.tiles.get((tr, tc))
                if tile is None:
                    continue
                tr0, tc0 = tr * t, tc * t
                ya, yb = max(ra, tr0), min(rb, tr0 + tile.shape[0])
                xa, xb = max(ca, tc0), min(cb, tc0 + tile.shape[1])
                out[ya - r0 : yb - r0, xa - c0 : xb - c0] = tile[
                    ya - tr0 : yb - tr0, xa - tc0 : xb - tc0
                ]
        return out


@dataclass
class CoverageGrids:
    """Every raster layer on the area grid, read once (block by block) and shared by the
    village sampling, the area shares and the map overlays; ``inside`` marks the cells
    mostly inside a commune (the overlays are drawn there only)."""

    grid: GridSpec
    layers: dict[str, LayerGrid] = field(default_factory=dict)
    inside: LayerGrid | None = None


@dataclass
class PriorityResult:
    """Ranked candidates (one row per village, with its carrier), sharing opportunities, budget."""

    ranked: gpd.GeoDataFrame
    sharing: pd.DataFrame
    budget: pd.DataFrame | None
    carriers: list[str]


class PredictedRaster(NamedTuple):
    """Best-server received power (dBm, float32, NaN outside every site's reach) on a grid."""

    values: np.ndarray
    transform: Affine
    crs: CRS


@dataclass
class PlanningResult:
    """Where to build (docs/PLANNING.md): the chosen sites, every target village's outcome,
    the gap clusters and how the choice was made.

    ``sites`` (points), ``villages`` (points) and ``clusters`` (polygons: the hull of each
    cluster's villages) are in the working CRS, their columns as written to ``planning/``.
    ``summary`` holds what ``run.json`` records (method, bound, gap, budget spent ...);
    ``seconds``, the time spent choosing, is kept apart: it is not reproducible.
    ``predicted`` is the chosen sites' predicted coverage (None when none was chosen).
    """

    sites: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    summary: dict[str, Any]
    seconds: float
    predicted: PredictedRaster | None = None


# ----------------------------------------------------------------- measured evidence

#: The defaults of the rules: those of the project file's ``challenges:`` section (declared
#: once, in :class:`coverage_gaps.config.evidence.ChallengesSpec`).
_DEFAULT = ChallengesSpec()


@dataclass(frozen=True)
class ChallengeRules:
    """The rules in force (the project file's ``challenges:``; defaults from
    :class:`~coverage_gaps.config.evidence.ChallengesSpec`)."""

    hex_resolution: int = _DEFAULT.hex_resolution
    village_radius_m: float = _DEFAULT.village_radius_m
    min_tests: int = _DEFAULT.min_tests
    min_failing_share: float = _DEFAULT.min_failing_share
    min_hours_apart: float = _DEFAULT.min_hours_apart
    speed_mbps: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT.speed_mbps))

    @classmethod
    def from_spec(cls, spec: ChallengesSpec) -> ChallengeRules:
        """The rules of a project's ``challenges:`` section.

        Examples
        --------
        >>> ChallengeRules.from_spec(ChallengesSpec(min_tests=3)).min_tests
        3
        """
        return cls(
            hex_resolution=spec.hex_resolution,
            village_radius_m=float(spec.village_radius_m),
            min_tests=spec.min_tests,
            min_failing_share=float(spec.min_failing_share),
            min_hours_apart=float(spec.min_hours_apart),
            speed_mbps=dict(spec.speed_mbps),
        )

    def __post_init__(self) -> None:
        checks = {
            "hex_resolution": 0 <= self.hex_resolution <= 15,
            "village_radius_m": self.village_radius_m > 0,
            "min_tests": self.min_tests >= 1,
            "min_failing_share": 0 < self.min_failing_share <= 1,
            "min_hours_apart": self.min_hours_apart >= 0,
            "speed_mbps": all(v >= 0 for v in self.speed_mbps.values()),
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"challenges: invalid {', '.join(bad)}: {self}")

    def as_dict(self) -> dict[str, object]:
        """The rules as plain values, for ``run.json``.

        Examples
        --------
        >>> ChallengeRules().as_dict()["speed_mbps"]
        {'4G': 5.0, '5G': 7.0}
        """
        out = asdict(self)
        out["speed_mbps"] = dict(self.speed_mbps)
        return out


@dataclass(frozen=True)
class DeclaredLayer:
    """A carrier's declared coverage of one technology, as the rules need it."""

    carrier: str
    technology: str
    threshold_dbm: float
    source: str = "raster"  # raster | polygons | predicted

    @property
    def column(self) -> str:
        """The village column of the layer, e.g. ``viettel_4g``."""
        return f"{carrier_slug(self.carrier)}_{self.technology.lower()}"


@dataclass
class EvidenceResult:
    """What :func:`assess_evidence` found.

    Attributes
    ----------
    tests
        The judged tests: the loaded columns, then ``layer`` (index into ``layers``),
        ``threshold_dbm``, ``speed_threshold_mbps``, ``declared``, ``failing``,
        ``h3_index`` (uint64) and ``cell`` (index into ``cell_ids``).
    villages, cells
        One row per unit with tests and layer: ``village`` / ``cell`` (row index), ``layer``,
        then ``village_id`` / ``h3_cell``, ``carrier``, ``technology`` (categories),
        ``tests``, ``failing``, ``tests_outside``, ``passing_outside``, ``hours_apart``,
        ``verdict`` (category of :data:`VERDICTS`).
    challenges
        :data:`CHALLENGE_COLUMNS`, villages first, then H3 cells.
    pairs
        (test row, village row) of every test within ``village_radius_m`` of a village.
    """

    rules: ChallengeRules
    layers: list[DeclaredLayer]
    tests: gpd.GeoDataFrame
    villages: pd.DataFrame
    cells: pd.DataFrame
    challenges: pd.DataFrame
    pairs: tuple[np.ndarray, np.ndarray]
    village_ids: np.ndarray
    cell_ids: np.ndarray


@dataclass
class Inputs:
    """Every input loaded, checked and reprojected to the working CRS. ``config`` is the
    project as run: each ``kind: sites`` entry of its coverage replaced by the layers its site
    list gives (one per carrier × technology); ``layers`` follows its order."""

    config: ProjectConfig
    working_crs: CRS
    communes: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    layers: list[CoverageLayer]
    fibre: gpd.GeoDataFrame | None
    issues: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: raster values at the villages, read once while checking (reused by the analysis)
    samples: dict[str, RasterSample] = field(default_factory=dict)
    #: raster layers on the area grid, read in the same pass as ``samples``
    grids: CoverageGrids | None = None
    sites: gpd.GeoDataFrame | None = None
    facilities: gpd.GeoDataFrame | None = None
    assignments: pd.DataFrame | None = None
    #: candidate sites from ``planning.candidates`` (None: generated during the analysis)
    candidates: gpd.GeoDataFrame | None = None
    #: information about the inputs that asks for no action (``run.json`` "notes", ``-v``)
    notes: list[Problem] = field(default_factory=list)
    #: the tests of every ``measurements:`` file (standard frame of ``load_measurements``)
    measurements: gpd.GeoDataFrame | None = None
    #: Ookla's open-data tiles (``load_ookla_tiles``)
    ookla: pd.DataFrame | None = None


@dataclass(frozen=True)
class CommuneDrawings:
    """The communes as the outputs draw them, made beside the analysis (whose second core
    is otherwise idle while the inputs load), once for the tables and every map of a run.

    ``ids`` are the communes' ``commune_id`` (text), in the order of the arrays; ``wgs84``
    their whole geometries in EPSG:4326 (``communes.gpkg``, the maps' bounds);
    ``simplified`` the WGS 84 geometries simplified for the maps, keyed by (WKT of the
    metric CRS simplified in, tolerance in metres).
    """

    ids: np.ndarray
    wgs84: np.ndarray
    simplified: Mapping[tuple[str, float], np.ndarray]

    def positions(self, commune_ids: pd.Series) -> np.ndarray | None:
        """Where ``commune_ids`` are in the arrays; None when one of them is not."""
        where = pd.Index(self.ids).get_indexer(commune_ids.astype(str).to_numpy())
        return None if (where < 0).any() else where


@dataclass
class RunResult:
    """What a run produced: the tables, where they were written, and how it went."""

    config: ProjectConfig
    working_crs: CRS
    villages: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    provinces: pd.DataFrame
    issues: list[Problem]
    timings: dict[str, float]
    priority: PriorityResult | None = None
    output: Path | None = None
    #: the layers on the area grid (for the map overlays); None when not computed
    grids: CoverageGrids | None = None
    planning: PlanningResult | None = None
    #: the verdicts of the measured evidence (when the project has ``measurements:``)
    evidence: EvidenceResult | None = None
    #: When the village table is too large to hold (``engine: dask``, more than
    #: ``engines.dask.VILLAGE_PARTS_MIN_ROWS`` villages): the folder of its GeoParquet parts
    #: (written as ``villages.parquet/``); ``villages`` then holds only the villages the
    #: lists, the report and the map need (those in a gap or covered by one carrier).
    village_parts: Path | None = None
    #: With ``village_parts``: the population per commune and combination of coverage
    #: columns (``commune_id``, ``population`` and the carriers' columns), for the report.
    village_groups: pd.DataFrame | None = None
    #: the coverage layers, in the order of ``config.coverage`` (predicted ones included)
    layers: list[CoverageLayer] = field(default_factory=list)
    #: information that asks for no action (``run.json`` "notes", shown with ``-v``)
    notes: list[Problem] = field(default_factory=list)
    #: each province's communes dissolved into one shape, in the working CRS, keyed by
    #: ``province_id`` (the maps draw their outlines); None when not made with the analysis
    province_shapes: dict[str, shapely.Geometry] | None = field(default=None, repr=False)
    #: the communes reprojected and simplified for the outputs, made with the analysis of a
    #: run that writes its files; None otherwise (the outputs then make them)
    drawings: CommuneDrawings | None = field(default=None, repr=False)

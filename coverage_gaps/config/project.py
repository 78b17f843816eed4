"""The YAML project file: parsing, checking and resolving paths.

A project file names the inputs and the options of one analysis. Paths are
relative to the folder of the project file. Every problem in the file is
collected and reported at once (unknown keys get a "did you mean" hint).

Example
-------
.. code-block:: yaml

    name: Thái Nguyên
    communes: {path: communes.gpkg, layer: wards, id: code, name: fullName}
    villages: {path: villages.csv, id: village_id, name: name, population: population,
               x: lon, y: lat, crs: "EPSG:4326"}
    coverage:
      - {path: viettel_4g.tif, carrier: Viettel, technology: 4G, threshold: -105}
      - {path: vnpt_3g.gpkg, carrier: VNPT, technology: 3G}
      - {kind: sites, path: mobifone_sites.xlsx, carrier: MobiFone, model: hata+terrain,
         dem: dem.tif}
    fibre: {path: fibre.gpkg, max_distance_m: 1000}
    output: outputs/thai-nguyen
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, field, replace
from pathlib import Path
from typing import Any

import yaml
from pyproj import CRS
from pyproj.exceptions import CRSError

from .._errors import ConfigError, Problem
from ..vietnam.carriers import TECHNOLOGIES, carrier_slug
from .evidence import ChallengesSpec, MeasurementSpec, OoklaSpec
from .parsers import (
    carrier_name,
    commune_code_set,
    crs_name,
    encoding_name,
    not_empty,
    not_negative,
    one_of,
    positive,
    technology_name,
)
from .planning import PlanningSpec
from .priority import PrioritySpec
from .schema import Checker, Issue, Refused, key, section

__all__ = [
    "COVERAGE_KINDS",
    "DEFAULT_THRESHOLDS_DBM",
    "ChallengesSpec",
    "SITE_ENVIRONMENTS",
    "SITE_FIELDS",
    "SITE_MODELS",
    "CommunesSpec",
    "CoverageSpec",
    "EngineSpec",
    "FibreSpec",
    "MeasurementSpec",
    "OoklaSpec",
    "ProjectConfig",
    "VillagesSpec",
    "load_config",
    "parse_config",
]

#: Default "covered" signal level outdoors, per technology, in dBm. See
#: ``docs/THRESHOLDS.md`` for the sources; override per layer with ``threshold``.
DEFAULT_THRESHOLDS_DBM: dict[str, float] = {
    "2G": -93.0,  # GSM RSSI: Ofcom 2015 licence variation, GSM900/1800 minimum
    "3G": -103.0,  # UMTS RSCP: same table, UMTS2100 minimum
    "4G": -105.0,  # LTE RSRP: Ofcom outdoor 4G reporting threshold
    "5G": -105.0,  # NR SS-RSRP: no regulator value found; mirrors LTE RSRP (provisional)
}

RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img", ".asc", ".nc", ".jp2")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")


def _has_suffix(path: str | Path, suffixes: tuple[str, ...]) -> bool:
    return Path(path).suffix.lower() in suffixes


# Keys that several sections share: each section declares its own, with the same checks.
def _layer() -> Any:
    return key(default=None, doc="layer of a multi-layer file")


def _where() -> Any:
    return key(default=None, doc="OGR SQL filter, e.g. \"provinceCode = '19'\"")


def _crs(doc: str = "CRS to assume when the file has none: EPSG code, WKT or VN-2000 name") -> Any:
    return key(default=None, yaml=(str, int), parse=crs_name, doc=doc)


def _encoding() -> Any:
    return key(
        default=None,
        parse=encoding_name,
        doc="text encoding: auto, utf-8, tcvn3, vni, viscii, cp1258",
    )


@section
class CommunesSpec:
    """Where the commune polygons are and which columns hold what."""

    path: Path = key(doc="commune polygons: any GDAL vector format or GeoParquet")
    layer: str | None = _layer()
    id: str = key(default="code", doc="column with the commune code")
    name: str = key(default="fullName", doc="column with the commune name")
    province: str | None = key(default=None, doc="column with the province id")
    province_name: str | None = key(default=None, doc="column with the province name")
    where: str | None = _where()
    crs: str | None = _crs()
    encoding: str | None = _encoding()


@section
class VillagesSpec:
    """Where the villages are: a vector file (points or polygons) or a table with x/y."""

    path: Path = key(doc="a table (CSV/TSV/XLSX) with coordinates, or points/polygons")
    layer: str | None = _layer()
    sheet: str | None = key(default=None, doc="XLSX sheet")
    id: str = key(default="village_id", doc="column with the unique village id")
    name: str = key(default="name", doc="column with the village name")
    population: str = key(default="population", doc="column with the population (≥ 0)")
    x: str | None = key(default=None, doc="table only: column with the x (longitude)")
    y: str | None = key(default=None, doc="table only: column with the y (latitude)")
    crs: str | None = _crs("table: CRS of x/y (default EPSG:4326); vector: as for communes")
    commune: str | None = key(default=None, doc="column with the commune id of each village")
    where: str | None = _where()
    max_snap_m: float = key(
        default=0.0,
        parse=not_negative(fix="use 0 to require every village inside a commune."),
        doc="attach villages up to this far outside a commune to the nearest one",
    )
    households: str | None = key(default=None, doc="column with the number of households")
    electricity: str | None = key(default=None, doc="column with grid power: 1/0, có/không, yes/no")
    encoding: str | None = _encoding()
    commune_codes: str = key(
        default="2025",
        yaml=(str, int),
        parse=commune_code_set,
        doc="2025, or pre-2025 (old codes, converted with the crosswalk)",
    )
    crosswalk: Path | None = key(
        default=None, doc="old-to-new commune code table; default: vietnamadminunits"
    )

    @property
    def is_table(self) -> bool:
        return _has_suffix(self.path, TABLE_SUFFIXES)

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        if values.get("commune_codes") == "pre-2025" and "commune" not in values:
            yield Issue(
                "'pre-2025' converts the commune codes of the villages, but no 'commune' "
                "column is given.",
                "add 'commune: <column with the old commune codes>'.",
                at="commune_codes",
            )
        path = values.get("path")
        xy = values.get("x") is not None and values.get("y") is not None
        if path is not None and _has_suffix(path, TABLE_SUFFIXES) and not xy:
            yield Issue(
                f"'{path}' is a table, so 'x' and 'y' (the coordinate columns) are required.",
                "add for example 'x: lon' and 'y: lat' and 'crs: EPSG:4326'.",
            )


#: Kinds of coverage layer: a raster, polygons, or a site list the coverage is predicted from.
COVERAGE_KINDS: tuple[str, ...] = ("raster", "vector", "sites")
#: Prediction models of a site list (``coverage_gaps.analysis.propagation.MODELS``).
SITE_MODELS: tuple[str, ...] = ("range", "hata", "hata+terrain")
#: Environments of the path-loss models (``coverage_gaps.analysis.propagation.ENVIRONMENTS``).
SITE_ENVIRONMENTS: tuple[str, ...] = ("urban", "suburban", "rural")
#: The fields a site list's ``columns:`` may map to a column of the file
#: (``coverage_gaps.inputs.sites_list.COLUMN_ALIASES``).
SITE_FIELDS: tuple[str, ...] = (
    "site_id", "lon", "lat", "x", "y", "height_m", "frequency_mhz", "eirp_dbm", "azimuth_deg",
    "beamwidth_deg", "range_m", "carrier", "technology", "mcc", "net",
)  # fmt: skip
#: Keys that apply to site lists only.
_SITE_KEYS = ("model", "environment", "dem", "resolution_m", "receiver_height_m", "columns")


def _site_columns(value: dict[Any, Any]) -> dict[str, str]:
    """``columns:`` of a site list: field → column name, each field one of :data:`SITE_FIELDS`."""
    issues = []
    for field_name, column in value.items():
        if field_name not in SITE_FIELDS:
            issues.append(
                Issue(
                    f"unknown site-list field '{field_name}'.",
                    f"fields: {', '.join(SITE_FIELDS)}.",
                    at=str(field_name),
                )
            )
        elif not isinstance(column, str) or not column.strip():
            issues.append(
                Issue(
                    f"expected a column name, got {column!r}.",
                    "write the name of the file's column, e.g. 'height_m: Do cao (m)'.",
                    at=str(field_name),
                )
            )
    if issues:
        raise Refused(*issues)
    return {str(k): str(v) for k, v in value.items()}


@section
class CoverageSpec:
    """One carrier's coverage of one technology: a raster, polygons, or a site list from which
    the coverage is predicted (``kind: sites``; docs/PREDICTION.md)."""

    kind: str | None = key(
        default=None,
        parse=one_of(
            *COVERAGE_KINDS,
            what="unknown coverage kind '{}'.",
            fix="use 'raster', 'vector' or 'sites' (or leave it out: raster or vector by the file).",
        ),
        doc="raster, vector or sites; default: raster or vector by the file",
    )
    path: Path = key(doc="coverage raster (GeoTIFF ...), polygons, or a site list (kind: sites)")
    carrier: str = key(
        default="",
        required=True,
        yaml=(str, int),
        parse=carrier_name,
        doc="operator: name or mobile network code (452-04); kind: sites may read it from the "
        "file (a carrier column, or mcc + net)",
    )
    technology: str = key(
        default="",
        required=True,
        parse=technology_name,
        doc="2G, 3G, 4G, 5G (or GSM, UMTS, LTE, NR); kind: sites may read it from the file "
        "(a technology or radio column)",
    )
    layer: str | None = key(
        default=None, doc="layer of a multi-layer file (kind: sites: also the sheet of an XLSX)"
    )
    band: int = key(default=1, doc="raster only: band number")
    values: str = key(
        default="auto",
        parse=one_of(
            "auto",
            "dbm",
            "mask",
            what="unknown value kind '{}'.",
            fix="use 'dbm' (signal level), 'mask' (0/1) or 'auto'.",
        ),
        doc="raster only: dbm (signal level), mask (0/1) or auto",
    )
    threshold: float | None = key(
        default=None,
        doc="raster and sites: covered from this level (dBm); default per technology",
    )
    where: str | None = _where()
    crs: str | None = _crs(
        "CRS to assume when the file has none; kind: sites: CRS of lon/lat (default WGS 84) or x/y"
    )
    encoding: str | None = _encoding()
    model: str | None = key(
        default=None,
        parse=one_of(
            *SITE_MODELS,
            what="unknown model '{}'.",
            fix="use 'range', 'hata' or 'hata+terrain' (docs/PREDICTION.md).",
        ),
        doc="kind: sites (required): range, hata or hata+terrain",
    )
    environment: str | None = key(
        default=None,
        parse=one_of(
            *SITE_ENVIRONMENTS,
            what="unknown environment '{}'.",
            fix="use 'urban', 'suburban' or 'rural'.",
        ),
        doc="kind: sites: urban, suburban or rural (default rural)",
    )
    dem: Path | None = key(
        default=None,
        doc="kind: sites, required by hata+terrain: elevation raster (any CRS; metres)",
    )
    resolution_m: float | None = key(
        default=None,
        parse=positive(what="must be a positive number of metres.", fix="use for example 50."),
        doc="kind: sites: cell of the predicted raster in metres (default 50)",
    )
    receiver_height_m: float | None = key(
        default=None,
        parse=positive(what="must be a positive number of metres.", fix="use for example 1.5."),
        doc="kind: sites: receiver height above ground in metres (default 1.5)",
    )
    columns: dict[str, str] | None = key(
        default=None,
        parse=_site_columns,
        doc="kind: sites: field -> column of the file, for names not recognised "
        "(e.g. {height_m: Do cao})",
    )

    @property
    def layer_kind(self) -> str:
        """``raster``, ``vector`` or ``sites``: the ``kind`` given, else raster or vector by
        the file's suffix."""
        if self.kind is not None:
            return self.kind
        return "raster" if _has_suffix(self.path, RASTER_SUFFIXES) else "vector"

    @property
    def is_raster(self) -> bool:
        return self.layer_kind == "raster"

    @property
    def is_sites(self) -> bool:
        return self.layer_kind == "sites"

    @property
    def is_complete(self) -> bool:
        """Whether carrier and technology are known (a site list may leave them to its rows)."""
        return bool(self.carrier and self.technology)

    @property
    def column(self) -> str:
        """Name of the per-village column, e.g. ``viettel_4g``."""
        return f"{carrier_slug(self.carrier)}_{self.technology.lower()}"

    @property
    def threshold_dbm(self) -> float:
        if self.threshold is not None:
            return float(self.threshold)
        return DEFAULT_THRESHOLDS_DBM[self.technology]

    @property
    def environment_name(self) -> str:
        """The path-loss environment (``rural`` unless given)."""
        return self.environment or "rural"

    @property
    def grid_resolution_m(self) -> float:
        """Cell of the predicted raster (50 m unless given)."""
        return float(self.resolution_m or 50.0)

    @property
    def receiver_height(self) -> float:
        """Receiver height above ground (1.5 m unless given)."""
        return float(self.receiver_height_m or 1.5)

    @staticmethod
    def _waived_keys(values: dict[str, Any]) -> tuple[str, ...]:
        # a site list may take its carrier and technology from its rows
        return ("carrier", "technology") if values.get("kind") == "sites" else ()

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        path = values.get("path")
        kind = values.get("kind")
        if kind is None and path is not None:
            kind = "raster" if _has_suffix(path, RASTER_SUFFIXES) else "vector"
        if kind == "sites":
            yield from _check_site_keys(values, given)
            return
        site_keys = [k for k in _SITE_KEYS if k in given]
        if site_keys:
            yield Issue(
                f"{_listed(site_keys)} {'applies' if len(site_keys) == 1 else 'apply'} to "
                "site lists only "
                f"(kind: sites); this layer is {kind or 'a raster or polygons'}.",
                "remove them, or add 'kind: sites' if the file is a list of cell sites.",
            )
        raster_only = "threshold" in values or values.get("values", "auto") != "auto"
        if kind == "vector" and raster_only:
            yield Issue(
                "'threshold' and 'values' apply to rasters only; this layer is vector.",
                "remove them, or give a GeoTIFF.",
            )


def _listed(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _check_site_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
    """The cross-key rules of a ``kind: sites`` layer."""
    model = values.get("model")
    if "model" not in given:
        yield Issue(
            "required key 'model' is missing (a site list needs a prediction model).",
            "add 'model: hata' (or range, or hata+terrain with 'dem:').",
            at="model",
        )
    if model == "hata+terrain" and "dem" not in given:
        yield Issue(
            "'model: hata+terrain' needs the terrain: 'dem' is missing.",
            "add 'dem: <elevation GeoTIFF, heights in metres>' or use 'model: hata'.",
            at="dem",
        )
    if model is not None and model != "hata+terrain" and "dem" in given:
        yield Issue(
            f"'dem' is given but 'model: {model}' does not use the terrain.",
            "use 'model: hata+terrain', or remove 'dem'.",
            at="dem",
        )
    raster_keys = [  # the defaults as written back by to_dict() are no problem
        k
        for k, default in (("band", 1), ("values", "auto"), ("where", None))
        if values.get(k, default) != default
    ]
    if raster_keys:
        yield Issue(
            f"{_listed(raster_keys)} {'does' if len(raster_keys) == 1 else 'do'} not apply "
            "to a site list.",
            "remove them (a site list is a table or a vector file of points).",
        )
    path = values.get("path")
    if path is not None and _has_suffix(path, RASTER_SUFFIXES):
        yield Issue(
            f"'{path}' is a raster, but 'kind: sites' needs a list of cell sites "
            "(CSV, XLSX, KML, GeoPackage ...).",
            "give the site list, or remove 'kind: sites' to use the raster as coverage.",
            at="path",
        )


@section
class FibreSpec:
    """Fibre routes (lines) or access points (points), and the reach that counts."""

    path: Path = key(doc="fibre routes (lines) or access points (points)")
    layer: str | None = _layer()
    max_distance_m: float = key(
        default=1000.0,
        parse=not_negative(),
        doc="a village farther than this from fibre is in the fibre gap",
    )
    where: str | None = _where()
    crs: str | None = _crs()
    owner: str | None = key(default=None, doc="column with the carrier owning each route")
    encoding: str | None = _encoding()


@section
class SitesSpec:
    """Existing cell sites: points with a carrier and the technologies on air."""

    path: Path = key(doc="existing cell sites (points)")
    layer: str | None = _layer()
    carrier: str = key(default="carrier", doc="column with the carrier")
    technologies: str = key(default="technologies", doc="column with the technologies on air")
    where: str | None = _where()
    crs: str | None = _crs()


@section
class FacilitiesSpec:
    """Public facilities (commune centre, school, health station, public-service point)."""

    path: Path = key(doc="public facilities (points)")
    layer: str | None = _layer()
    kind: str | None = key(default=None, doc="column with the kind of facility")
    where: str | None = _where()
    crs: str | None = _crs()


def _whole_positive(value: int) -> int:
    """A whole number of at least 1."""
    if value < 1:
        raise Refused(
            Issue(
                f"must be a whole number of at least 1, got {value}.",
                "use for example 'partitions: 64', or leave it out (chosen from the data).",
            )
        )
    return value


@section
class EngineSpec:
    """Where the analysis runs: this process (``local``) or a Dask cluster (``dask``)."""

    kind: str = key(
        default="local",
        parse=one_of(
            "local",
            "dask",
            what="unknown engine '{}'.",
            fix="use 'local' (one process, the default) or 'dask' (partitions on a Dask cluster).",
        ),
        doc="local (one process) or dask (partitions on a Dask cluster)",
    )
    scheduler: str | None = key(
        default=None,
        doc="dask: address of a running scheduler (tcp://10.0.0.5:8786); default: a local cluster",
    )
    partitions: int | None = key(
        default=None,
        parse=_whole_positive,
        doc="dask: number of partitions of the villages; default: about 250,000 villages each",
    )

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        if values.get("kind", "local") == "local":
            for name in ("scheduler", "partitions"):
                if name in given:
                    yield Issue(
                        f"'{name}' applies to the dask engine only.",
                        "set 'kind: dask', or remove it.",
                        at=name,
                    )


def _working_crs(value: str) -> str:
    """``auto`` or a projected CRS PROJ knows (VN-2000 names resolved)."""
    if value == "auto":
        return value
    # a VN-2000 name that does not resolve is reported below as a CRS PROJ does not know
    with contextlib.suppress(Refused):
        value = crs_name(value)
    try:
        crs = CRS.from_user_input(value)
    except CRSError:
        raise Refused(
            Issue(f"'{value}' is not a CRS PROJ knows.", "use 'auto' or e.g. EPSG:32648.")
        ) from None
    if not crs.is_projected:
        raise Refused(
            Issue(
                f"'{value}' is not a projected (metric) CRS.",
                "use 'auto' or a UTM zone such as EPSG:32648.",
            )
        )
    return value


@section
class ProjectConfig:
    """A fully checked project: every path absolute, every name normalised."""

    name: str = key(parse=str.strip, doc="the project; used in reports")
    communes: CommunesSpec = key(doc="the commune polygons")
    villages: VillagesSpec = key(doc="the villages")
    coverage: tuple[CoverageSpec, ...] = key(
        parse=not_empty(
            what="no coverage layer is listed.", fix="list at least one layer under 'coverage:'."
        ),
        doc="one layer per carrier and technology",
    )
    fibre: FibreSpec | None = key(default=None, doc="fibre routes or access points")
    output: Path = key(required=False, doc="default: outputs/<slug of name> beside the project")
    working_crs: str = key(
        default="auto", parse=_working_crs, doc="auto, or a projected CRS in metres"
    )
    area_resolution_m: float = key(
        default=100.0,
        parse=positive(what="must be a positive number of metres.", fix="use for example 100."),
        doc="grid cell for the area shares (pct_area_*)",
    )
    synthetic: bool = key(default=False, doc="true marks every output as made from synthetic data")
    sites: SitesSpec | None = key(default=None, doc="existing cell sites")
    facilities: FacilitiesSpec | None = key(default=None, doc="schools, health stations ...")
    priority: PrioritySpec = key(default_factory=PrioritySpec, doc="see docs/PRIORITY.md")
    planning: PlanningSpec | None = key(
        default=None, doc="where to build new sites within a budget: see docs/PLANNING.md"
    )
    measurements: tuple[MeasurementSpec, ...] = key(
        default=(), doc="files of tests (drive tests, speed tests); see docs/EVIDENCE.md"
    )
    challenges: ChallengesSpec = key(
        default_factory=ChallengesSpec, doc="rules judging declared coverage with the tests"
    )
    ookla: OoklaSpec | None = key(
        default=None, scalar="path", doc="Ookla open-data tiles: median download per village"
    )
    language: str = key(
        default="vi",
        parse=one_of(
            "vi",
            "en",
            what="unknown language '{}'.",
            fix="use 'vi' (Vietnamese) or 'en' (English).",
        ),
        doc="vi or en: headers of the lists, the report",
    )
    engine: EngineSpec = key(
        default_factory=EngineSpec,
        scalar="kind",
        doc="local, dask, or {kind: dask, scheduler: ..., partitions: ...}",
    )
    source: Path | None = field(default=None, compare=False)  # the project file; not a key

    @property
    def technologies(self) -> list[str]:
        """Technologies present in the coverage layers, in increasing order."""
        present = {c.technology for c in self.coverage}
        return [t for t in TECHNOLOGIES if t in present]

    def with_overrides(
        self,
        *,
        output: str | Path | None = None,
        language: str | None = None,
        engine: str | None = None,
    ) -> ProjectConfig:
        """This project with the command line's choices (``--output``, ``--lang``,
        ``--engine``) applied; ``None`` keeps the project file's value. The one place
        overrides are applied. ``--engine`` changes the kind only: a scheduler and
        partitions written in the project file still apply to ``dask``."""
        changes: dict[str, Any] = {}
        if output is not None:
            changes["output"] = Path(output).resolve()
        if language is not None:
            changes["language"] = language
        if engine is not None and engine != self.engine.kind:
            kept = self.engine if engine == "dask" else EngineSpec()
            changes["engine"] = replace(kept, kind=engine)
        return replace(self, **changes) if changes else self

    def input_roles(self) -> list[tuple[str, Path]]:
        """Every input file with its role (``communes``, ``coverage:viettel_4g``, ``dem`` ...)."""
        roles: list[tuple[str, Path]] = [
            ("communes", self.communes.path),
            ("villages", self.villages.path),
        ]
        for c in self.coverage:
            name = c.column if c.is_complete else c.path.stem
            roles.append((f"coverage:{name}", c.path))
            if c.dem is not None:
                roles.append((f"dem:{name}", c.dem))
        optional = (
            ("fibre", self.fibre),
            ("sites", self.sites),
            ("facilities", self.facilities),
            ("assignments", self.priority.assignments),
        )
        roles += [(role, spec.path) for role, spec in optional if spec is not None]
        roles += [("measurements", spec.path) for spec in self.measurements]
        if self.ookla is not None:
            roles.append(("ookla", self.ookla.path))
        if self.priority.dem is not None:
            roles.append(("dem", self.priority.dem))
        return roles + self._planning_roles()

    def _planning_roles(self) -> list[tuple[str, Path]]:
        """The planning's input files: candidates and DEM (when given)."""
        plan = self.planning
        if plan is None:
            return []
        roles = [("planning:candidates", plan.candidates.path)] if plan.candidates else []
        return roles + ([("planning:dem", plan.dem)] if plan.dem is not None else [])

    def input_paths(self) -> list[Path]:
        """Every input file (see :meth:`input_roles`)."""
        return [path for _, path in self.input_roles()]

    def to_dict(self) -> dict[str, Any]:
        """The resolved configuration as plain YAML/JSON types."""

        def conv(value: Any) -> Any:
            if isinstance(value, Path):
                return str(value)
            if isinstance(value, dict):  # unset keys (None, or "" for carrier) left out
                return {k: conv(v) for k, v in value.items() if v is not None and v != ""}
            if isinstance(value, (list, tuple)):
                return [conv(v) for v in value]
            return value

        data = conv(asdict(self))
        data.pop("source", None)
        return data

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        seen: dict[str, int] = {}
        for i, spec in enumerate(values.get("coverage", ())):
            if not spec.is_complete:  # a site list's layers are known once it is read
                continue
            if spec.column in seen:
                yield Issue(
                    f"{spec.carrier} {spec.technology} is listed twice "
                    f"(also coverage[{seen[spec.column]}]).",
                    "merge the two layers into one file, or remove one.",
                    at=f"coverage[{i}]",
                )
            seen.setdefault(spec.column, i)


def parse_config(data: Any, *, base_dir: Path, source: str = "config") -> ProjectConfig:
    """Check a project mapping (already read from YAML) and return a :class:`ProjectConfig`.

    Parameters
    ----------
    data
        The mapping read from the YAML file.
    base_dir
        Folder that relative paths are resolved against (the YAML file's folder).
    source
        Name used for the file in error messages.

    Raises
    ------
    ConfigError
        Listing every problem found.

    Examples
    --------
    >>> cfg = parse_config({"name": "X", "communes": {"path": "c.gpkg"},
    ...                     "villages": {"path": "v.csv", "x": "lon", "y": "lat"},
    ...                     "coverage": [{"path": "a.tif", "carrier": "452-04",
    ...                                   "technology": "LTE"}]}, base_dir=Path("/p"))
    >>> cfg.coverage[0].column
    'viettel_4g'
    """
    chk = Checker(source, base=base_dir.resolve())
    if not isinstance(data, Mapping):
        chk.add(
            "",
            f"the file must hold a mapping of keys (name:, communes:, ...), not {type(data).__name__}.",
            "see the example in README.md.",
        )
        raise ConfigError(chk.problems)
    values = chk.check_keys(data, ProjectConfig, "")
    if chk.problems:
        raise ConfigError(chk.problems)
    values.setdefault("output", chk.base / "outputs" / (carrier_slug(values["name"]) or "project"))
    return ProjectConfig(**values)


def load_config(path: str | Path, *, output: str | Path | None = None) -> ProjectConfig:
    """Read and check a YAML project file.

    Parameters
    ----------
    path
        The project file.
    output
        Override the output folder given in the file.

    Examples
    --------
    >>> cfg = load_config("outputs/demo/inputs/project.yml")  # doctest: +SKIP
    >>> [c.column for c in cfg.coverage]  # doctest: +SKIP
    ['viettel_2g', 'viettel_4g', ...]
    """
    path = Path(path)
    if not path.is_file():
        missing = "the project file does not exist." if not path.exists() else "this is not a file."
        raise ConfigError([Problem(str(path), "", missing, "check the path.")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        what = f"not UTF-8 text ({exc.reason} at byte {exc.start})."
        raise ConfigError([Problem(str(path), "", what, "save the file as UTF-8.")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = f"not valid YAML: {getattr(exc, 'problem', None) or exc}."
        fix = "check indentation and quoting at that place."
        raise ConfigError([Problem(str(path), where, what, fix)]) from None
    cfg = parse_config(data, base_dir=path.parent, source=str(path))
    return replace(cfg, source=path.resolve()).with_overrides(output=output)

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
    fibre: {path: fibre.gpkg, max_distance_m: 1000}
    output: outputs/thai-nguyen
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pyproj import CRS
from pyproj.exceptions import CRSError

from .._errors import ConfigError, Problem
from ..vietnam.carriers import TECHNOLOGIES, carrier_slug, normalise_carrier, normalise_technology
from ..vietnam.textcodecs import normalise_encoding_name
from ..vietnam.vn2000 import resolve_crs
from .priority import PrioritySpec, parse_priority

__all__ = [
    "DEFAULT_THRESHOLDS_DBM",
    "CommunesSpec",
    "CoverageSpec",
    "FibreSpec",
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


@dataclass(frozen=True)
class CommunesSpec:
    """Where the commune polygons are and which columns hold what."""

    path: Path
    id: str = "code"
    name: str = "fullName"
    layer: str | None = None
    province: str | None = None
    province_name: str | None = None
    where: str | None = None
    crs: str | None = None
    encoding: str | None = None  # auto | utf-8 | tcvn3 | vni | viscii | cp1258


@dataclass(frozen=True)
class VillagesSpec:
    """Where the villages are: a vector file (points or polygons) or a table with x/y."""

    path: Path
    id: str = "village_id"
    name: str = "name"
    population: str = "population"
    layer: str | None = None
    sheet: str | None = None
    x: str | None = None
    y: str | None = None
    crs: str | None = None
    commune: str | None = None
    where: str | None = None
    max_snap_m: float = 0.0
    households: str | None = None
    electricity: str | None = None
    encoding: str | None = None  # auto | utf-8 | tcvn3 | vni | viscii | cp1258
    commune_codes: str = "2025"  # 2025 | pre-2025 (converted with the crosswalk)
    crosswalk: Path | None = None  # mapping file; default: the vietnamadminunits package

    @property
    def is_table(self) -> bool:
        return self.path.suffix.lower() in TABLE_SUFFIXES


@dataclass(frozen=True)
class CoverageSpec:
    """One carrier's coverage of one technology: a raster or polygons."""

    path: Path
    carrier: str
    technology: str
    layer: str | None = None
    band: int = 1
    values: str = "auto"  # auto | dbm | mask (rasters only)
    threshold: float | None = None
    where: str | None = None
    crs: str | None = None
    encoding: str | None = None

    @property
    def is_raster(self) -> bool:
        return self.path.suffix.lower() in RASTER_SUFFIXES

    @property
    def column(self) -> str:
        """Name of the per-village column, e.g. ``viettel_4g``."""
        return f"{carrier_slug(self.carrier)}_{self.technology.lower()}"

    @property
    def threshold_dbm(self) -> float:
        if self.threshold is not None:
            return float(self.threshold)
        return DEFAULT_THRESHOLDS_DBM[self.technology]


@dataclass(frozen=True)
class FibreSpec:
    """Fibre routes (lines) or access points (points), and the reach that counts."""

    path: Path
    layer: str | None = None
    max_distance_m: float = 1000.0
    where: str | None = None
    crs: str | None = None
    owner: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class SitesSpec:
    """Existing cell sites: points with a carrier and the technologies on air."""

    path: Path
    layer: str | None = None
    carrier: str = "carrier"
    technologies: str = "technologies"
    where: str | None = None
    crs: str | None = None


@dataclass(frozen=True)
class FacilitiesSpec:
    """Public facilities (commune centre, school, health station, public-service point)."""

    path: Path
    layer: str | None = None
    kind: str | None = None
    where: str | None = None
    crs: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    """A fully checked project: every path absolute, every name normalised."""

    name: str
    communes: CommunesSpec
    villages: VillagesSpec
    coverage: tuple[CoverageSpec, ...]
    output: Path
    fibre: FibreSpec | None = None
    working_crs: str = "auto"
    area_resolution_m: float = 100.0
    synthetic: bool = False
    sites: SitesSpec | None = None
    facilities: FacilitiesSpec | None = None
    priority: PrioritySpec = field(default_factory=lambda: PrioritySpec())
    language: str = "vi"
    source: Path | None = field(default=None, compare=False)

    @property
    def technologies(self) -> list[str]:
        """Technologies present in the coverage layers, in increasing order."""
        present = {c.technology for c in self.coverage}
        return [t for t in TECHNOLOGIES if t in present]

    def with_overrides(
        self, *, output: str | Path | None = None, language: str | None = None
    ) -> ProjectConfig:
        """This project with the command line's choices (``--output``, ``--lang``) applied;
        ``None`` keeps the project file's value. The one place overrides are applied."""
        changes: dict[str, Any] = {}
        if output is not None:
            changes["output"] = Path(output).resolve()
        if language is not None:
            changes["language"] = language
        return replace(self, **changes) if changes else self

    def input_roles(self) -> list[tuple[str, Path]]:
        """Every input file with its role (``communes``, ``coverage:viettel_4g``, ``dem`` ...)."""
        roles: list[tuple[str, Path]] = [
            ("communes", self.communes.path),
            ("villages", self.villages.path),
            *((f"coverage:{c.column}", c.path) for c in self.coverage),
        ]
        optional = (
            ("fibre", self.fibre),
            ("sites", self.sites),
            ("facilities", self.facilities),
            ("assignments", self.priority.assignments),
        )
        roles += [(role, spec.path) for role, spec in optional if spec is not None]
        if self.priority.dem is not None:
            roles.append(("dem", self.priority.dem))
        return roles

    def input_paths(self) -> list[Path]:
        """Every input file (see :meth:`input_roles`)."""
        return [path for _, path in self.input_roles()]

    def to_dict(self) -> dict[str, Any]:
        """The resolved configuration as plain YAML/JSON types."""

        def conv(value: Any) -> Any:
            if isinstance(value, Path):
                return str(value)
            if isinstance(value, dict):
                return {k: conv(v) for k, v in value.items() if v is not None}
            if isinstance(value, (list, tuple)):
                return [conv(v) for v in value]
            return value

        data = conv(asdict(self))
        data.pop("source", None)
        return data


# --------------------------------------------------------------------------- schema

# key -> (types accepted, required)
_Schema = dict[str, tuple[tuple[type, ...], bool]]

_STR = (str,)
_NUM = (int, float)

_TOP: _Schema = {
    "name": (_STR, True),
    "communes": ((dict,), True),
    "villages": ((dict,), True),
    "coverage": ((list,), True),
    "fibre": ((dict,), False),
    "output": (_STR, False),
    "working_crs": (_STR, False),
    "area_resolution_m": (_NUM, False),
    "synthetic": ((bool,), False),
    "sites": ((dict,), False),
    "facilities": ((dict,), False),
    "priority": ((dict,), False),
    "language": (_STR, False),
}
_SITES: _Schema = {
    "path": (_STR, True),
    "layer": (_STR, False),
    "carrier": (_STR, False),
    "technologies": (_STR, False),
    "where": (_STR, False),
    "crs": (_STR + (int,), False),
}
_FACILITIES: _Schema = {
    "path": (_STR, True),
    "layer": (_STR, False),
    "kind": (_STR, False),
    "where": (_STR, False),
    "crs": (_STR + (int,), False),
}
_COMMUNES: _Schema = {
    "path": (_STR, True),
    "layer": (_STR, False),
    "id": (_STR, False),
    "name": (_STR, False),
    "province": (_STR, False),
    "province_name": (_STR, False),
    "where": (_STR, False),
    "crs": (_STR + (int,), False),
    "encoding": (_STR, False),
}
_VILLAGES: _Schema = {
    "path": (_STR, True),
    "layer": (_STR, False),
    "sheet": (_STR, False),
    "id": (_STR, False),
    "name": (_STR, False),
    "population": (_STR, False),
    "x": (_STR, False),
    "y": (_STR, False),
    "crs": (_STR + (int,), False),
    "commune": (_STR, False),
    "where": (_STR, False),
    "max_snap_m": (_NUM, False),
    "households": (_STR, False),
    "electricity": (_STR, False),
    "encoding": (_STR, False),
    "commune_codes": (_STR + (int,), False),
    "crosswalk": (_STR, False),
}
_COVERAGE: _Schema = {
    "path": (_STR, True),
    "carrier": (_STR + (int,), True),
    "technology": (_STR, True),
    "layer": (_STR, False),
    "band": ((int,), False),
    "values": (_STR, False),
    "threshold": (_NUM, False),
    "where": (_STR, False),
    "crs": (_STR + (int,), False),
    "encoding": (_STR, False),
}
_FIBRE: _Schema = {
    "path": (_STR, True),
    "layer": (_STR, False),
    "max_distance_m": (_NUM, False),
    "where": (_STR, False),
    "crs": (_STR + (int,), False),
    "owner": (_STR, False),
    "encoding": (_STR, False),
}

_TYPE_NAMES = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    dict: "a mapping",
    list: "a list",
}


def _type_name(types: tuple[type, ...]) -> str:
    names = dict.fromkeys(_TYPE_NAMES[t] for t in types)
    return " or ".join(names)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def add(self, where: str, what: str, fix: str = "") -> None:
        self.problems.append(Problem(self.source, where, what, fix))

    def section(self, data: Mapping[str, Any], schema: _Schema, where: str) -> dict[str, Any]:
        """Check keys and types of one mapping; return the valid entries."""
        out: dict[str, Any] = {}
        for key, value in data.items():
            path = f"{where}.{key}" if where else str(key)
            if key not in schema:
                close = difflib.get_close_matches(str(key), list(schema), n=1, cutoff=0.6)
                hint = (
                    f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(schema)}."
                )
                self.add(path, f"unknown key '{key}'.", hint)
                continue
            types, _ = schema[key]
            if value is None:
                continue
            ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
            if not ok:
                self.add(
                    path,
                    f"expected {_type_name(types)}, got {type(value).__name__} {value!r}.",
                    f"write '{key}' as {_type_name(types)}.",
                )
                continue
            if key == "crs" and isinstance(value, int):
                value = f"EPSG:{value}"
            value, problem = _vietnam_value(key, value)
            if problem:
                self.add(path, *problem)
                continue
            out[key] = value
        for key, (_, required) in schema.items():
            if required and data.get(key) is None:
                self.add(
                    f"{where}.{key}" if where else key,
                    f"required key '{key}' is missing.",
                    f"add '{key}:'.",
                )
        return out


def _vietnam_value(key: str, value: Any) -> tuple[Any, tuple[str, str] | None]:
    """Resolve VN-2000 CRS names (``VN-2000 TM-3 Thái Nguyên`` -> ``EPSG:9213``),
    text encodings and ``commune_codes``; return the value and a problem (what, fix)."""
    vn2000_name = isinstance(value, str) and value.strip().lower()[:6] in ("vn-200", "vn2000")
    if key == "crs" and vn2000_name:
        try:
            crs = resolve_crs(value)
        except ValueError as exc:
            return value, (f"{exc}.", "see the VN-2000 zones in docs/VIETNAM.md.")
        epsg = crs.to_epsg()
        return (f"EPSG:{epsg}" if epsg else crs.to_wkt()), None
    if key == "encoding":
        if str(value).strip().lower() == "auto":
            return "auto", None
        try:
            return normalise_encoding_name(value), None
        except ValueError as exc:
            return value, (f"{exc}.", "write 'encoding: auto' to detect it from the text.")
    if key == "commune_codes":
        text = str(value).strip().lower().replace("_", "-").replace(" ", "-")
        if text in ("2025", "pre-2025", "pre2025"):
            return ("2025" if text == "2025" else "pre-2025"), None
        return value, (
            f"unknown commune code set '{value}'.",
            "use '2025' (codes since 1 July 2025) or 'pre-2025' (older codes, converted).",
        )
    return value, None


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def _slug(text: str) -> str:
    return carrier_slug(text) or "project"


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
    chk = _Checker(source)
    if not isinstance(data, Mapping):
        chk.add(
            "",
            f"the file must hold a mapping of keys (name:, communes:, ...), not {type(data).__name__}.",
            "see the example in README.md.",
        )
        raise ConfigError(chk.problems)
    top = chk.section(data, _TOP, "")
    base = base_dir.resolve()

    communes = villages = None
    if "communes" in top:
        c = chk.section(top["communes"], _COMMUNES, "communes")
        if "path" in c:
            communes = CommunesSpec(**{**c, "path": _resolve(base, c["path"])})
    if "villages" in top:
        v = chk.section(top["villages"], _VILLAGES, "villages")
        if "path" in v:
            if "max_snap_m" in v and v["max_snap_m"] < 0:
                chk.add(
                    "villages.max_snap_m",
                    "must not be negative.",
                    "use 0 to require every village inside a commune.",
                )
            if "crosswalk" in v:
                v["crosswalk"] = _resolve(base, v["crosswalk"])
            if v.get("commune_codes") == "pre-2025" and "commune" not in v:
                chk.add(
                    "villages.commune_codes",
                    "'pre-2025' converts the commune codes of the villages, but no 'commune' "
                    "column is given.",
                    "add 'commune: <column with the old commune codes>'.",
                )
            villages = VillagesSpec(**{**v, "path": _resolve(base, v["path"])})
            if villages.is_table and (villages.x is None or villages.y is None):
                chk.add(
                    "villages",
                    f"'{v['path']}' is a table, so 'x' and 'y' (the coordinate columns) are required.",
                    "add for example 'x: lon' and 'y: lat' and 'crs: EPSG:4326'.",
                )

    coverage: list[CoverageSpec] = []
    if "coverage" in top:
        if not top["coverage"]:
            chk.add(
                "coverage",
                "no coverage layer is listed.",
                "list at least one layer under 'coverage:'.",
            )
        for i, item in enumerate(top["coverage"]):
            where = f"coverage[{i}]"
            if not isinstance(item, Mapping):
                chk.add(where, f"expected a mapping with path/carrier/technology, got {item!r}.")
                continue
            c = chk.section(item, _COVERAGE, where)
            if not {"path", "carrier", "technology"} <= c.keys():
                continue
            try:
                c["carrier"] = normalise_carrier(c["carrier"])
            except ValueError as exc:
                chk.add(f"{where}.carrier", f"{exc}.", "give the operator's name, e.g. Viettel.")
                continue
            try:
                c["technology"] = normalise_technology(c["technology"])
            except ValueError as exc:
                chk.add(f"{where}.technology", f"{exc}.")
                continue
            values = str(c.get("values", "auto")).lower()
            if values not in ("auto", "dbm", "mask"):
                chk.add(
                    f"{where}.values",
                    f"unknown value kind '{values}'.",
                    "use 'dbm' (signal level), 'mask' (0/1) or 'auto'.",
                )
                continue
            c["values"] = values
            spec = CoverageSpec(**{**c, "path": _resolve(base, c["path"])})
            if not spec.is_raster and ("threshold" in c or values != "auto"):
                chk.add(
                    where,
                    "'threshold' and 'values' apply to rasters only; this layer is vector.",
                    "remove them, or give a GeoTIFF.",
                )
            coverage.append(spec)
        seen: dict[str, int] = {}
        for i, spec in enumerate(coverage):
            if spec.column in seen:
                chk.add(
                    f"coverage[{i}]",
                    f"{spec.carrier} {spec.technology} is listed twice "
                    f"(also coverage[{seen[spec.column]}]).",
                    "merge the two layers into one file, or remove one.",
                )
            seen.setdefault(spec.column, i)

    fibre = None
    if "fibre" in top:
        f = chk.section(top["fibre"], _FIBRE, "fibre")
        if "path" in f:
            if f.get("max_distance_m", 1) < 0:
                chk.add("fibre.max_distance_m", "must not be negative.")
            fibre = FibreSpec(**{**f, "path": _resolve(base, f["path"])})

    sites = facilities = None
    if "sites" in top:
        s = chk.section(top["sites"], _SITES, "sites")
        if "path" in s:
            sites = SitesSpec(**{**s, "path": _resolve(base, s["path"])})
    if "facilities" in top:
        f = chk.section(top["facilities"], _FACILITIES, "facilities")
        if "path" in f:
            facilities = FacilitiesSpec(**{**f, "path": _resolve(base, f["path"])})
    priority = parse_priority(top.get("priority", {}), base=base, chk=chk)
    language = str(top.get("language", "vi")).lower()
    if language not in ("vi", "en"):
        chk.add(
            "language",
            f"unknown language '{language}'.",
            "use 'vi' (Vietnamese) or 'en' (English).",
        )

    res = float(top.get("area_resolution_m", 100.0))
    if res <= 0:
        chk.add("area_resolution_m", "must be a positive number of metres.", "use for example 100.")
    working_crs = str(top.get("working_crs", "auto"))
    if working_crs != "auto":
        working_crs = str(_vietnam_value("crs", working_crs)[0])

        try:
            crs = CRS.from_user_input(working_crs)
            if not crs.is_projected:
                chk.add(
                    "working_crs",
                    f"'{working_crs}' is not a projected (metric) CRS.",
                    "use 'auto' or a UTM zone such as EPSG:32648.",
                )
        except CRSError:
            chk.add(
                "working_crs",
                f"'{working_crs}' is not a CRS PROJ knows.",
                "use 'auto' or e.g. EPSG:32648.",
            )

    if chk.problems or communes is None or villages is None:
        raise ConfigError(chk.problems)
    name = str(top["name"]).strip()
    output = _resolve(base, top["output"]) if "output" in top else base / "outputs" / _slug(name)
    return ProjectConfig(
        name=name,
        communes=communes,
        villages=villages,
        coverage=tuple(coverage),
        fibre=fibre,
        output=output,
        working_crs=working_crs,
        area_resolution_m=res,
        synthetic=bool(top.get("synthetic", False)),
        sites=sites,
        facilities=facilities,
        priority=priority,
        language=language,
    )


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
        raise ConfigError(
            [
                Problem(
                    str(path),
                    "",
                    "the project file does not exist."
                    if not path.exists()
                    else "this is not a file.",
                    "check the path.",
                )
            ]
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [
                Problem(
                    str(path),
                    "",
                    f"not UTF-8 text ({exc.reason} at byte {exc.start}).",
                    "save the file as UTF-8.",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            [
                Problem(
                    str(path),
                    where,
                    f"not valid YAML: {what}.",
                    "check indentation and quoting at that place.",
                )
            ]
        ) from None
    cfg = parse_config(data, base_dir=path.parent, source=str(path))
    return replace(cfg, source=path.resolve()).with_overrides(output=output)

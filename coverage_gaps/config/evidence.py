"""The ``measurements:``, ``challenges:`` and ``ookla:`` sections of the project file.

``measurements:`` lists files of tests (drive tests, speed tests, phone readings);
``challenges:`` holds the rules that confirm or challenge declared coverage with them, with
their defaults (the one place they are written: the rules of
:mod:`coverage_gaps.analysis.evidence` are built from this section); ``ookla:`` names
Ookla's open-data tiles for a median download speed per village. See ``docs/EVIDENCE.md``.
Each key is declared once, below, with its checks (see :mod:`coverage_gaps.config.schema`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .parsers import crs_name, encoding_name, technology_name
from .schema import Issue, Refused, key, section

__all__ = ["DEFAULT_SPEED_MBPS", "ChallengesSpec", "MeasurementSpec", "OoklaSpec"]

#: Download speeds below which a test fails (Mbps): the FCC's 4G LTE 5/1 and 5G-NR 7/1 Mbps.
DEFAULT_SPEED_MBPS: dict[str, float] = {"4G": 5.0, "5G": 7.0}

_TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")


@section
class MeasurementSpec:
    """One file of tests: points with a carrier, a technology, a signal and/or a speed, a time."""

    path: Path = key(doc="tests: CSV/TSV/XLSX with x/y, GeoPackage or GeoParquet of points")
    carrier: str = key(
        default="carrier",
        yaml=(str, int),
        parse=str,
        doc="a column, or a fixed carrier for the whole file (Viettel, 452-04)",
    )
    technology: str = key(
        default="technology", doc="a column, or a fixed technology for the whole file (4G)"
    )
    signal: str | None = key(
        default=None, doc="column of the signal in dBm (RSSI 2G, RSCP 3G, RSRP 4G, SS-RSRP 5G)"
    )
    download_mbps: str | None = key(default=None, doc="column of the download speed in Mbps")
    time: str = key(
        default="time",
        doc="column of the test time: ISO 8601 or a spreadsheet date; local time unless an "
        "offset is given",
    )
    x: str | None = key(default=None, doc="table only: column with the x (longitude)")
    y: str | None = key(default=None, doc="table only: column with the y (latitude)")
    crs: str | None = key(
        default=None,
        yaml=(str, int),
        parse=crs_name,
        doc="table: CRS of x/y (default EPSG:4326); vector: CRS to assume when it has none",
    )
    layer: str | None = key(default=None, doc="layer of a multi-layer file")
    sheet: str | None = key(default=None, doc="XLSX sheet")
    where: str | None = key(default=None, doc="OGR SQL filter (vector files)")
    encoding: str | None = key(
        default=None, parse=encoding_name, doc="text encoding: auto, utf-8, tcvn3, vni, ..."
    )

    @property
    def is_table(self) -> bool:
        return Path(self.path).suffix.lower() in _TABLE_SUFFIXES

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        if "signal" not in values and "download_mbps" not in values:
            yield Issue(
                "a file of tests needs 'signal' (a column in dBm) or 'download_mbps' (a column "
                "in Mbps), or both.",
                "add for example 'signal: rsrp_dbm'.",
            )
        path = values.get("path")
        table = path is not None and Path(path).suffix.lower() in _TABLE_SUFFIXES
        if table and (values.get("x") is None or values.get("y") is None):
            yield Issue(
                f"'{path}' is a table, so 'x' and 'y' (the coordinate columns) are required.",
                "add for example 'x: lon' and 'y: lat' and 'crs: EPSG:4326'.",
            )


def _hex_resolution(value: int) -> int:
    if not 0 <= value <= 15:
        raise Refused(
            Issue(f"H3 resolution {value} does not exist.", "use 0 to 15 (8: cells of 0.7 km²).")
        )
    return value


def _at_least(low: float, *, what: str, fix: str) -> Any:
    def parse(value: float) -> float:
        if value < low:
            raise Refused(Issue(what, fix))
        return value

    return parse


def _share(value: float) -> float:
    if not 0 < value <= 1:
        raise Refused(Issue("must be a share above 0 and at most 1.", "use for example 0.5."))
    return float(value)


def _speeds(value: dict[Any, Any]) -> dict[str, float]:
    """The default speeds with those given (technologies normalised), each ≥ 0."""
    speeds = dict(DEFAULT_SPEED_MBPS)
    issues = []
    for tech, mbps in value.items():
        if not isinstance(mbps, (int, float)) or isinstance(mbps, bool) or mbps < 0:
            issues.append(Issue(f"must be a number of Mbps ≥ 0, got {mbps!r}.", at=str(tech)))
            continue
        try:
            speeds[technology_name(str(tech))] = float(mbps)
        except Refused as refused:
            issues += [Issue(i.what, i.fix, str(tech)) for i in refused.issues]
    if issues:
        raise Refused(*issues)
    return dict(sorted(speeds.items()))


@section
class ChallengesSpec:
    """The rules that confirm or challenge declared coverage (docs/EVIDENCE.md)."""

    hex_resolution: int = key(
        default=8, parse=_hex_resolution, doc="H3 resolution of the cells judged (8: ~0.7 km²)"
    )
    village_radius_m: float = key(
        default=500.0,
        parse=_at_least(1e-9, what="must be a positive number of metres.", fix="use 500."),
        doc="tests this close to a village count for it",
    )
    min_tests: int = key(
        default=5,
        parse=_at_least(1, what="must be at least 1.", fix="use 5."),
        doc="tests needed to confirm or challenge",
    )
    min_failing_share: float = key(
        default=0.5, parse=_share, doc="share of failing tests that challenges"
    )
    min_hours_apart: float = key(
        default=4.0,
        parse=_at_least(0, what="must not be negative.", fix="use 4."),
        doc="two failing tests at least this far apart in time (hours)",
    )
    speed_mbps: dict[str, float] = key(
        default_factory=lambda: dict(DEFAULT_SPEED_MBPS),
        parse=_speeds,
        doc="a test with a speed fails below this, per technology (FCC: 4G 5, 5G 7)",
    )


@section
class OoklaSpec:
    """Ookla's open-data performance tiles (CC BY-NC-SA 4.0: non-commercial use)."""

    path: Path = key(doc="Ookla tiles: Parquet, shapefile, GeoPackage or CSV with a quadkey")
    layer: str | None = key(default=None, doc="layer of a multi-layer file")

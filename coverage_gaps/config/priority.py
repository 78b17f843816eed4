"""The ``priority:`` section of the project file: weights, targets, assignments and budget.

Defaults are documented in ``docs/PRIORITY.md``. Each key is declared once, below, with its
checks (see :mod:`coverage_gaps.config.schema`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from .parsers import carrier_name, positive, technology_name
from .schema import Checker, Issue, Refused, key, section

__all__ = ["DEFAULT_WEIGHTS", "AssignmentSpec", "BudgetSpec", "PrioritySpec", "parse_priority"]

#: Default weights of the score components (they sum to 1; the score is 0-100).
DEFAULT_WEIGHTS: dict[str, float] = {
    "people": 0.35,  # population of the village, relative to the largest candidate
    "mobile": 0.25,  # severity of the mobile gap: no signal 1, 2G only 0.7, 3G only (no 4G) 0.4
    "fibre": 0.10,  # 1 when the village has no fibre within reach
    "importance": 0.10,  # 1 when a public facility (commune centre, school, health station) is near
    "readiness": 0.10,  # 1 with grid electricity, 0 without, 0.5 when unknown
    "cost": 0.10,  # 1 next to existing infrastructure, 0 at reference_distance_km or farther
}

TARGETS = ("gap_mobile", "gap_fibre", "no_4g")


def _targets(value: list[Any]) -> tuple[str, ...]:
    """The targets listed, in the order of :data:`TARGETS`."""
    bad = [t for t in value if t not in TARGETS]
    if bad or not value:
        raise Refused(
            Issue(
                f"unknown or empty targets {bad or value}.", f"use some of: {', '.join(TARGETS)}."
            )
        )
    return tuple(t for t in TARGETS if t in value)


def _weights(value: dict[Any, Any]) -> dict[str, float]:
    """The default weights with those given; each unknown or bad weight is reported."""
    weights = dict(DEFAULT_WEIGHTS)
    issues = []
    for name, w in value.items():
        if name not in DEFAULT_WEIGHTS:
            issues.append(
                Issue(
                    f"unknown weight '{name}'.",
                    f"use one of the weights: {', '.join(DEFAULT_WEIGHTS)}.",
                    str(name),
                )
            )
        elif not isinstance(w, (int, float)) or isinstance(w, bool) or w < 0:
            issues.append(Issue(f"must be a number ≥ 0, got {w!r}.", at=str(name)))
        else:
            weights[name] = float(w)
    if sum(weights.values()) <= 0:
        issues.append(Issue("all weights are 0.", "give at least one positive weight."))
    if issues:
        raise Refused(*issues)
    return weights


def _sites_per_carrier(value: dict[Any, Any]) -> dict[str, int]:
    """New sites per carrier (carrier names normalised), each a whole number ≥ 0."""
    sites: dict[str, int] = {}
    issues = []
    for carrier, n in value.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            issues.append(Issue(f"must be a whole number ≥ 0, got {n!r}.", at=str(carrier)))
            continue
        try:
            sites[carrier_name(carrier)] = n
        except Refused as refused:
            issues += [Issue(i.what, i.fix, str(carrier)) for i in refused.issues]
    if issues:
        raise Refused(*issues)
    return sites


@section
class AssignmentSpec:
    """A table assigning villages (or whole communes) to carriers, as the ministry does."""

    path: Path = key(doc="table (CSV/XLSX) or vector file of the assignments")
    carrier: str = key(default="carrier", doc="column with the assigned carrier")
    village: str | None = key(default=None, doc="column with the village id (or 'commune')")
    commune: str | None = key(default=None, doc="column with the commune id (or 'village')")
    sheet: str | None = key(default=None, doc="XLSX sheet")

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        if "path" in values and ("village" in values) == ("commune" in values):
            both = "village" in values
            yield Issue(
                f"{'both' if both else 'neither'} 'village' {'and' if both else 'nor'} 'commune' "
                "is given.",
                "give exactly one of 'village' (a village id column) or "
                "'commune' (a commune id column).",
            )


@section
class BudgetSpec:
    """Either a number of new sites per carrier, or money with unit costs (any currency)."""

    sites: dict[str, int] | None = key(
        default=None, parse=_sites_per_carrier, doc="new sites per carrier, e.g. {Viettel: 20}"
    )
    money: float | None = key(default=None, parse=float, doc="money to spend (any currency)")
    cost_per_site: float | None = key(default=None, parse=float, doc="cost of one new site")
    cost_per_km_fibre: float | None = key(default=None, parse=float, doc="cost of 1 km of fibre")

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        if {"sites", "money"} <= given:
            yield Issue(
                "both 'sites' and 'money' are given.",
                "give either 'sites' (per carrier) or 'money', not both.",
            )
        elif "sites" in given:
            for cost in ("cost_per_site", "cost_per_km_fibre"):
                values.pop(cost, None)  # costs do not apply to a budget in sites
        elif "money" in given:
            missing = [k for k in ("cost_per_site", "cost_per_km_fibre") if k not in given]
            if missing:
                yield Issue(
                    f"a money budget needs {' and '.join(missing)}.",
                    "add e.g. 'cost_per_site: 1500000000' and 'cost_per_km_fibre: 150000000'.",
                )
        else:
            yield Issue(
                "the budget is empty.", "give 'sites: {Viettel: 20}' or 'money:' with costs."
            )


@section
class PrioritySpec:
    """Which villages are listed, how they are scored and assigned, and the budget."""

    targets: tuple[str, ...] = key(
        default=("gap_mobile", "gap_fibre"),
        parse=_targets,
        doc=f"which villages are listed: some of {', '.join(TARGETS)}",
    )
    weights: dict[str, float] = key(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        parse=_weights,
        doc=f"weights of the score components: {', '.join(DEFAULT_WEIGHTS)}",
    )
    build_technology: str = key(
        default="4G", parse=technology_name, doc="technology of the sites to build"
    )
    reference_distance_km: float = key(
        default=10.0, parse=positive(), doc="distance at which the cost score reaches 0"
    )
    facility_distance_m: float = key(
        default=1000.0, parse=positive(), doc="a facility this near makes a village important"
    )
    dem: Path | None = key(default=None, doc="elevation raster for the cost proxy")
    assignments: AssignmentSpec | None = key(default=None, doc="carrier assignments")
    budget: BudgetSpec | None = key(default=None, doc="new sites per carrier, or money")


class _Collector(Protocol):
    def add(self, where: str, what: str, fix: str = "") -> None: ...


def parse_priority(data: Any, *, base: Path, chk: _Collector) -> PrioritySpec:
    """Check the ``priority:`` mapping; problems go to ``chk``; defaults fill the rest.

    Examples
    --------
    >>> chk = Checker("project.yml", base=Path("."))
    >>> parse_priority({"weights": {"people": 1}}, base=Path("."), chk=chk).weights["people"]
    1.0
    >>> spec = parse_priority({"budget": {"sites": {"viettel": -1}}}, base=Path("."), chk=chk)
    >>> print(chk.problems[0])
    project.yml: priority.budget.sites.viettel: must be a whole number ≥ 0, got -1.
    """
    if not data:
        return PrioritySpec()
    inner = Checker("", base=base)
    spec = inner.read(data, PrioritySpec, "priority")
    for p in inner.problems:
        chk.add(p.where, p.what, p.fix)
    return spec if spec is not None else PrioritySpec()

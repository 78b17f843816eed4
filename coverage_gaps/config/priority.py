"""The ``priority:`` section of the project file: weights, targets, assignments and budget.

Defaults are documented in ``docs/PRIORITY.md``. Parsed by :func:`parse_priority`,
which reports problems through the same collector as the rest of the project file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..vietnam.carriers import normalise_carrier, normalise_technology

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


@dataclass(frozen=True)
class AssignmentSpec:
    """A table assigning villages (or whole communes) to carriers, as the ministry does."""

    path: Path
    carrier: str = "carrier"
    village: str | None = None
    commune: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class BudgetSpec:
    """Either a number of new sites per carrier, or money with unit costs (any currency)."""

    sites: dict[str, int] | None = None
    money: float | None = None
    cost_per_site: float | None = None
    cost_per_km_fibre: float | None = None


@dataclass(frozen=True)
class PrioritySpec:
    targets: tuple[str, ...] = ("gap_mobile", "gap_fibre")
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    build_technology: str = "4G"
    reference_distance_km: float = 10.0
    facility_distance_m: float = 1000.0
    dem: Path | None = None
    assignments: AssignmentSpec | None = None
    budget: BudgetSpec | None = None


class _Collector(Protocol):
    def add(self, where: str, what: str, fix: str = "") -> None: ...

    def section(self, data: Mapping[str, Any], schema: Any, where: str) -> dict[str, Any]: ...


_STR = (str,)
_NUM = (int, float)
_PRIORITY = {
    "targets": ((list,), False),
    "weights": ((dict,), False),
    "build_technology": (_STR, False),
    "reference_distance_km": (_NUM, False),
    "facility_distance_m": (_NUM, False),
    "dem": (_STR, False),
    "assignments": ((dict,), False),
    "budget": ((dict,), False),
}
_ASSIGN = {
    "path": (_STR, True),
    "carrier": (_STR, False),
    "village": (_STR, False),
    "commune": (_STR, False),
    "sheet": (_STR, False),
}
_BUDGET = {
    "sites": ((dict,), False),
    "money": (_NUM, False),
    "cost_per_site": (_NUM, False),
    "cost_per_km_fibre": (_NUM, False),
}


def parse_priority(data: Any, *, base: Path, chk: _Collector) -> PrioritySpec:
    """Check the ``priority:`` mapping; problems go to ``chk``; defaults fill the rest.

    Examples
    --------
    >>> class C:
    ...     problems = []
    ...     def add(self, where, what, fix=""): self.problems.append(what)
    ...     def section(self, data, schema, where): return dict(data)
    >>> parse_priority({"weights": {"people": 1}}, base=Path("."), chk=C()).weights["people"]
    1.0
    """
    if not data:
        return PrioritySpec()
    p = chk.section(data, _PRIORITY, "priority")
    out: dict[str, Any] = {}
    if "targets" in p:
        bad = [t for t in p["targets"] if t not in TARGETS]
        if bad or not p["targets"]:
            chk.add(
                "priority.targets",
                f"unknown or empty targets {bad or p['targets']}.",
                f"use some of: {', '.join(TARGETS)}.",
            )
        else:
            out["targets"] = tuple(t for t in TARGETS if t in p["targets"])
    if "weights" in p:
        weights = dict(DEFAULT_WEIGHTS)
        for key, value in p["weights"].items():
            if key not in DEFAULT_WEIGHTS:
                chk.add(
                    f"priority.weights.{key}",
                    f"unknown weight '{key}'.",
                    f"weights: {', '.join(DEFAULT_WEIGHTS)}.",
                )
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                chk.add(f"priority.weights.{key}", f"must be a number ≥ 0, got {value!r}.")
            else:
                weights[key] = float(value)
        if sum(weights.values()) <= 0:
            chk.add("priority.weights", "all weights are 0.", "give at least one positive weight.")
        out["weights"] = weights
    if "build_technology" in p:
        try:
            out["build_technology"] = normalise_technology(p["build_technology"])
        except ValueError as exc:
            chk.add("priority.build_technology", f"{exc}.")
    for key in ("reference_distance_km", "facility_distance_m"):
        if key in p:
            if p[key] <= 0:
                chk.add(f"priority.{key}", "must be a positive number.")
            else:
                out[key] = float(p[key])
    if "dem" in p:
        out["dem"] = _resolve(base, p["dem"])
    if "assignments" in p:
        a = chk.section(p["assignments"], _ASSIGN, "priority.assignments")
        if "path" in a:
            if ("village" in a) == ("commune" in a):
                chk.add(
                    "priority.assignments",
                    "give exactly one of 'village' (a village id column) or "
                    "'commune' (a commune id column).",
                )
            else:
                out["assignments"] = AssignmentSpec(**{**a, "path": _resolve(base, a["path"])})
    if "budget" in p:
        b = chk.section(p["budget"], _BUDGET, "priority.budget")
        if "sites" in b and "money" in b:
            chk.add("priority.budget", "give either 'sites' (per carrier) or 'money', not both.")
        elif "sites" in b:
            sites: dict[str, int] = {}
            for carrier, n in b["sites"].items():
                if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                    chk.add(
                        f"priority.budget.sites.{carrier}",
                        f"must be a whole number ≥ 0, got {n!r}.",
                    )
                else:
                    sites[normalise_carrier(carrier)] = n
            out["budget"] = BudgetSpec(sites=sites)
        elif "money" in b:
            missing = [k for k in ("cost_per_site", "cost_per_km_fibre") if k not in b]
            if missing:
                chk.add(
                    "priority.budget",
                    f"a money budget needs {' and '.join(missing)}.",
                    "add e.g. 'cost_per_site: 1500000000' and 'cost_per_km_fibre: 150000000'.",
                )
            else:
                out["budget"] = BudgetSpec(
                    money=float(b["money"]),
                    cost_per_site=float(b["cost_per_site"]),
                    cost_per_km_fibre=float(b["cost_per_km_fibre"]),
                )
        else:
            chk.add(
                "priority.budget",
                "empty budget.",
                "give 'sites: {Viettel: 20}' or 'money:' with costs.",
            )
    return PrioritySpec(**out)


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)

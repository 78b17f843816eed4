"""The ``planning:`` section of the project file: where to build new sites within a budget.

Each key is declared once, below, with its checks (see :mod:`coverage_gaps.config.schema`);
docs/PLANNING.md says what the planning does with them.

.. code-block:: yaml

    planning:
      technology: 4G
      carrier: Viettel                  # optional; default: the mobile gap (no carrier covers)
      candidates: {path: candidates.csv}   # optional; same columns as a site list, cost optional
      generate: {spacing_m: 1000, near_gap_m: 15000}   # without candidates: a grid near the gap
      model: hata+terrain               # range | hata | hata+terrain, with the model's keys
      dem: dem.tif
      budget: {sites: 10}               # or {money: 3e10, cost_per_site: 1.5e9}
      method: auto                      # exact | greedy | auto
      min_people: 0
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .parsers import carrier_name, crs_name, not_negative, one_of, positive, technology_name
from .schema import Issue, Refused, key, section

__all__ = [
    "CANDIDATE_RADIO",
    "MODELS",
    "CandidatesSpec",
    "GenerateSpec",
    "PlanningBudgetSpec",
    "PlanningSpec",
]

#: The coverage models of the site-prediction issue (docs/PREDICTION.md).
MODELS = ("range", "hata", "hata+terrain")
#: Generated candidates, per technology: (frequency MHz, EIRP dBm) unless ``generate:`` says
#: otherwise. Bands most used in rural Vietnam (GSM 900, UMTS 2100, LTE 1800, NR 3500); the
#: EIRP is of what the technology's threshold measures (docs/PREDICTION.md, "EIRP and the
#: threshold"): a GSM carrier (43 dBm + 15 dBi - 3 dB feeder), the UMTS pilot (33 dBm + 15 dBi
#: - 3 dB), the LTE reference signal (63 dBm over 100 resource blocks, - 30.8 dB), the NR SSB
#: (as LTE, with 3 dB of beamforming gain). Assumptions, documented in docs/PLANNING.md.
CANDIDATE_RADIO: dict[str, tuple[float, float]] = {
    "2G": (900.0, 55.0),
    "3G": (2100.0, 45.0),
    "4G": (1800.0, 32.0),
    "5G": (3500.0, 35.0),
}

_FIELDS = (
    "site_id", "lon", "lat", "x", "y", "height_m", "frequency_mhz", "eirp_dbm", "azimuth_deg",
    "beamwidth_deg", "range_m", "carrier", "technology", "mcc", "net", "cost",
)  # fmt: skip


def _columns(value: dict[Any, Any]) -> dict[str, str]:
    """Field -> column name; every field known, every name text."""
    issues = [
        Issue(f"unknown field '{field}'.", f"fields: {', '.join(_FIELDS)}.", str(field))
        for field in value
        if field not in _FIELDS
    ]
    issues += [
        Issue(f"must be a column name, got {name!r}.", at=str(field))
        for field, name in value.items()
        if not isinstance(name, str) or not name.strip()
    ]
    if issues:
        raise Refused(*issues)
    return {str(field): str(name) for field, name in value.items()}


def _amount(*, positive_only: bool) -> Any:
    """A number of money: YAML reads ``3e10`` (no dot) as text, so text in float syntax is
    accepted too."""

    def parse(value: float | str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise Refused(
                Issue(f"'{value}' is not a number.", "write e.g. 3e10 or 30000000000.")
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise Refused(Issue(f"'{value}' is not a finite number."))
        if number < 0 or (positive_only and number == 0):
            raise Refused(
                Issue(
                    f"is {number:g}; it must be {'more than' if positive_only else 'at least'} 0."
                )
            )
        return number

    return parse


def _whole_sites(value: int) -> int:
    if value < 1:
        raise Refused(Issue(f"is {value}; no site can be built.", "set budget.sites to 1 or more."))
    return value


@section
class CandidatesSpec:
    """Candidate sites: a site list (lon, lat, height_m, frequency_mhz, eirp_dbm, range_m ...)
    with an optional ``cost`` column."""

    path: Path = key(doc="table (CSV/TSV/XLSX) or vector file of candidate sites")
    columns: dict[str, str] | None = key(
        default=None,
        parse=_columns,
        doc="field -> column name, for names not recognised (cost included)",
    )
    crs: str | None = key(
        default=None,
        yaml=(str, int),
        parse=crs_name,
        doc="CRS of lon/lat (default WGS 84) or x/y; vector files: when the file has none",
    )
    sheet: str | None = key(default=None, doc="XLSX sheet")
    layer: str | None = key(default=None, doc="layer of a multi-layer file")


@section
class GenerateSpec:
    """Candidates made when none are given: one per grid cell near the gap, on the DEM's
    highest point in the cell, with these radio parameters."""

    spacing_m: float = key(default=1000.0, parse=positive(), doc="side of the grid cells (m)")
    near_gap_m: float = key(
        default=15000.0,
        parse=not_negative(),
        doc="keep cells whose centre is this close to a target village (m)",
    )
    height_m: float = key(default=30.0, parse=positive(), doc="antenna height above ground (m)")
    frequency_mhz: float | None = key(
        default=None,
        parse=positive(),
        doc="default per technology: 2G 900, 3G 2100, 4G 1800, 5G 3500",
    )
    eirp_dbm: float | None = key(
        default=None,
        doc="EIRP of what the threshold measures; default per technology: 55, 45, 32, 35",
    )
    range_m: float = key(default=5000.0, parse=positive(), doc="reach under model: range (m)")


@section
class PlanningBudgetSpec:
    """What may be spent: a number of new sites, or money."""

    sites: int | None = key(default=None, parse=_whole_sites, doc="new sites, e.g. 10")
    money: float | None = key(
        default=None,
        yaml=(int, float, str),
        parse=_amount(positive_only=True),
        doc="money to spend (the costs' unit), e.g. 3e10",
    )
    cost_per_site: float | None = key(
        default=None,
        yaml=(int, float, str),
        parse=_amount(positive_only=False),
        doc="cost of a candidate without its own cost (a cost column wins), e.g. 1.5e9",
    )

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        if {"sites", "money"} <= given:
            yield Issue("give either 'sites' or 'money', not both.")
        elif not given & {"sites", "money"}:
            yield Issue("empty budget.", "give 'sites: 10' or 'money: 3e10' with 'cost_per_site'.")


@section
class PlanningSpec:
    """Where to build: the candidates, the coverage model, the budget and the method."""

    technology: str = key(default="4G", parse=technology_name, doc="technology of the new sites")
    carrier: str | None = key(
        default=None,
        yaml=(str, int),
        parse=carrier_name,
        doc="plan for this carrier's gaps (default: the mobile gap, no carrier covers)",
    )
    candidates: CandidatesSpec | None = key(
        default=None, scalar="path", doc="candidate sites (default: generated near the gap)"
    )
    generate: GenerateSpec = key(
        default_factory=GenerateSpec, doc="how candidates are made when none are given"
    )
    model: str = key(
        default="hata+terrain",
        parse=one_of(
            *MODELS,
            what="unknown model '{}'.",
            fix="use range, hata or hata+terrain (docs/PREDICTION.md).",
        ),
        doc="coverage model: range, hata or hata+terrain",
    )
    environment: str = key(
        default="rural",
        parse=one_of(
            "urban",
            "suburban",
            "rural",
            what="unknown environment '{}'.",
            fix="use urban, suburban or rural.",
        ),
        doc="urban, suburban or rural (the Hata correction)",
    )
    threshold: float | None = key(
        default=None, doc="covered from this level (dBm); default per technology"
    )
    receiver_height_m: float = key(
        default=1.5, parse=positive(), doc="receiver height above ground (m)"
    )
    resolution_m: float = key(
        default=50.0,
        parse=positive(),
        doc="grid of the terrain and of planning/predicted.tif (m)",
    )
    dem: Path | None = key(
        default=None, doc="elevation model (m); needed by hata+terrain and to generate"
    )
    budget: PlanningBudgetSpec = key(doc="{sites: 10} or {money: 3e10, cost_per_site: 1.5e9}")
    method: str = key(
        default="auto",
        parse=one_of(
            "auto",
            "exact",
            "greedy",
            what="unknown method '{}'.",
            fix="use auto, exact or greedy (docs/PLANNING.md).",
        ),
        doc="exact (integer programme), greedy, or auto (exact when small enough)",
    )
    min_people: float = key(
        default=0.0, parse=not_negative(), doc="a site adding fewer new people is not proposed"
    )

    @staticmethod
    def _check_keys(values: dict[str, Any], given: frozenset[str]) -> Iterator[Issue]:
        if "dem" not in given and "candidates" not in given:
            yield Issue(
                "no candidates and no DEM to generate them.",
                "add 'candidates: <site list>' or 'dem: <elevation GeoTIFF>' to 'planning:'.",
            )
        elif "dem" not in given and values.get("model", "hata+terrain") == "hata+terrain":
            yield Issue(
                "model hata+terrain needs a DEM.",
                "add 'dem: <elevation GeoTIFF>' to 'planning:', or use 'model: hata'.",
            )
        budget = values.get("budget")
        if budget is not None and "candidates" not in given:
            yield from _generated_budget(budget)


def _generated_budget(budget: PlanningBudgetSpec) -> Iterator[Issue]:
    """A money budget for generated candidates (all costing ``cost_per_site``)."""
    if budget.money is None:
        return
    if budget.cost_per_site is None:
        yield Issue(
            "a money budget needs the cost of a site; generated candidates have none.",
            "add 'cost_per_site:' (e.g. 1.5e9), or give candidates with a cost column.",
            at="budget",
        )
    elif budget.money < budget.cost_per_site:
        yield Issue(
            f"money {budget.money:g} is below the cost of one site ({budget.cost_per_site:g}); "
            "no site can be built.",
            f"raise budget.money to at least {budget.cost_per_site:g}.",
            at="budget",
        )

"""Measured evidence against declared coverage: a verdict per village and per H3 cell, for
each carrier and technology, in the spirit of the US FCC's mobile challenge process.

A test **fails** when its signal is below the threshold of its carrier-technology layer
(exactly at the threshold passes) or its download speed, where measured, is below
``speed_mbps`` for its technology. A test is **inside declared coverage** when that layer
says covered at the test's point. For each unit (a village: the tests within
``village_radius_m`` of it, a test counting for every village that close; an H3 cell of
``hex_resolution``) and layer, with ``n`` tests inside declared coverage, ``f`` of them
failing, and ``m`` tests outside it, the verdict is the first that holds of:

- ``challenged``: n >= min_tests, f / n >= min_failing_share, and two failing tests at
  least ``min_hours_apart`` apart (the first and last failing tests, inside coverage);
- ``confirmed``: n >= min_tests and f / n < min_failing_share;
- ``undeclared_coverage``: m >= min_tests and at least (1 - min_failing_share) of them
  pass (at least half, by default): the carrier serves more than it declares;
- ``insufficient``: some tests, but none of the above;
- ``no_data``: no test.

Everything is vectorised: H3 indexing through h3's C core, tests near villages with a grid
of ``village_radius_m`` cells, tallies with ``numpy.bincount``. Sources and how the defaults
compare with the FCC's rules: ``docs/EVIDENCE.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import repeat

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from h3.api import basic_int as h3_int

from .._errors import Problem, warn_problem
from ..io.checks import list_items
from ..results import CoverageLayer
from ..vietnam.carriers import carrier_slug
from .coverage import sample_coverage

__all__ = [
    "CHALLENGE_COLUMNS",
    "DEFAULT_SPEED_MBPS",
    "VERDICTS",
    "ChallengeRules",
    "DeclaredLayer",
    "EvidenceResult",
    "assess_evidence",
    "cell_strings",
    "count_verdicts",
    "declared_layers",
    "gather_evidence",
    "h3_cell_polygons",
    "h3_cells",
    "judge_tests",
    "measured_columns",
    "median_tile_speed",
    "pairs_within",
    "recompute_gap_mobile",
    "sample_declared",
    "tally_verdicts",
]

#: The verdicts, strongest first.
VERDICTS = ("challenged", "confirmed", "undeclared_coverage", "insufficient", "no_data")

#: Download speeds below which a test fails (Mbps): the FCC's 4G LTE 5/1 and 5G-NR 7/1 Mbps.
DEFAULT_SPEED_MBPS: dict[str, float] = {"4G": 5.0, "5G": 7.0}

#: Columns of the challenges table (``village_id`` empty on H3 rows, ``h3_cell`` on village rows).
CHALLENGE_COLUMNS = [
    "level",
    "village_id",
    "h3_cell",
    "carrier",
    "technology",
    "tests",
    "failing",
    "failing_share",
    "hours_apart",
    "median_signal_dbm",
    "median_download_mbps",
    "first_test_utc",
    "last_test_utc",
    "declared_source",
]

_TALLY_COLUMNS = ["tests", "failing", "tests_outside", "passing_outside", "hours_apart"]


@dataclass(frozen=True)
class ChallengeRules:
    """The rules in force (the project file's ``challenges:``; these are the defaults)."""

    hex_resolution: int = 8
    village_radius_m: float = 500.0
    min_tests: int = 5
    min_failing_share: float = 0.5
    min_hours_apart: float = 4.0
    speed_mbps: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEED_MBPS))

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

    ``tests``: the judged tests (the loaded columns, then ``layer`` (index into ``layers``),
    ``threshold_dbm``, ``speed_threshold_mbps``, ``declared``, ``failing``, ``h3_index``);
    ``villages`` and ``cells``: one row per unit with tests and layer (``village_id`` or
    ``h3_cell``, ``carrier``, ``technology``, ``tests``, ``failing``, ``tests_outside``,
    ``passing_outside``, ``hours_apart``, ``verdict``); ``challenges``:
    :data:`CHALLENGE_COLUMNS`; ``pairs``: (test row, village row) of every test within the
    radius of a village.
    """

    rules: ChallengeRules
    layers: list[DeclaredLayer]
    tests: pd.DataFrame
    villages: pd.DataFrame
    cells: pd.DataFrame
    challenges: pd.DataFrame
    pairs: tuple[np.ndarray, np.ndarray]
    village_ids: np.ndarray


def declared_layers(layers: Sequence[CoverageLayer]) -> list[DeclaredLayer]:
    """The rules' view of loaded coverage layers: carrier, technology, threshold, source."""
    return [
        DeclaredLayer(
            carrier=layer.spec.carrier,
            technology=layer.spec.technology,
            threshold_dbm=layer.spec.threshold_dbm,
            source="raster" if layer.kind == "raster" else "polygons",
        )
        for layer in layers
    ]


def sample_declared(tests: gpd.GeoDataFrame, layers: Sequence[CoverageLayer]) -> np.ndarray:
    """Whether each test is inside its own carrier-technology layer's declared coverage.

    One :func:`sample_coverage` per layer (a handful), each on the tests of that layer;
    tests of a layer not given are False.
    """
    declared = np.zeros(len(tests), dtype=bool)
    carrier = tests["carrier"].astype(str).to_numpy()
    tech = tests["technology"].astype(str).to_numpy()
    for layer in layers:
        mine = np.flatnonzero((carrier == layer.spec.carrier) & (tech == layer.spec.technology))
        if mine.size:
            declared[mine] = sample_coverage(layer, tests.geometry.iloc[mine])
    return declared


def judge_tests(
    tests: pd.DataFrame,
    *,
    layers: Sequence[DeclaredLayer],
    declared: np.ndarray,
    rules: ChallengeRules,
) -> pd.DataFrame:
    """Each test's layer, thresholds, and whether it is declared covered and failing.

    Tests whose carrier and technology have no layer cannot be judged (no threshold, no
    declaration): they are left out, with a warning naming those carriers.

    Examples
    --------
    >>> t = pd.DataFrame({"carrier": ["Viettel"] * 3, "technology": ["4G"] * 3,
    ...                   "signal_dbm": [-105.0, -105.5, np.nan],
    ...                   "download_mbps": [np.nan, 20.0, 4.9]})
    >>> out = judge_tests(t, layers=[DeclaredLayer("Viettel", "4G", -105)],
    ...                   declared=np.ones(3, bool), rules=ChallengeRules())
    >>> out["failing"].tolist()
    [False, True, True]
    """
    keys = pd.MultiIndex.from_arrays(
        [tests["carrier"].astype(str), tests["technology"].astype(str)]
    )
    wanted = pd.MultiIndex.from_tuples([(x.carrier, x.technology) for x in layers])
    layer = wanted.get_indexer(keys) if len(layers) else np.full(len(tests), -1)
    _warn_unjudged(tests, layer)
    keep = np.flatnonzero(layer >= 0)
    out = tests.iloc[keep].copy()
    layer = layer[keep]
    threshold = np.array([x.threshold_dbm for x in layers], dtype=float)[layer]
    speeds = np.array([rules.speed_mbps.get(x.technology, np.nan) for x in layers], dtype=float)
    speed = speeds[layer]
    with np.errstate(invalid="ignore"):
        failing = (out["signal_dbm"].to_numpy(dtype=float) < threshold) | (
            out["download_mbps"].to_numpy(dtype=float) < speed
        )
    out["layer"] = layer
    out["threshold_dbm"] = threshold
    out["speed_threshold_mbps"] = speed
    out["declared"] = np.asarray(declared, dtype=bool)[keep]
    out["failing"] = failing
    return out


def _warn_unjudged(tests: pd.DataFrame, layer: np.ndarray) -> None:
    orphan = layer < 0
    if not orphan.any():
        return
    names = pd.Series(
        tests["carrier"].astype(str).to_numpy()[orphan]
        + " "
        + tests["technology"].astype(str).to_numpy()[orphan]
    )
    counts = names.value_counts().sort_index()
    listed = [f"{name} ({n})" for name, n in counts.items()]
    sources = (
        sorted({str(s) for s in tests["source"].to_numpy()[orphan]}) if "source" in tests else []
    )
    warn_problem(
        Problem(
            list_items(sources) or "measurements",
            "",
            f"{int(orphan.sum())} test(s) of carriers and technologies without a coverage "
            f"layer: {list_items(listed)}; they are left out of the verdicts.",
            "add those layers to 'coverage:', or check the carrier and technology names.",
        )
    )


def h3_cells(lat: np.ndarray, lon: np.ndarray, resolution: int) -> np.ndarray:
    """H3 cell indexes (uint64) of points, through h3's C core.

    h3 4 has no array function; mapping its C-implemented ``latlng_to_cell`` over the
    coordinates keeps the loop in C (about 3 s per million points on the project's machine;
    see ``benchmarks/evidence.py``).

    Examples
    --------
    >>> cell_strings(h3_cells(np.array([21.0285]), np.array([105.8542]), 8)).tolist()
    ['884159b463fffff']
    """
    lat = np.asarray(lat, dtype=float)
    n = len(lat)
    calls = map(
        h3_int.latlng_to_cell, lat.tolist(), np.asarray(lon, float).tolist(), repeat(resolution, n)
    )
    return np.fromiter(calls, dtype=np.uint64, count=n)


def cell_strings(cells: np.ndarray) -> np.ndarray:
    """H3 indexes as their usual 15-digit hexadecimal strings, vectorised.

    Every H3 cell index has 0 in its top 4 bits and the mode 1 next, so its hexadecimal
    form always has 15 digits, the first being ``8``.

    Examples
    --------
    >>> cell_strings(np.array([0x884159B463FFFFF], dtype=np.uint64)).tolist()
    ['884159b463fffff']
    """
    cells = np.asarray(cells, dtype=np.uint64)
    shifts = np.arange(56, -1, -4, dtype=np.uint64)
    nibbles = ((cells[:, None] >> shifts) & np.uint64(0xF)).astype(np.uint8)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    return np.ascontiguousarray(chars).view("S15").ravel().astype(str)


def h3_cell_polygons(cells: Sequence[str] | np.ndarray) -> gpd.GeoSeries:
    """The hexagons of H3 cells (hexadecimal strings) in EPSG:4326, for the map layer."""
    rings = [
        [(lng, lat) for lat, lng in h3_int.cell_to_boundary(int(c, 16))] for c in cells
    ]  # one call per cell with tests, only for the map
    return gpd.GeoSeries([shapely.Polygon(r) for r in rings], crs=4326)


def pairs_within(
    ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(i, j)`` with point ``a[i]`` within ``radius`` of ``b[j]`` (metres).

    A grid of ``radius``-sided cells: each point of ``a`` is compared with the points of
    ``b`` in its own cell and the 8 around it, found by binary search in the sorted cell keys
    of ``b``. Pairs come sorted by ``i`` then ``j``.

    Examples
    --------
    >>> i, j = pairs_within(np.array([0.0, 900.0]), np.zeros(2), np.array([500.0, 0.0]),
    ...                     np.zeros(2), 500)
    >>> list(zip(i.tolist(), j.tolist()))
    [(0, 0), (0, 1), (1, 0)]
    """
    empty = np.empty(0, dtype=np.int64)
    if not len(ax) or not len(bx):
        return empty, empty
    x0, y0 = min(ax.min(), bx.min()), min(ay.min(), by.min())
    acx, acy = ((ax - x0) // radius).astype(np.int64), ((ay - y0) // radius).astype(np.int64)
    bcx, bcy = ((bx - x0) // radius).astype(np.int64), ((by - y0) // radius).astype(np.int64)
    ncols = int(max(acx.max(), bcx.max())) + 3
    bkey = (bcy + 1) * ncols + (bcx + 1)
    order = np.argsort(bkey, kind="stable")
    sorted_keys = bkey[order]
    cells, a_cell = np.unique((acy + 1) * ncols + (acx + 1), return_inverse=True)
    found_a, found_b = [], []
    for dy in (-1, 0, 1):  # the 9 neighbouring cells
        for dx in (-1, 0, 1):
            key = cells + dy * ncols + dx
            lo = np.searchsorted(sorted_keys, key, side="left")[a_cell]
            count = np.searchsorted(sorted_keys, key, side="right")[a_cell] - lo
            total = int(count.sum())
            if not total:
                continue
            i = np.repeat(np.arange(len(ax)), count)
            first = np.cumsum(count) - count
            j = order[np.repeat(lo - first, count) + np.arange(total)]
            near = (ax[i] - bx[j]) ** 2 + (ay[i] - by[j]) ** 2 <= radius * radius
            found_a.append(i[near])
            found_b.append(j[near])
    if not found_a:
        return empty, empty
    i, j = np.concatenate(found_a), np.concatenate(found_b)
    order = np.lexsort((j, i))
    return i[order], j[order]


def tally_verdicts(
    unit: np.ndarray,
    layer: np.ndarray,
    *,
    declared: np.ndarray,
    failing: np.ndarray,
    time_s: np.ndarray,
    n_layers: int,
    rules: ChallengeRules,
) -> pd.DataFrame:
    """Counts and verdict per (unit, layer) with tests: one row each, sorted.

    Examples
    --------
    >>> t = np.arange(6) * 3600 * 2
    >>> out = tally_verdicts(np.zeros(6, int), np.zeros(6, int), declared=np.ones(6, bool),
    ...                      failing=np.array([1, 1, 1, 0, 0, 0], bool), time_s=t,
    ...                      n_layers=1, rules=ChallengeRules())
    >>> out[["tests", "failing", "hours_apart", "verdict"]].values.tolist()
    [[6, 3, 4.0, 'challenged']]
    """
    key = np.asarray(unit, dtype=np.int64) * n_layers + np.asarray(layer, dtype=np.int64)
    keys, group = np.unique(key, return_inverse=True)
    n = len(keys)
    fail_in = declared & failing

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=mask, minlength=n).astype(np.int64)

    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, group[fail_in], time_s[fail_in])
    np.maximum.at(last, group[fail_in], time_s[fail_in])
    out = pd.DataFrame(
        {
            "unit": keys // n_layers,
            "layer": keys % n_layers,
            "tests": count(declared),
            "failing": count(fail_in),
            "tests_outside": count(~declared),
            "passing_outside": count(~declared & ~failing),
        }
    )
    out["hours_apart"] = np.where(out["failing"] > 0, (last - first) / 3600.0, 0.0)
    out["verdict"] = _verdicts(out, rules)
    return out


def _verdicts(tally: pd.DataFrame, rules: ChallengeRules) -> np.ndarray:
    n, f = tally["tests"].to_numpy(), tally["failing"].to_numpy()
    m, p = tally["tests_outside"].to_numpy(), tally["passing_outside"].to_numpy()
    enough = n >= rules.min_tests
    with np.errstate(invalid="ignore", divide="ignore"):
        failing_share = np.where(n > 0, f / np.maximum(n, 1), 0.0)
        passing_share = np.where(m > 0, p / np.maximum(m, 1), 0.0)
    conditions = [
        enough
        & (failing_share >= rules.min_failing_share)
        & (tally["hours_apart"].to_numpy() >= rules.min_hours_apart),
        enough & (failing_share < rules.min_failing_share),
        (m >= rules.min_tests) & (passing_share >= 1 - rules.min_failing_share),
        (n + m) > 0,
    ]
    return np.select(conditions, list(VERDICTS[:4]), default="no_data")


def assess_evidence(
    tests: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    *,
    layers: Sequence[DeclaredLayer],
    declared: np.ndarray,
    rules: ChallengeRules | None = None,
) -> EvidenceResult:
    """Judge the tests and give every village and H3 cell its verdict per layer.

    Parameters
    ----------
    tests
        From :func:`coverage_gaps.inputs.load_measurements` (several files concatenated),
        in the working CRS.
    villages
        Villages with ``village_id``, points in the same CRS.
    layers
        Every declared layer (:func:`declared_layers`).
    declared
        Per test, whether its own layer declares coverage at it (:func:`sample_declared`).
    rules
        The rules; the defaults when ``None``.

    Examples
    --------
    >>> result = assess_evidence(tests, villages, layers=declared_layers(inputs.layers),
    ...                          declared=sample_declared(tests, inputs.layers))  # doctest: +SKIP
    """
    rules = rules or ChallengeRules()
    layers = list(layers)
    judged = judge_tests(tests, layers=layers, declared=declared, rules=rules)
    judged = judged.reset_index(drop=True)
    judged["h3_index"] = h3_cells(
        judged["lat"].to_numpy(), judged["lon"].to_numpy(), rules.hex_resolution
    )
    time_s = _seconds(judged["time_utc"])
    points = judged.geometry.to_numpy()
    vpts = villages.geometry.to_numpy()
    ti, vi = pairs_within(
        shapely.get_x(points),
        shapely.get_y(points),
        shapely.get_x(vpts),
        shapely.get_y(vpts),
        rules.village_radius_m,
    )
    flags = {
        "declared": judged["declared"].to_numpy(),
        "failing": judged["failing"].to_numpy(),
    }
    layer = judged["layer"].to_numpy()
    by_village = tally_verdicts(
        vi,
        layer[ti],
        declared=flags["declared"][ti],
        failing=flags["failing"][ti],
        time_s=time_s[ti],
        n_layers=max(len(layers), 1),
        rules=rules,
    )
    cell_ids, cell_of = np.unique(judged["h3_index"].to_numpy(), return_inverse=True)
    by_cell = tally_verdicts(
        cell_of, layer, time_s=time_s, n_layers=max(len(layers), 1), rules=rules, **flags
    )
    village_ids = villages["village_id"].astype(str).to_numpy()
    cell_names = cell_strings(cell_ids)
    challenges = pd.concat(
        [
            _challenges(
                by_village, ti, vi, judged, time_s, layers, level="village", names=village_ids
            ),
            _challenges(
                by_cell,
                np.arange(len(judged)),
                cell_of,
                judged,
                time_s,
                layers,
                level="h3",
                names=cell_names,
            ),
        ],
        ignore_index=True,
    )
    return EvidenceResult(
        rules=rules,
        layers=layers,
        tests=judged,
        villages=_named(by_village, layers, "village_id", village_ids),
        cells=_named(by_cell, layers, "h3_cell", cell_names),
        challenges=challenges[CHALLENGE_COLUMNS],
        pairs=(ti, vi),
        village_ids=village_ids,
    )


def _seconds(times: pd.Series) -> np.ndarray:
    """UTC times as integer seconds since 1970 (vectorised, no Timestamp objects)."""
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.to_numpy().astype("datetime64[s]").astype(np.int64)


def _named(
    tally: pd.DataFrame, layers: list[DeclaredLayer], id_column: str, names: np.ndarray
) -> pd.DataFrame:
    """A tally with the unit's id and the layer's carrier and technology."""
    lay = tally["layer"].to_numpy()
    out = pd.DataFrame(
        {
            id_column: names[tally["unit"].to_numpy()] if len(tally) else np.empty(0, dtype=str),
            "carrier": np.array([x.carrier for x in layers] or [""], dtype=object)[lay],
            "technology": np.array([x.technology for x in layers] or [""], dtype=object)[lay],
        }
    )
    for column in [*_TALLY_COLUMNS, "verdict"]:
        out[column] = tally[column].to_numpy()
    return out


def _challenges(
    tally: pd.DataFrame,
    test_of: np.ndarray,
    unit_of: np.ndarray,
    judged: pd.DataFrame,
    time_s: np.ndarray,
    layers: list[DeclaredLayer],
    *,
    level: str,
    names: np.ndarray,
) -> pd.DataFrame:
    """One row per challenged (unit, layer): counts, medians, first and last test."""
    hit = tally[tally["verdict"] == "challenged"].reset_index(drop=True)
    n_layers = max(len(layers), 1)
    wanted = hit["unit"].to_numpy() * n_layers + hit["layer"].to_numpy()
    key = unit_of * n_layers + judged["layer"].to_numpy()[test_of]
    keep = np.isin(key, wanted) & judged["declared"].to_numpy()[test_of]
    rows = test_of[keep]
    stats = (
        pd.DataFrame(
            {
                "key": key[keep],
                "signal": judged["signal_dbm"].to_numpy()[rows],
                "speed": judged["download_mbps"].to_numpy()[rows],
                "time": time_s[rows],
            }
        )
        .groupby("key", sort=True)
        .agg(
            median_signal_dbm=("signal", "median"),
            median_download_mbps=("speed", "median"),
            first_test_utc=("time", "min"),
            last_test_utc=("time", "max"),
        )
        .reindex(wanted)
        .reset_index(drop=True)
    )
    lay = hit["layer"].to_numpy()
    names_of_units = names[hit["unit"].to_numpy()] if len(hit) else np.empty(0, dtype=str)
    out = pd.DataFrame(
        {
            "level": level,
            "village_id": names_of_units if level == "village" else "",
            "h3_cell": names_of_units if level == "h3" else "",
            "carrier": [layers[i].carrier for i in lay],
            "technology": [layers[i].technology for i in lay],
            "tests": hit["tests"].to_numpy(),
            "failing": hit["failing"].to_numpy(),
            "failing_share": np.round(hit["failing"] / hit["tests"].clip(lower=1), 3),
            "hours_apart": np.round(hit["hours_apart"].to_numpy(), 2),
            "declared_source": [layers[i].source for i in lay],
        }
    )
    for column in stats.columns:
        out[column] = stats[column].to_numpy()
    for column in ("first_test_utc", "last_test_utc"):
        out[column] = pd.to_datetime(out[column], unit="s", utc=True).astype("datetime64[s, UTC]")
    return out.sort_values(["carrier", "technology", "village_id", "h3_cell"], kind="stable")


def measured_columns(result: EvidenceResult) -> pd.DataFrame:
    """Per village (in the order given to :func:`assess_evidence`), one column
    ``<carrier>_<technology>_measured`` per layer with tests, holding the verdict.

    Examples
    --------
    >>> cols = measured_columns(result)  # doctest: +SKIP
    >>> cols["viettel_4g_measured"].value_counts()  # doctest: +SKIP
    """
    n = len(result.village_ids)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    present = sorted(set(result.tests["layer"].tolist()))
    unit = pd.Series(np.arange(n), index=result.village_ids)
    for i in present:
        layer = result.layers[i]
        verdict = np.full(n, "no_data", dtype=object)
        mine = result.villages[
            (result.villages["carrier"] == layer.carrier)
            & (result.villages["technology"] == layer.technology)
        ]
        verdict[unit.loc[mine["village_id"]].to_numpy()] = mine["verdict"].to_numpy()
        out[f"{layer.column}_measured"] = verdict.astype(str)
    return out


def recompute_gap_mobile(
    villages: pd.DataFrame, measured: pd.DataFrame, *, layers: Sequence[DeclaredLayer]
) -> np.ndarray:
    """``gap_mobile_measured``: the mobile gap (no 3G, 4G or 5G) with every challenged
    layer counted as not covering the village.

    ``villages`` is the village table (its boolean ``<carrier>_<technology>`` columns),
    ``measured`` the frame of :func:`measured_columns` in the same order.

    Examples
    --------
    >>> v = pd.DataFrame({"viettel_4g": [True, True], "vnpt_3g": [False, True]})
    >>> m = pd.DataFrame({"viettel_4g_measured": ["challenged", "challenged"]})
    >>> layers = [DeclaredLayer("Viettel", "4G", -105), DeclaredLayer("VNPT", "3G", -100)]
    >>> recompute_gap_mobile(v, m, layers=layers).tolist()
    [True, False]
    """
    covered = np.zeros(len(villages), dtype=bool)
    for layer in layers:
        if layer.technology not in ("3G", "4G", "5G") or layer.column not in villages:
            continue
        has = villages[layer.column].to_numpy(dtype=bool)
        verdict = measured.get(f"{layer.column}_measured")
        if verdict is not None:
            has = has & (verdict.to_numpy() != "challenged")
        covered |= has
    return ~covered


def gather_evidence(result: EvidenceResult) -> dict[str, pd.DataFrame]:
    """Each carrier's evidence pack: the tests inside its declared coverage behind its
    challenges (village or H3), one row per test, with the challenged village ids
    (``;``-separated) and H3 cell.
    """
    tests = result.tests
    n_layers = max(len(result.layers), 1)
    layer = tests["layer"].to_numpy()
    cells = result.cells
    hot_cells = cells.loc[cells["verdict"] == "challenged", ["h3_cell", "carrier", "technology"]]
    test_cells = cell_strings(tests["h3_index"].to_numpy())
    carrier = np.array([x.carrier for x in result.layers] or [""], dtype=object)[layer]
    tech = np.array([x.technology for x in result.layers] or [""], dtype=object)[layer]
    cell_key = pd.MultiIndex.from_arrays([test_cells, carrier, tech])
    in_hot_cell = (
        cell_key.isin(pd.MultiIndex.from_frame(hot_cells))
        if len(hot_cells)
        else np.zeros(len(tests), bool)
    )
    ti, vi = result.pairs
    vt = result.villages
    hot = vt[vt["verdict"] == "challenged"]
    unit_of = pd.Series(np.arange(len(result.village_ids)), index=result.village_ids)
    hot_keys = unit_of.loc[hot["village_id"]].to_numpy() * n_layers + _layer_index(
        hot, result.layers
    )
    in_hot = np.isin(vi * n_layers + layer[ti], hot_keys)
    declared = tests["declared"].to_numpy()
    ids = (
        pd.DataFrame({"test": ti[in_hot], "village": result.village_ids[vi[in_hot]]})
        .groupby("test", sort=True)["village"]
        .agg(";".join)
    )
    keep = declared & (in_hot_cell | np.isin(np.arange(len(tests)), ids.index.to_numpy()))
    columns = [c for c in tests.columns if c not in ("geometry", "layer", "h3_index", "declared")]
    pack = pd.DataFrame(tests.loc[keep, columns]).copy()
    pack["h3_cell"] = test_cells[keep]
    pack["h3_challenged"] = in_hot_cell[keep]
    pack["challenged_villages"] = ids.reindex(np.flatnonzero(keep)).fillna("").to_numpy()
    pack = pack.sort_values(["carrier", "technology", "time_utc", "source", "row"], kind="stable")
    return {
        str(name): frame.reset_index(drop=True)
        for name, frame in pack.groupby(pack["carrier"].astype(str), sort=True)
    }


def _layer_index(frame: pd.DataFrame, layers: list[DeclaredLayer]) -> np.ndarray:
    wanted = pd.MultiIndex.from_tuples([(x.carrier, x.technology) for x in layers])
    return wanted.get_indexer(pd.MultiIndex.from_arrays([frame["carrier"], frame["technology"]]))


def count_verdicts(result: EvidenceResult) -> pd.DataFrame:
    """Units per verdict, level (``village``, ``h3``), carrier and technology, for ``run.json``
    and the report. Villages without tests count as ``no_data``; H3 cells only where tested.
    """
    measured = measured_columns(result)
    rows = []
    for i in sorted(set(result.tests["layer"].tolist())):
        layer = result.layers[i]
        counts = measured[f"{layer.column}_measured"].value_counts()
        rows += [
            ("village", layer.carrier, layer.technology, v, int(counts.get(v, 0))) for v in VERDICTS
        ]
        mine = result.cells[
            (result.cells["carrier"] == layer.carrier)
            & (result.cells["technology"] == layer.technology)
        ]["verdict"].value_counts()
        rows += [
            ("h3", layer.carrier, layer.technology, v, int(mine.get(v, 0))) for v in VERDICTS[:4]
        ]
    return pd.DataFrame(rows, columns=["level", "carrier", "technology", "verdict", "count"])


def median_tile_speed(
    villages: gpd.GeoSeries, tiles: pd.DataFrame, *, radius_m: float = 500.0
) -> pd.DataFrame:
    """Per village, the median download speed (Mbps) of the Ookla tiles within ``radius_m``
    (``ookla_download_mbps``), how many tiles (``ookla_tiles``) and their tests
    (``ookla_tests``); NaN / 0 where no tile is that close.

    ``villages`` are points in a metric CRS; ``tiles`` from
    :func:`coverage_gaps.inputs.load_ookla_tiles`. Tiles far from every village are dropped
    on their bounds before being drawn.
    """
    n = len(villages)
    out = pd.DataFrame(
        {"ookla_download_mbps": np.full(n, np.nan), "ookla_tiles": 0, "ookla_tests": 0}
    )
    if not n or not len(tiles):
        return out
    lonlat = villages.to_crs(4326)
    west, south, east, north = lonlat.total_bounds
    margin = radius_m / 100_000.0 + 0.01  # degrees: radius plus a tile
    near = (
        (tiles["east"] >= west - margin)
        & (tiles["west"] <= east + margin)
        & (tiles["north"] >= south - margin)
        & (tiles["south"] <= north + margin)
    ).to_numpy()
    sub = tiles[near]
    boxes = shapely.box(sub["west"], sub["south"], sub["east"], sub["north"])
    drawn = gpd.GeoSeries(boxes, crs=4326).to_crs(villages.crs).to_numpy()
    vi, ti = shapely.STRtree(drawn).query(
        villages.to_numpy(), predicate="dwithin", distance=radius_m
    )
    if not vi.size:
        return out
    stats = (
        pd.DataFrame(
            {
                "village": vi,
                "speed": sub["download_mbps"].to_numpy()[ti],
                "tests": sub["tests"].to_numpy()[ti],
            }
        )
        .groupby("village")
        .agg(speed=("speed", "median"), tiles=("speed", "size"), tests=("tests", "sum"))
    )
    idx = stats.index.to_numpy()
    out.loc[idx, "ookla_download_mbps"] = np.round(stats["speed"].to_numpy(), 2)
    out.loc[idx, "ookla_tiles"] = stats["tiles"].to_numpy()
    out.loc[idx, "ookla_tests"] = stats["tests"].to_numpy().astype(np.int64)
    return out

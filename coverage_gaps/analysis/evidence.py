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

from collections.abc import Sequence
from itertools import repeat

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from h3.api import basic_int as h3_int

from .._errors import Problem, warn_problem
from ..config.evidence import DEFAULT_SPEED_MBPS
from ..io.checks import list_items
from ..results import ChallengeRules, CoverageLayer, DeclaredLayer, EvidenceResult
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


def declared_layers(layers: Sequence[CoverageLayer]) -> list[DeclaredLayer]:
    """The rules' view of loaded coverage layers: carrier, technology, threshold, source."""
    return [
        DeclaredLayer(
            carrier=layer.spec.carrier,
            technology=layer.spec.technology,
            threshold_dbm=layer.spec.threshold_dbm,
            source=layer.declared_source,
        )
        for layer in layers
    ]


def sample_declared(tests: gpd.GeoDataFrame, layers: Sequence[CoverageLayer]) -> np.ndarray:
    """Whether each test is inside its own carrier-technology layer's declared coverage.

    One :func:`sample_coverage` per layer (a handful), each on the tests of that layer;
    tests of a layer not given are False.
    """
    declared = np.zeros(len(tests), dtype=bool)
    layer = _layer_of(tests, declared_layers(layers))
    for i, coverage in enumerate(layers):
        mine = np.flatnonzero(layer == i)
        if mine.size:
            declared[mine] = sample_coverage(coverage, tests.geometry.iloc[mine])
    return declared


def _layer_of(tests: pd.DataFrame, layers: Sequence[DeclaredLayer]) -> np.ndarray:
    """Index of each test's layer in ``layers`` (-1: none), from the few distinct names."""
    carrier, carriers = pd.factorize(tests["carrier"])
    tech, techs = pd.factorize(tests["technology"])
    table = np.full((len(carriers) + 1, len(techs) + 1), -1, dtype=np.int64)  # -1 codes: last
    for i, layer in enumerate(layers):
        rows = [k for k, name in enumerate(carriers) if str(name) == layer.carrier]
        cols = [k for k, name in enumerate(techs) if str(name) == layer.technology]
        table[np.ix_(rows, cols)] = i
    return table[carrier, tech]


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
    layer = _layer_of(tests, layers)
    _warn_unjudged(tests, layer)
    keep = np.flatnonzero(layer >= 0)
    out = tests.iloc[keep].reset_index(drop=True) if keep.size < len(tests) else tests.copy()
    layer = layer[keep]
    threshold = np.array([x.threshold_dbm for x in layers] or [np.nan], dtype=float)[layer]
    speeds = [rules.speed_mbps.get(x.technology, np.nan) for x in layers] or [np.nan]
    speed = np.array(speeds, dtype=float)[layer]
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
    """Warn about the tests whose carrier and technology have no layer, naming their rows."""
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
    where = ""
    if "row" in tests:
        rows = tests["row"].to_numpy()[orphan]
        more = f" and {rows.size - 10} more" if rows.size > 10 else ""
        where = ", ".join(f"row {r}" for r in rows[:10]) + more
    warn_problem(
        Problem(
            list_items(sources) or "measurements",
            where,
            f"{int(orphan.sum())} test(s) of carriers and technologies without a coverage "
            f"layer: {list_items(listed)}; they are left out of the verdicts.",
            "add those layers to 'coverage:', or check the carrier and technology names.",
        )
    )


#: h3's Cython core, which the public ``h3.api.basic_int.latlng_to_cell`` calls after a
#: per-call argument conversion; calling it directly is about a third faster per point.
_LATLNG_TO_CELL = getattr(getattr(h3, "_cy", None), "latlng_to_cell", h3_int.latlng_to_cell)


def h3_cells(lat: np.ndarray, lon: np.ndarray, resolution: int) -> np.ndarray:
    """H3 cell indexes (uint64) of points, through h3's C core.

    h3 4 has no array function (uber/h3-py#341); mapping its C-implemented
    ``latlng_to_cell`` over the coordinates keeps the loop out of Python bytecode (about
    2 s per million points on the project's machine; see ``benchmarks/evidence.py``).

    Examples
    --------
    >>> cell_strings(h3_cells(np.array([21.0285]), np.array([105.8542]), 8)).tolist()
    ['88415cb4e5fffff']
    """
    lat = np.asarray(lat, dtype=float)
    n = len(lat)
    calls = map(
        _LATLNG_TO_CELL, lat.tolist(), np.asarray(lon, float).tolist(), repeat(resolution, n)
    )
    return np.fromiter(calls, dtype=np.uint64, count=n)


def cell_strings(cells: np.ndarray) -> np.ndarray:
    """H3 indexes as their usual 15-digit hexadecimal strings, vectorised.

    Every H3 cell index has 0 in its top 4 bits and the mode 1 next, so its hexadecimal
    form always has 15 digits, the first being ``8``.

    Examples
    --------
    >>> cell_strings(np.array([0x88415CB4E5FFFFF], dtype=np.uint64)).tolist()
    ['88415cb4e5fffff']
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

    A grid of ``radius``-sided cells: the points of ``a`` in one cell are compared with the
    points of ``b`` in the same cell and the 8 around it, cell block by cell block, so the
    work grows with the candidate pairs, not with ``len(a)`` times the offsets. Pairs come
    sorted by ``i`` then ``j``.

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
    ncols = int((max(ax.max(), bx.max()) - x0) // radius) + 3

    def keys(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return ((y - y0) // radius + 1).astype(np.int64) * ncols + ((x - x0) // radius + 1)

    b_order = np.argsort(keys(bx, by), kind="stable")
    b_keys = keys(bx, by)[b_order]
    a_order = np.argsort(keys(ax, ay), kind="stable")
    a_cells, a_start, a_count = np.unique(
        keys(ax, ay)[a_order], return_index=True, return_counts=True
    )
    found_a, found_b = [], []
    for offset in (dy * ncols + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)):
        lo = np.searchsorted(b_keys, a_cells + offset, side="left")
        b_count = np.searchsorted(b_keys, a_cells + offset, side="right") - lo
        block = np.flatnonzero(b_count)  # a-cells with b points in this neighbour
        size = a_count[block] * b_count[block]
        pos = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
        nb = np.repeat(b_count[block], size)
        i = a_order[np.repeat(a_start[block], size) + pos // nb]
        j = b_order[np.repeat(lo[block], size) + pos % nb]
        near = (ax[i] - bx[j]) ** 2 + (ay[i] - by[j]) ** 2 <= radius * radius
        found_a.append(i[near])
        found_b.append(j[near])
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
    out["verdict"] = pd.Categorical.from_codes(
        _verdict_codes(out, rules), dtype=pd.CategoricalDtype(list(VERDICTS))
    )
    return out


def _verdict_codes(tally: pd.DataFrame, rules: ChallengeRules) -> np.ndarray:
    """Index in :data:`VERDICTS` of each tally row's verdict (the first rule that holds)."""
    n, f = tally["tests"].to_numpy(), tally["failing"].to_numpy()
    m, p = tally["tests_outside"].to_numpy(), tally["passing_outside"].to_numpy()
    enough = n >= rules.min_tests
    failing_share = f / np.maximum(n, 1)
    passing_share = p / np.maximum(m, 1)
    conditions = [
        enough
        & (failing_share >= rules.min_failing_share)
        & (tally["hours_apart"].to_numpy() >= rules.min_hours_apart),
        enough & (failing_share < rules.min_failing_share),
        (m >= rules.min_tests) & (passing_share >= 1 - rules.min_failing_share),
        (n + m) > 0,
    ]
    return np.select(conditions, [0, 1, 2, 3], default=4).astype(np.int8)


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
    n_layers = max(len(layers), 1)
    judged = judge_tests(tests, layers=layers, declared=declared, rules=rules)
    judged["h3_index"] = h3_cells(
        judged["lat"].to_numpy(), judged["lon"].to_numpy(), rules.hex_resolution
    )
    cell_ids, cell_of = np.unique(judged["h3_index"].to_numpy(), return_inverse=True)
    judged["cell"] = cell_of
    time_s = _seconds(judged["time_utc"])
    points, vpts = judged.geometry.to_numpy(), villages.geometry.to_numpy()
    ti, vi = pairs_within(
        shapely.get_x(points),
        shapely.get_y(points),
        shapely.get_x(vpts),
        shapely.get_y(vpts),
        rules.village_radius_m,
    )
    declared_in, failing = judged["declared"].to_numpy(), judged["failing"].to_numpy()
    layer = judged["layer"].to_numpy()
    by_village = tally_verdicts(
        vi,
        layer[ti],
        declared=declared_in[ti],
        failing=failing[ti],
        time_s=time_s[ti],
        n_layers=n_layers,
        rules=rules,
    )
    by_cell = tally_verdicts(
        cell_of,
        layer,
        declared=declared_in,
        failing=failing,
        time_s=time_s,
        n_layers=n_layers,
        rules=rules,
    )
    village_ids = villages["village_id"].astype(str).to_numpy()
    cell_names = cell_strings(cell_ids)
    units = {"village": (ti, vi, village_ids), "h3": (np.arange(len(judged)), cell_of, cell_names)}
    challenges = pd.concat(
        [
            _challenges(tally, *units[level], judged, time_s, layers, level=level)
            for level, tally in (("village", by_village), ("h3", by_cell))
        ],
        ignore_index=True,
    )
    return EvidenceResult(
        rules=rules,
        layers=layers,
        tests=judged,
        villages=_named(by_village, layers, "village", village_ids),
        cells=_named(by_cell, layers, "cell", cell_names),
        challenges=challenges[CHALLENGE_COLUMNS],
        pairs=(ti, vi),
        village_ids=village_ids,
        cell_ids=cell_ids,
    )


def _seconds(times: pd.Series) -> np.ndarray:
    """UTC times as integer seconds since 1970 (vectorised, no Timestamp objects)."""
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.to_numpy().astype("datetime64[s]").astype(np.int64)


def _named(
    tally: pd.DataFrame, layers: list[DeclaredLayer], unit: str, names: np.ndarray
) -> pd.DataFrame:
    """A tally with the unit's id and the layer's carrier and technology, as categories
    (built from codes: no string per row)."""
    lay = tally["layer"].to_numpy()
    carriers = sorted({x.carrier for x in layers})
    technologies = sorted({x.technology for x in layers})
    carrier_code = np.array([carriers.index(x.carrier) for x in layers] or [0])
    tech_code = np.array([technologies.index(x.technology) for x in layers] or [0])
    id_column = "village_id" if unit == "village" else "h3_cell"
    out = pd.DataFrame(
        {
            unit: tally["unit"].to_numpy(),
            "layer": lay,
            id_column: pd.Categorical.from_codes(
                tally["unit"].to_numpy(), dtype=pd.CategoricalDtype(pd.Index(names))
            ),
            "carrier": pd.Categorical.from_codes(
                carrier_code[lay], dtype=pd.CategoricalDtype(carriers or ["?"])
            ),
            "technology": pd.Categorical.from_codes(
                tech_code[lay], dtype=pd.CategoricalDtype(technologies or ["?"])
            ),
        }
    )
    for column in _TALLY_COLUMNS:
        out[column] = tally[column].to_numpy()
    out["verdict"] = tally["verdict"].array
    return out


def _challenges(
    tally: pd.DataFrame,
    test_of: np.ndarray,
    unit_of: np.ndarray,
    names: np.ndarray,
    judged: pd.DataFrame,
    time_s: np.ndarray,
    layers: list[DeclaredLayer],
    *,
    level: str,
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
    unit_names = names[hit["unit"].to_numpy()] if len(hit) else np.empty(0, dtype=str)
    out = pd.DataFrame(
        {
            "level": level,
            "village_id": unit_names if level == "village" else "",
            "h3_cell": unit_names if level == "h3" else "",
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
    out["median_signal_dbm"] = out["median_signal_dbm"].round(1)
    out["median_download_mbps"] = out["median_download_mbps"].round(2)
    for column in ("first_test_utc", "last_test_utc"):
        out[column] = pd.to_datetime(out[column], unit="s", utc=True).astype("datetime64[s, UTC]")
    return out.sort_values(["carrier", "technology", "village_id", "h3_cell"], kind="stable")


def _tested_layers(result: EvidenceResult) -> list[int]:
    return np.unique(result.tests["layer"].to_numpy()).tolist()


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
    tally = result.villages
    codes = tally["verdict"].cat.codes.to_numpy()
    for i in _tested_layers(result):
        verdict = np.full(n, VERDICTS.index("no_data"), dtype=np.int8)
        mine = tally["layer"].to_numpy() == i
        verdict[tally["village"].to_numpy()[mine]] = codes[mine]
        out[f"{result.layers[i].column}_measured"] = np.array(VERDICTS)[verdict]
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
    challenges (village or H3), one row per test, sorted by technology and time.

    Columns: the loaded ones (without the geometry), ``threshold_dbm``,
    ``speed_threshold_mbps``, ``failing``, ``h3_cell``, ``h3_challenged`` (its cell is
    challenged for this layer) and ``challenged_villages`` (``;``-separated ids of the
    challenged villages it counts for).
    """
    tests = result.tests
    n_layers = max(len(result.layers), 1)
    layer = tests["layer"].to_numpy()
    declared = tests["declared"].to_numpy()

    def challenged_keys(tally: pd.DataFrame, unit: str) -> np.ndarray:
        hot = tally[tally["verdict"] == "challenged"]
        return hot[unit].to_numpy() * n_layers + hot["layer"].to_numpy()

    in_hot_cell = np.isin(
        tests["cell"].to_numpy() * n_layers + layer, challenged_keys(result.cells, "cell")
    )
    ti, vi = result.pairs
    hot_pair = np.isin(vi * n_layers + layer[ti], challenged_keys(result.villages, "village"))
    hot_pair &= declared[ti]
    keep = declared & in_hot_cell
    keep[ti[hot_pair]] = True
    villages_of = _joined_ids(ti[hot_pair], result.village_ids[vi[hot_pair]], len(tests))
    drop = ("geometry", "layer", "h3_index", "cell", "declared")
    pack = pd.DataFrame(tests.loc[keep, [c for c in tests.columns if c not in drop]])
    pack["h3_cell"] = cell_strings(tests["h3_index"].to_numpy()[keep])
    pack["h3_challenged"] = in_hot_cell[keep]
    pack["challenged_villages"] = villages_of[keep]
    pack = pack.sort_values(["carrier", "technology", "time_utc", "source", "row"], kind="stable")
    return {
        str(name): frame.reset_index(drop=True)
        for name, frame in pack.groupby(pack["carrier"].astype(str), sort=True, observed=True)
    }


def _joined_ids(test: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """Per test, the ids paired with it joined by ``;`` ("" when none); ``test`` sorted."""
    out = np.full(n, "", dtype=object)
    if not len(test):
        return out
    starts = np.flatnonzero(np.r_[True, test[1:] != test[:-1]])
    joined = np.add.reduceat((ids.astype(object) + ";"), starts)  # string concatenation in C
    out[test[starts]] = [s[:-1] for s in joined]
    return out


def count_verdicts(result: EvidenceResult) -> pd.DataFrame:
    """Units per verdict, level (``village``, ``h3``), carrier and technology, for ``run.json``
    and the report. Villages without tests count as ``no_data``; H3 cells only where tested.
    """
    rows = []
    n_villages = len(result.village_ids)
    for i in _tested_layers(result):
        layer = result.layers[i]
        for level, tally in (("village", result.villages), ("h3", result.cells)):
            codes = tally["verdict"].cat.codes.to_numpy()[tally["layer"].to_numpy() == i]
            counts = np.bincount(codes, minlength=len(VERDICTS))
            if level == "village":
                counts[VERDICTS.index("no_data")] = n_villages - len(codes)
            shown = VERDICTS if level == "village" else VERDICTS[:4]
            rows += [
                (level, layer.carrier, layer.technology, v, int(counts[k]))
                for k, v in enumerate(shown)
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

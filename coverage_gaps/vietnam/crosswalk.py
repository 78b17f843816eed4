"""Pre-2025 commune codes to the 2025 ones.

On 1 July 2025 Vietnam's 10,047 communes (xã, phường, thị trấn) became 3,321
(xã, phường, đặc khu). Most old communes went whole into one new commune
(``full`` in the official mapping); 460 were split between two to five
(``partial``). A table keyed by old codes is converted with :func:`convert_codes`:
an old commune with one successor gets it; for a split one, the village's
coordinates choose the successor that contains it (given the new commune
polygons), and villages that none of the candidates contains are reported as
unresolved.

The mapping (:class:`Crosswalk`) comes from

- the ``vietnamadminunits`` package (MIT; default): its old-to-new tables and
  the new units' centres, read straight from its data files;
- or a file: the ``dvhcvn`` mapping (``splits.json`` old → new, or
  ``merges.json`` new → old, as in ``../shared/geodata/crosswalk_2025/``), or a
  CSV/XLSX with ``old_code`` and ``new_code`` columns (one row per pair).

The package agrees with the official mapping (``dvhcvn``, from the merger
resolutions) on the successors of 9,981 of 10,047 old communes (99.34 %), and
on all 280 old communes of today's Thái Nguyên (see :func:`compare_crosswalks`
and docs/VIETNAM.md).

Examples
--------
>>> cw = Crosswalk.from_package()
>>> convert_codes(["05968", "05932"], cw)[["old_code", "new_code", "method"]].values.tolist()
[['05968', '05941', 'unique'], ['05932', <NA>, 'unresolved']]
"""

from __future__ import annotations

import importlib.metadata
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import InputDataError, Problem

__all__ = [
    "CROSSWALK_METHODS",
    "Crosswalk",
    "CrosswalkComparison",
    "compare_crosswalks",
    "convert_codes",
    "convert_village_codes",
    "old_codes_from_addresses",
    "place_split_villages",
    "resolve_split",
]

#: Values of the ``method`` column of :func:`convert_codes`.
CROSSWALK_METHODS = {
    "unique": "the old commune went whole into one new commune",
    "inside": "split commune: the new commune (among its successors) containing the point",
    "nearest": "split commune: the nearest successor, within max_snap_m of the point",
    "centre": "split commune: the successor whose centre is nearest (no polygons given)",
    "unresolved": "split commune: no point, or no successor contains the point",
    "unknown": "the code is not an old commune code of the mapping",
    "missing": "no code",
}


@dataclass(frozen=True)
class Crosswalk:
    """A mapping of pre-2025 commune codes to 2025 ones.

    Attributes
    ----------
    pairs
        One row per (old, new) pair: ``old_code``, ``new_code`` (5-digit text),
        ``old_name``, ``new_name`` (may be empty), ``default`` (the successor to
        take when nothing else decides; one per old code).
    centres
        ``new_code``, ``lon``, ``lat`` of the new communes when known (from the
        package), else empty.
    source
        Where the mapping came from, for reports.
    """

    pairs: pd.DataFrame
    centres: pd.DataFrame
    source: str

    @property
    def old_codes(self) -> np.ndarray:
        return self.pairs["old_code"].unique()

    def successors(self) -> pd.Series:
        """Old code -> sorted tuple of new codes."""
        return self.pairs.groupby("old_code", sort=True)["new_code"].agg(
            lambda s: tuple(sorted(set(s)))
        )

    # ------------------------------------------------------------------ builders

    @classmethod
    def from_package(cls) -> Crosswalk:
        """The mapping shipped by ``vietnamadminunits`` (cached after the first call)."""
        return _package_crosswalk()

    @classmethod
    def from_file(cls, path: str | Path) -> Crosswalk:
        """Read a mapping file: dvhcvn ``splits.json``/``merges.json``, or CSV/XLSX.

        Raises
        ------
        InputDataError
            The file is missing or not in one of these layouts.
        """
        path = Path(path)
        src = str(path)
        if not path.is_file():
            raise InputDataError(
                [Problem(src, "", "the crosswalk file does not exist.", "check the path.")]
            )
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(path.read_text(encoding="utf-8-sig"))
                pairs = _pairs_from_dvhcvn(data)
            else:
                table = (
                    pd.read_excel(path, dtype=str)
                    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls")
                    else pd.read_csv(
                        path, dtype=str, encoding="utf-8-sig", sep=None, engine="python"
                    )
                )
                pairs = _pairs_from_table(table)
        except (ValueError, KeyError, TypeError) as exc:
            raise InputDataError(
                [
                    Problem(
                        src,
                        "",
                        f"the file is not a commune crosswalk ({exc}).",
                        "give the dvhcvn splits.json or merges.json, or a CSV with columns "
                        "old_code and new_code (one row per old/new pair).",
                    )
                ]
            ) from None
        return cls(_finish_pairs(pairs), pd.DataFrame(columns=["new_code", "lon", "lat"]), src)


def _finish_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Clean codes, drop duplicate pairs, keep one default successor per old code."""
    pairs = pairs.copy()
    for col in ("old_code", "new_code"):
        pairs[col] = pairs[col].astype(str).str.strip().str.zfill(5)
    for col in ("old_name", "new_name"):
        if col not in pairs:
            pairs[col] = ""
        pairs[col] = pairs[col].fillna("").astype(str)
    flagged = pairs["default"].astype(bool) if "default" in pairs else False
    pairs = pairs.assign(_not_flagged=~pd.Series(flagged, index=pairs.index))
    pairs = pairs.drop_duplicates(["old_code", "new_code"]).reset_index(drop=True)
    # the default: the first flagged successor, else the first listed
    first = pairs.sort_values(["old_code", "_not_flagged"], kind="stable").drop_duplicates(
        "old_code"
    )
    pairs["default"] = pairs.index.isin(first.index)
    pairs = pairs.sort_values(["old_code", "new_code"], kind="stable").reset_index(drop=True)
    return pairs[["old_code", "new_code", "old_name", "new_name", "default"]]


def _pairs_from_dvhcvn(data: dict[str, Any]) -> pd.DataFrame:
    rows = []
    units = data["data"]
    if units and "level3s" in units[0]:  # splits.json: old -> new
        for prov in units:
            for old in prov["level3s"]:
                for i, new in enumerate(old["splits"]):
                    rows.append((old["level3_id"], new["new_id"], old["name"], new["name"], i == 0))
    elif units and "level2s" in units[0]:  # merges.json: new -> old
        for prov in units:
            for new in prov["level2s"]:
                for old in new["merges"]:
                    rows.append((old["old_id"], new["level2_id"], old["name"], new["name"], False))
    else:
        raise ValueError("no 'level3s' (splits) or 'level2s' (merges) in 'data'")
    if not rows:
        raise ValueError("the mapping is empty")
    return pd.DataFrame(rows, columns=["old_code", "new_code", "old_name", "new_name", "default"])


def _pairs_from_table(table: pd.DataFrame) -> pd.DataFrame:
    cols = {c.strip().lower(): c for c in table.columns}
    old = next((cols[c] for c in ("old_code", "old_id", "ma_cu", "old") if c in cols), None)
    new = next((cols[c] for c in ("new_code", "new_id", "ma_moi", "new") if c in cols), None)
    if old is None or new is None:
        raise ValueError(
            f"columns old_code and new_code not found (columns: {list(table.columns)})"
        )
    out = pd.DataFrame({"old_code": table[old], "new_code": table[new]})
    for name in ("old_name", "new_name"):
        if name in cols:
            out[name] = table[cols[name]]
    return out.dropna(subset=["old_code", "new_code"])


@lru_cache(maxsize=1)
def _package_crosswalk() -> Crosswalk:
    data = resources.files("vietnamadminunits") / "data"
    with resources.as_file(data / "dataset.db") as db:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            legacy = pd.read_sql_query(
                "SELECT wardCode, provinceKey, districtKey, wardKey, ward FROM admin_units_legacy",
                con,
            )
            new = pd.read_sql_query(
                "SELECT provinceKey, wardKey, wardCode, ward, wardLat, wardLon FROM admin_units",
                con,
            )
        finally:
            con.close()
    conv = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    legacy["key"] = legacy["provinceKey"] + "_" + legacy["districtKey"] + "_" + legacy["wardKey"]
    old_by_key = legacy.drop_duplicates("key").set_index("key")
    new_code_of: dict[tuple[str, str], str] = {
        (str(p), str(w)): str(c)
        for p, w, c in zip(new["provinceKey"], new["wardKey"], new["wardCode"], strict=True)
    }
    rows: list[tuple[str, str, bool]] = []  # (old key, new code, default)
    for prov, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            code = new_code_of[prov, ward]
            rows.extend((key, code, True) for key in olds)
    for prov, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for key, cands in olds.items():
            rows.extend(
                (
                    key,
                    new_code_of[prov, c["newWardKey"]],
                    bool(c["isDefaultNewWard"]),
                )
                for c in cands
            )
    pairs = pd.DataFrame(rows, columns=["key", "new_code", "default"])
    pairs = pairs[pairs["key"].isin(old_by_key.index)]
    pairs["old_code"] = old_by_key.loc[pairs["key"], "wardCode"].to_numpy()
    pairs["old_name"] = old_by_key.loc[pairs["key"], "ward"].to_numpy()
    pairs["new_name"] = pairs["new_code"].map(new.set_index("wardCode")["ward"])
    centres = new.rename(columns={"wardCode": "new_code", "wardLon": "lon", "wardLat": "lat"})[
        ["new_code", "lon", "lat"]
    ]
    version = importlib.metadata.version("vietnamadminunits")
    return Crosswalk(
        _finish_pairs(pairs.drop(columns="key")),
        centres.reset_index(drop=True),
        f"vietnamadminunits {version}",
    )


# --------------------------------------------------------------------------- conversion


def convert_codes(
    old_codes: Sequence[object] | pd.Series,
    crosswalk: Crosswalk,
    *,
    points: Sequence[shapely.Geometry] | np.ndarray | gpd.GeoSeries | None = None,
    communes: gpd.GeoDataFrame | None = None,
    max_snap_m: float = 0.0,
) -> pd.DataFrame:
    """Convert pre-2025 commune codes to 2025 ones, using coordinates for split communes.

    Parameters
    ----------
    old_codes
        Old commune codes (numbers or text; leading zeros may be missing).
    crosswalk
        The mapping (:meth:`Crosswalk.from_package` or :meth:`Crosswalk.from_file`).
    points
        One point per code (None where unknown), in the CRS of ``communes``; or
        in lon/lat (EPSG:4326) when ``communes`` is None, to use the package's
        commune centres.
    communes
        New commune polygons with ``commune_id`` (5-digit codes) and geometry.
    max_snap_m
        For a point inside no successor: take the nearest successor within this
        distance (CRS units, metres for projected CRSs).

    Returns
    -------
    pandas.DataFrame
        One row per input, in order: ``old_code`` (5 digits), ``new_code``
        (``<NA>`` when unresolved), ``method`` (see :data:`CROSSWALK_METHODS`),
        ``candidates`` (the successors, joined with ``|``), ``old_name``,
        ``new_name``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> cw = Crosswalk.from_package()
    >>> c = gpd.GeoDataFrame({"commune_id": ["05908", "05941"]},
    ...                      geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> r = convert_codes(["5932", "5932"], cw, points=[shapely.Point(1.5, .5), None], communes=c)
    >>> r[["new_code", "method", "candidates"]].values.tolist()
    [['05941', 'inside', '05908|05941'], [<NA>, 'unresolved', '05908|05941']]
    """
    raw = pd.Series(list(old_codes) if not isinstance(old_codes, pd.Series) else old_codes)
    codes = _clean_codes(raw).reset_index(drop=True)
    n = len(codes)
    cand = codes.astype(object).map(crosswalk.successors().to_dict())
    count = cand.str.len().fillna(0).to_numpy(dtype=np.int64)
    new_code = np.full(n, None, dtype=object)
    method = np.full(n, "unknown", dtype=object)
    method[codes.isna().to_numpy()] = "missing"
    single = count == 1
    new_code[single] = cand[single].str[0].to_numpy()
    method[single] = "unique"
    split = np.flatnonzero(count > 1)
    method[split] = "unresolved"
    if split.size and points is not None:
        new_code[split], method[split] = _choose_split_successors(
            points,
            cand.iloc[split].to_numpy(),
            rows=split,
            n=n,
            crosswalk=crosswalk,
            communes=communes,
            max_snap_m=max_snap_m,
        )
    return _conversion_table(codes, cand, new_code, method, crosswalk)


def _choose_split_successors(
    points: Sequence[shapely.Geometry] | np.ndarray | gpd.GeoSeries,
    candidates: np.ndarray,
    *,
    rows: np.ndarray,
    n: int,
    crosswalk: Crosswalk,
    communes: gpd.GeoDataFrame | None,
    max_snap_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The successors of the split communes at positions ``rows``, chosen by their points.

    ``points`` holds one point per code (``n`` in all); without ``communes`` the
    crosswalk's commune centres decide. Returns the codes and how they were chosen.
    """
    pts = np.asarray(
        points.to_numpy() if isinstance(points, gpd.GeoSeries) else list(points), dtype=object
    )
    if pts.shape[0] != n:
        raise ValueError(f"{pts.shape[0]} points for {n} codes")
    return resolve_split(
        pts[rows],
        candidates,
        communes=communes,
        centres=crosswalk.centres if communes is None else None,
        max_snap_m=max_snap_m,
    )


def _conversion_table(
    codes: pd.Series,
    candidates: pd.Series,
    new_code: np.ndarray,
    method: np.ndarray,
    crosswalk: Crosswalk,
) -> pd.DataFrame:
    """The result of :func:`convert_codes`, with the old and new communes' names."""
    names = crosswalk.pairs.drop_duplicates("old_code").set_index("old_code")["old_name"]
    new_names = crosswalk.pairs.drop_duplicates("new_code").set_index("new_code")["new_name"]
    out = pd.DataFrame(
        {
            "old_code": codes.astype("string"),
            "new_code": pd.array(new_code, dtype="string"),
            "method": method.astype(str),
            "candidates": candidates.str.join("|").fillna("").to_numpy(),
            "old_name": codes.map(names).fillna("").to_numpy(),
        }
    )
    out["new_name"] = out["new_code"].map(new_names).fillna("").astype(str)
    return out


def resolve_split(
    points: np.ndarray | Sequence[shapely.Geometry | None],
    candidates: np.ndarray | Sequence[Sequence[str] | str],
    *,
    communes: gpd.GeoDataFrame | None = None,
    centres: pd.DataFrame | None = None,
    max_snap_m: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose among several new communes by location (vectorised).

    Parameters
    ----------
    points
        One point (or None) per item.
    candidates
        The possible new codes per item: a sequence, or text joined with ``|``.
    communes
        New commune polygons (``commune_id``, geometry) in the points' CRS: the
        candidate containing the point wins (on a shared border: the smaller
        code), else the nearest within ``max_snap_m``.
    centres
        Without polygons: ``new_code, lon, lat`` (points in lon/lat): the
        candidate with the nearest centre.

    Returns
    -------
    tuple of numpy.ndarray
        The chosen code (None when unresolved) and the method (``inside``,
        ``nearest``, ``centre``, ``unresolved``) per item.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> c = gpd.GeoDataFrame({"commune_id": ["A", "B", "C"]},
    ...                      geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)])
    >>> code, how = resolve_split([shapely.Point(1.5, .5), shapely.Point(2.5, .5)],
    ...                           ["A|B", "A|B"], communes=c)
    >>> code.tolist(), how.tolist()
    (['B', None], ['inside', 'unresolved'])
    """
    pts = np.asarray(list(points), dtype=object)
    n = pts.shape[0]
    chosen = np.full(n, None, dtype=object)
    how = np.full(n, "unresolved", dtype=object)
    cand = pd.Series([c.split("|") if isinstance(c, str) else c for c in candidates], dtype=object)
    has_pt = ~shapely.is_missing(pts) & ~shapely.is_empty(pts)
    pairs = cand[has_pt].explode().dropna()
    rows = pairs.index.to_numpy(dtype=np.int64)
    codes_of = pairs.astype(str).to_numpy()
    if rows.size == 0:
        return chosen, how
    if communes is not None:
        got, kind = _choose_by_polygon(pts, rows, codes_of, communes, max_snap_m)
    elif centres is not None:
        got, kind = _choose_by_centre(pts, rows, codes_of, centres)
    else:
        return chosen, how
    at = np.unique(rows)
    chosen[at], how[at] = got, kind
    return chosen, how


def _clean_codes(raw: pd.Series) -> pd.Series:
    text = raw.astype("string").str.strip()
    text = text.str.replace(r"\.0$", "", regex=True)  # 5968.0 read from Excel
    text = text.mask(text == "")
    return text.where(~text.str.fullmatch(r"\d{1,5}").fillna(False), text.str.zfill(5))


def _choose_by_polygon(
    pts: np.ndarray,
    rows: np.ndarray,
    codes_of: np.ndarray,
    communes: gpd.GeoDataFrame,
    max_snap_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per split row with a point: the successor polygon containing it (vectorised)."""
    uniq_rows = np.unique(rows)
    chosen = np.full(uniq_rows.size, None, dtype=object)
    how = np.full(uniq_rows.size, "unresolved", dtype=object)
    if not uniq_rows.size:
        return chosen, how
    ids = communes["commune_id"].astype(str).to_numpy()
    geoms = communes.geometry.to_numpy()
    pos = pd.Series(np.arange(len(ids)), index=ids)
    pos = pos[~pos.index.duplicated()]
    in_layer = np.isin(codes_of, pos.index.to_numpy())
    r, c = rows[in_layer], pos.loc[codes_of[in_layer]].to_numpy()
    inside = shapely.intersects(geoms[c], pts[r])
    pair = pd.DataFrame({"row": r, "code": codes_of[in_layer], "inside": inside, "poly": c})
    hit = pair[pair["inside"]].sort_values(["row", "code"]).drop_duplicates("row")
    at = np.searchsorted(uniq_rows, hit["row"].to_numpy())
    chosen[at] = hit["code"].to_numpy()
    how[at] = "inside"
    if max_snap_m > 0:
        rest = pair[~pair["row"].isin(hit["row"])].copy()
        if len(rest):
            rest["d"] = shapely.distance(
                geoms[rest["poly"].to_numpy()], pts[rest["row"].to_numpy()]
            )
            near = (
                rest[rest["d"] <= max_snap_m]
                .sort_values(["row", "d", "code"])
                .drop_duplicates("row")
            )
            at = np.searchsorted(uniq_rows, near["row"].to_numpy())
            chosen[at] = near["code"].to_numpy()
            how[at] = "nearest"
    return chosen, how


def _choose_by_centre(
    pts: np.ndarray, rows: np.ndarray, codes_of: np.ndarray, centres: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Per split row with a lon/lat point: the successor with the nearest centre."""
    uniq_rows = np.unique(rows)
    chosen = np.full(uniq_rows.size, None, dtype=object)
    how = np.full(uniq_rows.size, "unresolved", dtype=object)
    if not uniq_rows.size or centres.empty:
        return chosen, how
    cen = centres.drop_duplicates("new_code").set_index("new_code")
    known = np.isin(codes_of, cen.index.to_numpy())
    r, code = rows[known], codes_of[known]
    x, y = shapely.get_x(pts[r]), shapely.get_y(pts[r])
    lon, lat = cen.loc[code, "lon"].to_numpy(), cen.loc[code, "lat"].to_numpy()
    d = np.hypot((x - lon) * np.cos(np.radians(lat)), y - lat)
    best = pd.DataFrame({"row": r, "code": code, "d": d}).sort_values(["row", "d", "code"])
    best = best.drop_duplicates("row")
    at = np.searchsorted(uniq_rows, best["row"].to_numpy())
    chosen[at] = best["code"].to_numpy()
    how[at] = "centre"
    return chosen, how


def old_codes_from_addresses(addresses: Sequence[object] | pd.Series) -> pd.Series:
    """Old commune codes from pre-2025 addresses (commune, district, province).

    Uses the address parser of ``vietnamadminunits`` (each distinct address is
    parsed once; abbreviations and missing diacritics are understood). Addresses
    it cannot place at commune level give ``<NA>``.

    Examples
    --------
    >>> old_codes_from_addresses(["Xã Hà Châu, Huyện Phú Bình, Tỉnh Thái Nguyên",
    ...                           "x. ha chau, h. phu binh, thai nguyen", "nowhere"]).tolist()
    ['05968', '05968', <NA>]
    """
    # deferred: importing vietnamadminunits takes 0.7 s or more, paid only by runs that parse
    # addresses or read the package's crosswalk (resources.files imports it too)
    from vietnamadminunits import ParseMode, parse_address

    series = pd.Series(list(addresses) if not isinstance(addresses, pd.Series) else addresses)
    text = series.astype("string").str.strip()
    codes: dict[str, str | None] = {}
    for value in text.dropna().unique():
        try:
            unit = parse_address(str(value), mode=ParseMode.LEGACY, level=3)
            codes[value] = getattr(unit, "ward_code", None) or None
        except Exception:  # the parser raises plain exceptions on nonsense
            codes[value] = None
    return text.map(codes).astype("string").reset_index(drop=True)


# --------------------------------------------------------------------------- agreement


@dataclass(frozen=True)
class CrosswalkComparison:
    """How two mappings agree on the successors of each old commune.

    Attributes
    ----------
    compared
        Old codes in the reference mapping (restricted as asked).
    same
        Old codes whose set of successors is identical in both.
    table
        One row per compared old code: ``old_code``, ``reference`` and ``other``
        (successors joined with ``|``), ``agree``.
    """

    compared: int
    same: int
    table: pd.DataFrame

    @property
    def share(self) -> float:
        return self.same / self.compared if self.compared else float("nan")

    def __str__(self) -> str:
        return f"{self.same:,} of {self.compared:,} old communes agree ({self.share:.2%})"


def compare_crosswalks(
    reference: Crosswalk, other: Crosswalk, *, old_codes: Sequence[str] | None = None
) -> CrosswalkComparison:
    """Compare two mappings old commune by old commune (same set of successors?).

    Examples
    --------
    >>> from pathlib import Path
    >>> official = Crosswalk.from_file(Path("../shared/geodata/crosswalk_2025/splits.json"))  # doctest: +SKIP
    >>> print(compare_crosswalks(official, Crosswalk.from_package()))  # doctest: +SKIP
    9,981 of 10,047 old communes agree (99.34%)
    """
    ref = reference.successors()
    oth = other.successors()
    if old_codes is not None:
        ref = ref[ref.index.isin(list(old_codes))]
    table = pd.DataFrame(
        {
            "old_code": ref.index.to_numpy(),
            "reference": ["|".join(v) for v in ref.to_numpy()],
            "other": ["|".join(v) if isinstance(v, tuple) else "" for v in oth.reindex(ref.index)],
        }
    )
    table["agree"] = table["reference"] == table["other"]
    return CrosswalkComparison(len(table), int(table["agree"].sum()), table)


# --------------------------------------------------------------------------- villages


def convert_village_codes(
    codes: pd.Series, *, mapping: Path | None = None, source: str = "villages"
) -> tuple[pd.Series, pd.Series, pd.Series, list[Problem]]:
    """Pre-2025 commune codes of villages to 2025 ones, before they are placed.

    Old communes with one successor get it; for split ones the code is left
    empty and the successors are returned, to be chosen by location when the
    commune polygons are known (:func:`place_split_villages`).

    Returns
    -------
    tuple
        The old codes cleaned (5 digits), the new codes (``<NA>`` for split or
        unknown old codes), the successors of split ones joined with ``|``
        (``""`` elsewhere), and warnings for codes the mapping does not know.

    Examples
    --------
    >>> old, new, cands, notes = convert_village_codes(pd.Series(["5968", "05932", "99999"]))
    >>> old.tolist(), new.tolist(), cands.tolist(), len(notes)
    (['05968', '05932', '99999'], ['05941', <NA>, <NA>], ['', '05908|05941', ''], 1)
    """
    cw = Crosswalk.from_file(mapping) if mapping is not None else Crosswalk.from_package()
    res = convert_codes(codes, cw)
    res.index = codes.index
    unknown = res["method"] == "unknown"
    problems = []
    if unknown.any():
        bad = sorted(set(res.loc[unknown, "old_code"].astype(str)))
        problems.append(
            Problem(
                source,
                f"{int(unknown.sum())} village(s)",
                f"commune codes that are not pre-2025 codes in {cw.source} "
                f"({', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}); those villages were "
                "placed by location instead.",
                "check the codes; if they already are the 2025 codes, remove "
                "'commune_codes: pre-2025'.",
            )
        )
    split = res["method"] == "unresolved"
    return res["old_code"], res["new_code"], res["candidates"].where(split, ""), problems


def place_split_villages(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    *,
    max_snap_m: float = 0.0,
    source: str = "villages",
) -> tuple[np.ndarray, list[Problem]]:
    """Choose the 2025 commune of villages whose old commune was split, by location.

    ``villages`` has ``commune_candidates`` (from :func:`convert_village_codes`)
    and is in the CRS of ``communes``.

    Returns
    -------
    tuple
        The chosen code per village (None where there are no candidates or none
        contains the village) and a warning naming the villages it could not
        resolve.

    Examples
    --------
    >>> c = gpd.GeoDataFrame({"commune_id": ["05908", "05941", "01840"]},
    ...                      geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)])
    >>> v = gpd.GeoDataFrame({"village_id": ["a", "b", "c"],
    ...                       "commune_candidates": ["05908|05941", "05908|05941", ""]},
    ...                      geometry=[shapely.Point(1.5, .5), shapely.Point(2.5, .5),
    ...                                shapely.Point(2.5, .5)])
    >>> codes, notes = place_split_villages(v, c)
    >>> codes.tolist(), notes[0].where
    (['05941', None, None], 'village ids b')
    """
    cands = villages["commune_candidates"].fillna("").astype(str).to_numpy()
    todo = np.flatnonzero(cands != "")
    chosen = np.full(len(villages), None, dtype=object)
    problems: list[Problem] = []
    if not todo.size:
        return chosen, problems
    got, _ = resolve_split(
        villages.geometry.to_numpy()[todo], cands[todo], communes=communes, max_snap_m=max_snap_m
    )
    chosen[todo] = got
    lost = todo[pd.isna(got)]
    if lost.size:
        ids = villages["village_id"].astype(str).to_numpy()[lost]
        problems.append(
            Problem(
                source,
                f"village ids {', '.join(ids[:10])}{' ...' if lost.size > 10 else ''}",
                f"{lost.size} village(s) of pre-2025 communes that were split lie in none of "
                "the new communes their old commune went to; they were placed by location instead.",
                "check their coordinates and old commune codes.",
            )
        )
    return chosen, problems

"""Placing villages in communes: each village gets exactly one."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import InputDataError, Problem, warn_problem, warn_problems
from ..io.checks import list_items
from ..vietnam.crosswalk import place_split_villages
from ..vietnam.names import match_commune_names

__all__ = ["assign_villages_to_communes"]


def assign_villages_to_communes(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    *,
    max_snap_m: float = 0.0,
    source: str = "villages",
) -> gpd.GeoDataFrame:
    """Give every village exactly one commune.

    A village keeps the commune code it came with when that code names a commune
    of the layer. The others get the commune that contains them (a village on a
    border between two communes goes to the one with the smaller id); a village
    outside every commune but within ``max_snap_m`` metres of one goes to the
    nearest. Both frames must be in the same metric CRS.

    Parameters
    ----------
    villages, communes
        Standardised frames from :func:`load_villages` and :func:`load_communes`,
        reprojected to the working CRS; communes sorted by ``commune_id``.
    max_snap_m
        Largest distance, in metres, at which a village outside every commune is
        attached to the nearest one.

    Returns
    -------
    geopandas.GeoDataFrame
        ``villages`` with ``commune_id`` and ``commune_name`` filled in and a
        ``commune_source`` column (``input``, ``inside``, ``snapped``).

    Raises
    ------
    InputDataError
        When villages lie outside every commune, naming them.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> c = gpd.GeoDataFrame({"commune_id": ["A"], "commune_name": ["Xã A"]},
    ...                      geometry=[shapely.box(0, 0, 10, 10)], crs=32648)
    >>> v = gpd.GeoDataFrame({"village_id": ["1"], "commune_id": [None]},
    ...                      geometry=[shapely.Point(5, 5)], crs=32648)
    >>> assign_villages_to_communes(v, c)["commune_id"].tolist()
    ['A']
    """
    _check_same_crs(villages, communes)
    out = villages.copy()
    ids = communes["commune_id"].to_numpy()
    given = out["commune_id"].astype("string")
    known = given.isin(ids).fillna(False).to_numpy(dtype=bool).copy()  # may be a read-only view
    unknown_given = given.notna().to_numpy() & ~known
    given, by_name, named = _match_named_communes(given, unknown_given, communes, source=source)
    known |= by_name
    unknown_given &= ~named
    if "commune_candidates" in out.columns:  # pre-2025 communes that were split
        given, known = _take_split_successors(
            out, communes, given, known, max_snap_m=max_snap_m, source=source
        )
    if unknown_given.any():
        _warn_unknown_codes(given[unknown_given], source=source)

    commune_pos, source_kind = _given_communes(out, ids, given, known=known, by_name=by_name)
    _place_by_location(
        out, communes, commune_pos, source_kind, todo=~known, max_snap_m=max_snap_m, source=source
    )
    out["commune_id"] = ids[commune_pos]
    out["commune_name"] = communes["commune_name"].to_numpy()[commune_pos]
    out["commune_source"] = source_kind.astype(str)
    return out


def _check_same_crs(villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> None:
    """Raise ``ValueError`` unless villages and communes share their CRS (when both have one)."""
    if (
        villages.crs is not None
        and communes.crs is not None
        and not villages.crs.equals(communes.crs)
    ):
        raise ValueError(
            f"villages are in {villages.crs.to_string()} but communes in "
            f"{communes.crs.to_string()}; reproject both to the working CRS first."
        )


def _match_named_communes(
    given: pd.Series, unknown_given: np.ndarray, communes: gpd.GeoDataFrame, *, source: str
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Match commune names given instead of codes (diacritics, unit words, numerals).

    Returns
    -------
    tuple
        The given codes with matched names replaced by their codes (unmatched ones
        missing), which villages were matched by name, and which gave a name.
    """
    named = unknown_given & given.str.contains(r"[^\W\d_]", regex=True).fillna(False).to_numpy()
    if not named.any():
        return given, np.zeros(len(given), dtype=bool), named
    codes_by_name, notes = match_commune_names(given[named], communes, source=source)
    given = given.copy()
    given[named] = codes_by_name.to_numpy()
    by_name = named & given.notna().to_numpy()
    warn_problems(notes)
    return given, by_name, named


def _take_split_successors(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    given: pd.Series,
    known: np.ndarray,
    *,
    max_snap_m: float,
    source: str,
) -> tuple[pd.Series, np.ndarray]:
    """Give villages of a split pre-2025 commune the successor that holds them.

    Returns the given codes and the known mask, both updated (see
    :func:`~coverage_gaps.vietnam.crosswalk.place_split_villages`).
    """
    split_codes, notes = place_split_villages(
        villages, communes, max_snap_m=max_snap_m, source=source
    )
    resolved = pd.notna(split_codes) & ~known
    given = given.copy()
    given[resolved] = split_codes[resolved]
    known = known | resolved
    warn_problems(notes)
    return given, known


def _warn_unknown_codes(unknown: pd.Series, *, source: str) -> None:
    """Warn about commune codes that are not in the commune layer."""
    codes = sorted(set(unknown.astype(str)))
    p = Problem(
        source,
        f"{len(unknown)} village(s)",
        f"commune codes not in the commune layer ({list_items(codes)}); those villages were "
        "placed by location instead.",
        "check the codes (pre-2025 codes must be converted to the 2025 ones).",
    )
    warn_problem(p)


def _given_communes(
    villages: gpd.GeoDataFrame,
    ids: np.ndarray,
    given: pd.Series,
    *,
    known: np.ndarray,
    by_name: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``ids``) of the communes the villages came with, and how they were given.

    Villages without a known commune get position -1 and an empty source.
    """
    n = len(villages)
    pos_of = pd.Series(np.arange(len(ids)), index=ids)
    commune_pos = np.full(n, -1, dtype=np.int64)
    source_kind = np.full(n, "", dtype=object)
    commune_pos[known] = pos_of.loc[pd.Index(given[known].astype(str).to_numpy())].to_numpy()
    source_kind[known] = "input"
    source_kind[by_name] = "name"
    if "commune_candidates" in villages.columns:
        from_crosswalk = villages["commune_candidates"].fillna("").to_numpy() != ""
        source_kind[known & from_crosswalk] = "crosswalk"
    return commune_pos, source_kind


def _place_by_location(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    commune_pos: np.ndarray,
    source_kind: np.ndarray,
    *,
    todo: np.ndarray,
    max_snap_m: float,
    source: str,
) -> None:
    """Place the ``todo`` villages in the commune that contains them, in place.

    A village on a border goes to the commune with the smaller position (= id);
    one outside every commune to the nearest within ``max_snap_m``. Raises
    :class:`InputDataError` naming the villages that are still outside.
    """
    todo = np.flatnonzero(todo)
    if not todo.size:
        return
    pts = villages.geometry.to_numpy()[todo]
    polygons = communes.geometry.to_numpy()
    # the villages in the tree and each commune prepared once: four times faster than the
    # communes in the tree and each of a hundred thousand villages tested against them
    ci, vi = shapely.STRtree(pts).query(polygons, predicate="intersects")
    if vi.size:
        # smallest commune position (= smallest id) per village
        order = np.lexsort((ci, vi))
        vi, ci = vi[order], ci[order]
        first = np.r_[True, vi[1:] != vi[:-1]]
        commune_pos[todo[vi[first]]] = ci[first]
        source_kind[todo[vi[first]]] = "inside"
    outside = todo[commune_pos[todo] < 0]
    if outside.size and max_snap_m > 0:
        vi, ci = shapely.STRtree(polygons).query_nearest(
            villages.geometry.to_numpy()[outside], max_distance=max_snap_m, all_matches=False
        )
        commune_pos[outside[vi]] = ci
        source_kind[outside[vi]] = "snapped"
    outside = todo[commune_pos[todo] < 0]
    if outside.size:
        raise InputDataError(
            [_outside_problem(villages, outside, max_snap_m=max_snap_m, source=source)]
        )


def _outside_problem(
    villages: gpd.GeoDataFrame, outside: np.ndarray, *, max_snap_m: float, source: str
) -> Problem:
    """The problem naming the villages (positions ``outside``) that lie in no commune."""
    labels = [f"{villages['village_id'].iloc[i]}" for i in outside]
    hint = (
        "check the coordinates and the CRS of the villages (longitude/latitude swapped?), "
        "or allow a tolerance with 'villages.max_snap_m'."
    )
    return Problem(
        source,
        f"village ids {list_items(labels)}",
        f"{outside.size} village(s) lie outside every commune"
        + (f" (more than {max_snap_m:g} m away)" if max_snap_m > 0 else "")
        + ".",
        hint,
    )

"""Reading rasters: where a window holds data, worked out without GDAL's mask band, is
what GDAL's masked read says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window

from coverage_gaps.io.rasters import _nodata_range, read_valid, read_windows


def _neighbours(value: float, dtype: np.dtype) -> np.ndarray:
    """``value`` and the floats of ``dtype`` around it: the ends of GDAL's run of values
    equal to it and one float past each end, and a spread of nearby values."""
    v = dtype.type(value)
    out = [v]
    if np.isfinite(v):
        lo, hi = _nodata_range(v)
        with np.errstate(over="ignore"):  # past the largest float: infinity
            out += [lo, hi, np.nextafter(lo, dtype.type(-np.inf)),
                    np.nextafter(hi, dtype.type(np.inf))]  # fmt: skip
            out += [v * dtype.type(1 + k * 2.0**-24) for k in (-9, -5, -3, -1, 1, 3, 5, 9)]
    return np.array(out, dtype=dtype)


def _cases() -> list[tuple[str, float | None]]:
    cases: list[tuple[str, float | None]] = [
        ("uint8", None), ("uint8", 0), ("uint8", 255), ("uint8", 3.7), ("int16", -32768),
        ("int16", -9999), ("uint16", 65535), ("int32", -2147483648), ("int32", 7),
    ]  # fmt: skip
    for dtype in ("float32", "float64"):
        cases += [(dtype, v) for v in (None, -9999.0, 0.0, -0.0, 1e-30, -3.4028234663852886e38,
                                        float("nan"), float("inf"), 0.1, 255.0)]  # fmt: skip
    cases.append(("float64", -1.7976931348623157e308))
    return cases


@pytest.mark.parametrize(("dtype", "nodata"), _cases())
def test_read_valid_is_gdal_masked_read(tmp_path: Path, dtype: str, nodata: float | None) -> None:
    kind = np.dtype(dtype)
    rng = np.random.default_rng(3)
    if kind.kind == "f":
        special = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -9999.0]
        values = np.concatenate([_neighbours(nodata if nodata is not None else 1.0, kind),
                                 np.array(special, kind),
                                 rng.normal(-90, 20, 64).astype(kind)])  # fmt: skip
    else:
        info = np.iinfo(kind)
        values = rng.integers(info.min, info.max, 64, endpoint=True).astype(kind)
        values = np.concatenate([values, np.array([info.min, info.max, 0, 3, 4, 7], kind)])
    values = np.resize(values, 16 * 16).reshape(16, 16)
    path = tmp_path / "r.tif"
    with rasterio.open(path, "w", driver="GTiff", width=16, height=16, count=1, dtype=dtype,
                       nodata=nodata, crs="EPSG:32648",
                       transform=from_origin(500000, 2300000, 10, 10)) as dst:  # fmt: skip
        dst.write(values, 1)
    with rasterio.open(path) as ds:
        window = Window(2, 3, 11, 9)
        masked = ds.read(1, window=window, masked=True)
        want = ~np.ma.getmaskarray(masked)
        if kind.kind == "f":
            want &= np.isfinite(np.ma.getdata(masked))
        got_values, got = read_valid(ds, 1, window)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_values, np.ma.getdata(masked))
    if nodata is not None and np.isfinite(nodata) and kind.kind == "f":
        assert (~got).sum() > (~np.isfinite(values[3:12, 2:13])).sum()  # some nodata seen


@pytest.mark.parametrize("mask", ["internal", "alpha"])
def test_read_valid_follows_a_mask_band(tmp_path: Path, mask: str) -> None:
    """A raster masked by a mask band or an alpha band (not by a nodata value) is read with
    GDAL's mask."""
    values = np.arange(64, dtype="uint8").reshape(8, 8)
    keep = np.ones((8, 8), dtype="uint8") * 255
    keep[2:5, 1:3] = 0
    path = tmp_path / "m.tif"
    count = 2 if mask == "alpha" else 1
    extra = {"photometric": "MINISBLACK", "alpha": "YES"} if mask == "alpha" else {}
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(
        path, "w", driver="GTiff", width=8, height=8, count=count, dtype="uint8",
        crs="EPSG:32648", transform=from_origin(500000, 2300000, 10, 10), **extra,
    ) as dst:  # fmt: skip
        dst.write(values, 1)
        if mask == "alpha":
            dst.write(keep, 2)
        else:
            dst.write_mask(keep)
    with rasterio.open(path) as ds:
        got_values, got = read_valid(ds, 1, Window(0, 0, 8, 8))
    np.testing.assert_array_equal(got, keep > 0)
    np.testing.assert_array_equal(got_values, values)


def test_read_windows_hands_values_and_where_they_hold_data(tmp_path: Path) -> None:
    values = np.full((64, 64), -9999.0, dtype="float32")
    values[10:40, 5:60] = -80.0
    path = tmp_path / "w.tif"
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=1,
                       dtype="float32", nodata=-9999.0, crs="EPSG:32648", tiled=True,
                       blockxsize=32, blockysize=32,
                       transform=from_origin(500000, 2300000, 10, 10)) as dst:  # fmt: skip
        dst.write(values, 1)
    windows = [Window(c, r, 32, 32) for r in (0, 32) for c in (0, 32)]
    done = dict(read_windows(path, windows, lambda i, a, ok: (a[ok].sum(), int(ok.sum()))))
    assert sorted(done) == [0, 1, 2, 3]
    counts = [int(((values[w.row_off : w.row_off + 32, w.col_off : w.col_off + 32]) != -9999).sum())
              for w in windows]  # fmt: skip
    assert [done[i][1] for i in range(4)] == counts
    assert sum(done[i][0] for i in range(4)) == pytest.approx(-80.0 * sum(counts))

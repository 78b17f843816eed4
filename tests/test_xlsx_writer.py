"""The streaming XLSX writer's zip entries: compressed at the level asked for."""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from coverage_gaps.io.xlsx import XlsxBook, sheet_parts


def _deflated(data: bytes, level: int) -> int:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return len(c.compress(data) + c.flush())


def test_sheets_are_compressed_at_the_books_level(tmp_path: Path) -> None:
    """zipfile applies its ``compresslevel`` only to the entries it names: ours carry the
    level themselves (level 1 by default; a sheet at zlib's default 6 is smaller)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"name": [f"Thôn {i} {rng.integers(1e6)}" for i in range(20_000)],
         "people": rng.integers(0, 5000, 20_000), "share": rng.random(20_000)}
    )  # fmt: skip
    sizes = {}
    for level in (1, 6):
        path = tmp_path / f"l{level}.xlsx"
        with XlsxBook(path, date=dt.datetime(2025, 7, 1), level=level) as book:
            book.write_sheet("S", sheet_parts(frame, widths=[20, 8, 8]))
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/worksheets/sheet1.xml")
            xml = z.read(info)
        assert info.compress_size == _deflated(xml, level)
        sizes[level] = info.compress_size
    assert sizes[6] < 0.95 * sizes[1]

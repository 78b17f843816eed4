"""The streaming XLSX writer's zip entries: compressed at the level asked for."""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


def _books(tmp_path: Path, name: str, books: list[tuple[str, list[str]]],
           sheets: dict[str, pd.DataFrame]) -> dict[str, bytes]:  # fmt: skip
    from coverage_gaps.io.writers import write_workbooks

    folder = tmp_path / name
    folder.mkdir()
    write_workbooks([(folder / f, titles, None) for f, titles in books], sheets)
    return {f: (folder / f).read_bytes() for f, _ in books}


def test_a_sheet_shared_by_workbooks_is_deflated_once_to_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet of several workbooks (a carrier's list, also in ``all_carriers.xlsx``) is
    deflated once and stored in each: every workbook has the bytes it has when written
    alone (the sheet streamed through zipfile), small or needing ZIP64."""
    import coverage_gaps.io.writers as writers
    from coverage_gaps.io import xlsx

    rng = np.random.default_rng(1)
    sheets = {
        title: pd.DataFrame(
            {
                "name": [f"Thôn {i} & <{rng.integers(1e6)}>" for i in range(n)],
                "people": rng.integers(0, 5000, n),
                "share": rng.random(n),
            }
        )  # fmt: skip
        for title, n in (("viettel", 30_000), ("vnpt", 5), ("empty", 0))
    }
    books = [("viettel.xlsx", ["viettel"]), ("vnpt.xlsx", ["vnpt", "empty"]),
             ("all.xlsx", ["viettel", "vnpt", "empty"])]  # fmt: skip
    calls: list[int] = []
    deflate = xlsx.deflate_parts

    def spy(parts: object, **kw: int) -> xlsx.DeflatedPart:
        part = deflate(parts, **kw)  # type: ignore[arg-type]
        calls.append(part.size)
        return part

    monkeypatch.setattr(writers, "deflate_parts", spy)
    together = _books(tmp_path, "together", books, sheets)
    assert len(calls) == 3  # each shared sheet deflated once
    alone = {}
    for f, titles in books:
        alone.update(_books(tmp_path, f"alone-{f}", [(f, titles)], sheets))
    assert len(calls) == 3  # each book alone: its sheets have one book, streamed
    assert together == alone
    with zipfile.ZipFile(tmp_path / "together" / "all.xlsx") as z:
        assert z.testzip() is None
        assert [i.filename for i in z.infolist()][:3] == [
            f"xl/worksheets/sheet{i}.xml" for i in (1, 2, 3)
        ]


@pytest.mark.parametrize("large", [False, True])
def test_a_deflated_sheet_is_the_entry_zipfile_writes(tmp_path: Path, large: bool) -> None:
    """:meth:`XlsxBook.add_deflated_sheet` gives the bytes of :meth:`XlsxBook.open_sheet`
    (ZIP64 headers too, as a table of more than 10 million cells gets); a part deflated at
    another level is refused."""
    from coverage_gaps.io.xlsx import deflate_parts

    frame = pd.DataFrame({"a": np.arange(5000), "b": ["x"] * 5000})
    date = dt.datetime(2025, 7, 1)
    with XlsxBook(tmp_path / "streamed.xlsx", date=date) as book:
        with book.open_sheet("S", filter_ref="A1:B5001", large=large) as out:
            for part in sheet_parts(frame):
                out.write(part)
        book.write_sheet("T", sheet_parts(frame.head(3)))
    with XlsxBook(tmp_path / "stored.xlsx", date=date) as book:
        book.add_deflated_sheet("S", deflate_parts(sheet_parts(frame)), filter_ref="A1:B5001",
                                large=large)  # fmt: skip
        book.write_sheet("T", sheet_parts(frame.head(3)))
        with pytest.raises(ValueError, match="level 6"):
            book.add_deflated_sheet("U", deflate_parts(sheet_parts(frame), level=6))
    stored = (tmp_path / "stored.xlsx").read_bytes()
    assert stored == (tmp_path / "streamed.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "stored.xlsx") as z:
        assert z.testzip() is None
        assert (b"\x01\x00\x10\x00" in stored) is large  # the ZIP64 extra field

"""The Arrow-made CSV text is byte for byte what pandas writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coverage_gaps.io.csvtext import csv_bytes
from coverage_gaps.io.writers import write_csv


def _pandas(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _floats(rng: np.random.Generator, n: int) -> np.ndarray:
    """Numbers of every size, rounded and whole ones, and the special values."""
    size = 10.0 ** rng.uniform(-30, 30, n)
    values = rng.choice([-1.0, 1.0], n) * size
    values[::3] = np.round(values[::3], 3)
    values[1::7] = np.floor(values[1::7])
    special = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e16, 1e-4, 9.999999999999999e-05,
               9999999999999998.0, 5e-324, 0.1 + 0.2, 105.5, 21.0]  # fmt: skip
    return np.concatenate([values, special])


def test_floats_written_as_pandas_writes_them() -> None:
    rng = np.random.default_rng(7)
    values = _floats(rng, 200_000)
    frame = pd.DataFrame({"x": values, "y": values[::-1].copy()})
    assert csv_bytes(frame) == _pandas(frame)


def test_every_kind_of_column() -> None:
    rng = np.random.default_rng(3)
    n = 2_000
    words = np.array(["Thôn Bản Mường", 'say "hi"', "a,b", "line\nbreak", "", " padded ",
                      "tab\there", "=1+2", "Đắk Lắk", "x"], dtype=object)  # fmt: skip
    text = words[rng.integers(0, len(words), n)]
    text[rng.random(n) < 0.1] = None
    frame = pd.DataFrame(
        {
            "name": pd.array(text, dtype="str"),
            "python_text": pd.array(text, dtype=pd.StringDtype("python")),
            "count": rng.integers(-10**12, 10**12, n),
            "small": rng.integers(0, 200, n).astype(np.uint8),
            "share": _floats(rng, n - 13),
            "float32": rng.random(n).astype(np.float32),
            "flag": rng.random(n) < 0.5,
            "maybe": pd.array(np.where(rng.random(n) < 0.2, None, rng.random(n) < 0.5),
                              dtype="boolean"),
            "nullable": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 9, n)),
                                 dtype="Int64"),
            'odd, "name"': np.arange(n),
        }
    )  # fmt: skip
    assert csv_bytes(frame) == _pandas(frame)
    assert csv_bytes(frame.iloc[:0]) == _pandas(frame.iloc[:0])
    assert csv_bytes(frame.iloc[5:40]) == _pandas(frame.iloc[5:40])  # not from the start


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": ["x", None]}),  # one column: a lone empty cell is quoted
        pd.DataFrame({"a": ["x", 1], "b": [1, 2]}),  # mixed objects
        pd.DataFrame({"a": pd.to_datetime(["2025-07-01", "2025-07-02"]), "b": [1, 2]}),
        pd.DataFrame({"a": pd.array(["x\ry", "z"], dtype="str"), "b": [1, 2]}),
    ],
)
def test_other_frames_left_to_pandas(frame: pd.DataFrame) -> None:
    assert csv_bytes(frame) is None


def test_write_csv_same_file_either_way(tmp_path) -> None:
    frame = pd.DataFrame({"name": pd.array(["=cmd", "Thôn 1", None], dtype="str"),
                          "x": [0.5, np.nan, 2.0], "n": [1, 2, 3]})  # fmt: skip
    write_csv(frame, tmp_path / "fast.csv")
    mixed = frame.assign(extra=pd.Series(["a", 1, None], dtype=object))
    write_csv(mixed, tmp_path / "slow.csv")  # through pandas
    fast = (tmp_path / "fast.csv").read_bytes()
    slow = (tmp_path / "slow.csv").read_bytes()
    assert fast.startswith(b"\xef\xbb\xbfname,x,n\n'=cmd,0.5,1\n")
    assert slow.startswith(b"\xef\xbb\xbfname,x,n,extra\n'=cmd,0.5,1,a\n")
    assert fast.splitlines()[1:] == [line.rsplit(b",", 1)[0] for line in slow.splitlines()[1:]]


def test_text_in_several_chunks() -> None:
    """A text column pandas holds as several Arrow chunks (after a concat)."""
    part = pd.DataFrame({"name": pd.array(["a,b", "c"], dtype="str"), "n": [1, 2]})
    frame = pd.concat([part, part], ignore_index=True)
    assert csv_bytes(frame) == _pandas(frame)

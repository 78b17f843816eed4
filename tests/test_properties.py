"""Property-based tests (hypothesis): loaders, text codecs and the name normaliser round-trip
random valid inputs, and random invalid ones give an InputDataError, never another exception."""

from __future__ import annotations

import contextlib
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CRS, X0, Y0
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage_gaps import InputDataError, load_villages
from coverage_gaps._errors import collect_warnings
from coverage_gaps.config import CommunesSpec, VillagesSpec
from coverage_gaps.vietnam.names import name_key
from coverage_gaps.vietnam.textcodecs import VIETNAMESE_LETTERS, decode, encode

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789ĐđăâêôơưNA-_", min_size=1, max_size=10)
names = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "Zs", "P", "S"), exclude_characters='"\\'),
        min_size=1,
        max_size=25,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: bool(s) and not s.startswith("="))
)
# ("=..." would become a formula when the test itself writes the XLSX with pandas)


@st.composite
def village_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=30))
    vid = draw(st.lists(ids, min_size=n, max_size=n, unique=True))
    return pd.DataFrame({
        "village_id": vid,
        "name": draw(st.lists(names, min_size=n, max_size=n)),
        "population": draw(st.lists(st.integers(0, 100_000), min_size=n, max_size=n)),
        "x": draw(st.lists(st.floats(X0, X0 + 2000, allow_nan=False), min_size=n, max_size=n)),
        "y": draw(st.lists(st.floats(Y0, Y0 + 1000, allow_nan=False), min_size=n, max_size=n)),
    })  # fmt: skip


def _spec(path: Path) -> VillagesSpec:
    return VillagesSpec(path=path, x="x", y="y", crs=CRS)


@SETTINGS
@given(table=village_tables(), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_valid_village_tables_round_trip(table: pd.DataFrame, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"villages{suffix}"
        if suffix == ".csv":
            table.to_csv(path, index=False)
        else:
            table.to_excel(path, index=False)
        with collect_warnings():  # a legacy-encoding guess on random names is expected
            v = load_villages(_spec(path))
    assert v["village_id"].tolist() == table["village_id"].tolist()
    assert v["name"].tolist() == [
        unicodedata.normalize("NFC", n) for n in table["name"]
    ]  # names are NFC
    assert v["population"].tolist() == table["population"].astype(float).tolist()
    np.testing.assert_allclose(v.geometry.x, table["x"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(v.geometry.y, table["y"], rtol=0, atol=1e-6)


BAD = {
    "population": ["", "  ", "abc", "-5", "nan", "inf", "1e400", "=1+1"],
    "x": ["", "abc", "nan", "inf", "-inf", "1e400", "=1+1"],
    "y": ["", "abc", "nan", "inf"],
    "village_id": ["", "  ", "DUP"],
}
mutations = st.sampled_from([(col, bad) for col, values in BAD.items() for bad in values])


@SETTINGS
@given(table=village_tables(), mutation=mutations, row=st.integers(0, 29))
def test_invalid_village_tables_raise_input_data_error(table: pd.DataFrame, mutation: tuple[str, str],
                                                       row: int) -> None:  # fmt: skip
    column, bad = mutation
    table = table.astype({column: object})
    table.loc[row % len(table), column] = bad
    if bad == "DUP":  # the same id twice
        table = pd.concat([table, table.iloc[[row % len(table)]]], ignore_index=True)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "villages.csv"
        table.to_csv(path, index=False)
        with pytest.raises(InputDataError) as info:
            load_villages(_spec(path))
    assert info.value.problems and all(str(path) in str(p) for p in info.value.problems)


@SETTINGS
@given(
    data=st.binary(max_size=3000),
    suffix=st.sampled_from([".csv", ".xlsx", ".gpkg", ".shp", ".geojson"]),
)
def test_random_bytes_never_crash_the_loaders(data: bytes, suffix: str) -> None:
    from coverage_gaps import load_communes

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"input{suffix}"
        path.write_bytes(data)
        for load in (lambda: load_villages(_spec(path)),
                     lambda: load_communes(CommunesSpec(path=path, id="code", name="name"))):  # fmt: skip
            with contextlib.suppress(InputDataError):  # either loads or says why; nothing else
                load()


@pytest.mark.parametrize("value", ["NA", "null", "None", "N/A", "nan"])
def test_village_named_like_missing_value_keeps_its_name(tmp_path: Path, value: str) -> None:
    pd.DataFrame(
        {"village_id": ["1"], "name": [value], "population": [3], "x": [X0], "y": [Y0]}
    ).to_csv(tmp_path / "v.csv", index=False)
    assert load_villages(_spec(tmp_path / "v.csv"))["name"].tolist() == [value]


# --------------------------------------------------------------------------- codecs and names

LETTERS = "".join(VIETNAMESE_LETTERS)
lower_text = st.text(alphabet=LETTERS.lower() + " 0123456789-", min_size=1, max_size=40)
any_case_text = st.text(alphabet=LETTERS + " 0123456789-", min_size=1, max_size=40)


@SETTINGS
@given(text=any_case_text, encoding=st.sampled_from(["vni", "viscii", "cp1258", "utf-8"]))
def test_codecs_round_trip_random_vietnamese(text: str, encoding: str) -> None:
    assert decode(encode(text, encoding), encoding) == unicodedata.normalize("NFC", text)


@SETTINGS
@given(text=lower_text)
def test_tcvn3_round_trips_lower_case(text: str) -> None:
    # TCVN3 has no codes for toned capitals (docs/VIETNAM.md); lower case is exact
    assert decode(encode(text, "tcvn3"), "tcvn3") == unicodedata.normalize("NFC", text)


@SETTINGS
@given(
    data=st.binary(min_size=1, max_size=300),
    encoding=st.sampled_from(["auto", "tcvn3", "vni", "viscii", "cp1258", "utf-8"]),
)
def test_random_bytes_with_any_encoding_load_or_say_why(data: bytes, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "villages.csv"
        path.write_bytes(b"village_id,name,population,x,y\n1," + data + b",5,580000,2380000\n")
        with contextlib.suppress(InputDataError):
            load_villages(VillagesSpec(path=path, x="x", y="y", crs=CRS, encoding=encoding))


@SETTINGS
@given(text=any_case_text)
def test_name_key_ignores_case_form_and_spacing(text: str) -> None:
    key = name_key(text)
    assert isinstance(key, str)
    assert name_key(unicodedata.normalize("NFD", text)) == key
    assert name_key(text.upper()) == name_key(text.lower())
    assert name_key("  " + "   ".join(text.split()) + " ") == name_key(" ".join(text.split()))


@SETTINGS
@given(value=st.one_of(st.none(), st.floats(), st.integers(), st.text(max_size=60)))
def test_name_key_never_fails(value: object) -> None:
    assert isinstance(name_key(value), str)

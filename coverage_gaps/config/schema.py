"""Project-file keys declared once, on frozen dataclasses, and the checker derived from them.

A section of the project file (``communes:``, ``priority.budget:`` ...) is a class decorated
with :func:`section`; each of its keys is a field declared with :func:`key`. The field's type
hint says which YAML values are accepted (``str`` text, ``float`` a number, ``int`` a whole
number, ``bool`` true/false, ``Path`` text resolved against the project file's folder, another
section a mapping, ``tuple[Section, ...]`` a list of mappings, ``dict``/``tuple`` a mapping or a
list); ``key()`` adds the rest: the documentation, a ``parse`` function that checks and
normalises the value, ``yaml=`` when more YAML types are accepted, ``scalar=`` when a lone value
may stand for a mapping (``engine: dask`` for ``engine: {kind: dask}``). A key without a
default is required. Checks across the keys of one section go in the section's
``_check_keys(values, given)`` static method: ``values`` holds the usable values (paths not yet
resolved), ``given`` the keys written with a value of an accepted YAML type (usable or not);
it yields :class:`Issue` records. A key required in general but not in some cases (a coverage
layer's ``carrier`` when ``kind: sites`` reads it from the file) is declared
``required=True`` with a default, and the section's ``_waived_keys(values)`` static method
returns the required keys these values do not need.

:class:`Checker` reads a mapping against a section: every problem is collected (unknown keys
with a "did you mean" hint, wrong types, refused values, missing keys, the section's own
checks) as :class:`~coverage_gaps._errors.Problem` records.

Examples
--------
>>> @section
... class Toy:
...     path: Path = key(doc="the file")
...     size: float = key(default=1.0, doc="how big")
>>> chk = Checker("toy.yml", base=Path("/p"))
>>> chk.read({"path": "a.csv", "sise": 2}, Toy, "toy")
Toy(path=PosixPath('/p/a.csv'), size=1.0)
>>> print(chk.problems[0])
toy.yml: toy.sise: unknown key 'sise'. Fix: did you mean 'size'?
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar, dataclass_transform, overload

from .._errors import Problem

__all__ = [
    "Checker",
    "Issue",
    "Key",
    "Parser",
    "Refused",
    "declared_keys",
    "key",
    "key_rows",
    "section",
]

T = TypeVar("T")

#: Checks and normalises one key's value (already of an accepted YAML type); raises
#: :class:`Refused` when the value cannot be used.
Parser = Callable[[Any], Any]

_META = "coverage_gaps.config.key"

#: How a YAML type is named in messages ("expected a number, got str 'fine'").
_TYPE_NAMES = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    dict: "a mapping",
    list: "a list",
}
#: The YAML values accepted for a field of each scalar type.
_SCALAR_YAML: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    float: (int, float),
    bool: (bool,),
    Path: (str,),
}


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a value: ``at`` names a part of it (a sub-key), ``None`` the whole."""

    what: str
    fix: str = ""
    at: str | None = None


class Refused(ValueError):
    """A value that cannot be used, with every :class:`Issue` found in it."""

    def __init__(self, *issues: Issue) -> None:
        super().__init__("; ".join(i.what for i in issues))
        self.issues = issues


@dataclass(frozen=True)
class _Declared:
    """What ``key()`` adds to a field's type (kept in the field's metadata)."""

    doc: str
    parse: Parser | None
    yaml: tuple[type, ...] | None
    required: bool | None
    scalar: str | None


@overload
def key(
    *,
    default: T,
    doc: str,
    parse: Parser | None = ...,
    yaml: tuple[type, ...] | None = ...,
    required: bool | None = ...,
    scalar: str | None = ...,
) -> T: ...
@overload
def key(
    *,
    default_factory: Callable[[], T],
    doc: str,
    parse: Parser | None = ...,
    yaml: tuple[type, ...] | None = ...,
    required: bool | None = ...,
    scalar: str | None = ...,
) -> T: ...
@overload
def key(
    *,
    doc: str,
    parse: Parser | None = ...,
    yaml: tuple[type, ...] | None = ...,
    required: bool | None = ...,
    scalar: str | None = ...,
) -> Any: ...
def key(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    doc: str,
    parse: Parser | None = None,
    yaml: tuple[type, ...] | None = None,
    required: bool | None = None,
    scalar: str | None = None,
) -> Any:
    """Declare a project-file key: a dataclass field of a :func:`section`.

    Parameters
    ----------
    default, default_factory
        The value when the key is not written; without either the key is required.
    doc
        One line for the reader of the project file (the key table is made from it).
    parse
        Checks and normalises the value once its YAML type is right; raises :class:`Refused`.
    yaml
        The YAML types accepted, when not those of the type hint (``crs: 32648`` as well as text).
    required
        Overrides "required when there is no default" (a default computed elsewhere).
    scalar
        For a section-valued key: the key of that section that a lone value stands for.
    """
    meta = {_META: _Declared(doc, parse, yaml, required, scalar)}
    return field(default=default, default_factory=default_factory, metadata=meta)


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(key, field))
def section(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen, keyword-only dataclass whose :func:`key` fields are project keys."""
    return dataclass(frozen=True, kw_only=True)(cls)


@dataclass(frozen=True)
class Key:
    """One project-file key, derived from a declared field."""

    name: str
    yaml: tuple[type, ...]
    required: bool
    kind: Literal["value", "section", "sections"]
    doc: str
    default: Any = None
    parse: Parser | None = None
    item: type | None = None  # the section class of a "section" or "sections" key
    scalar: str | None = None
    is_path: bool = False

    @property
    def type_name(self) -> str:
        """``"text or a number"``, as used in messages."""
        return " or ".join(dict.fromkeys(_TYPE_NAMES[t] for t in self.yaml))

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is of an accepted YAML type (``true`` is no number)."""
        return isinstance(value, self.yaml) and not (
            isinstance(value, bool) and bool not in self.yaml
        )


_KEYS: dict[type, dict[str, Key]] = {}


def declared_keys(cls: type) -> dict[str, Key]:
    """The keys of a :func:`section`, in declaration order (the order hints list them)."""
    if cls not in _KEYS:
        hints = typing.get_type_hints(cls)
        _KEYS[cls] = {
            f.name: _derive_key(cls, f, hints[f.name])
            for f in dataclasses.fields(cls)
            if _META in f.metadata
        }
    return _KEYS[cls]


def _is_section(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def _derive_key(cls: type, f: dataclasses.Field[Any], hint: Any) -> Key:
    declared: _Declared = f.metadata[_META]
    hint = _without_none(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    kind: Literal["value", "section", "sections"] = "value"
    item: type | None = None
    yaml: tuple[type, ...]
    if _is_section(hint):
        kind, item, yaml = "section", hint, (dict,)
    elif origin in (tuple, list) and args and _is_section(args[0]):
        kind, item, yaml = "sections", args[0], (list,)
    elif origin in (tuple, list, dict):
        yaml = (dict,) if origin is dict else (list,)
    elif hint in _SCALAR_YAML:
        yaml = _SCALAR_YAML[hint]
    else:
        raise TypeError(f"{cls.__name__}.{f.name}: no YAML type for {hint!r}; give key(yaml=...)")
    yaml = declared.yaml or yaml
    if declared.scalar is not None:
        assert item is not None, f"{cls.__name__}.{f.name}: scalar= needs a section type"
        yaml = declared_keys(item)[declared.scalar].yaml + yaml
    no_default = f.default is MISSING and f.default_factory is MISSING
    default = f.default_factory() if f.default_factory is not MISSING else f.default
    return Key(
        name=f.name,
        yaml=yaml,
        required=no_default if declared.required is None else declared.required,
        kind=kind,
        doc=declared.doc,
        default=None if default is MISSING else default,
        parse=declared.parse,
        item=item,
        scalar=declared.scalar,
        is_path=hint is Path,
    )


def _without_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _join(where: str, name: object) -> str:
    return f"{where}.{name}" if where else str(name)


_REFUSED = object()


class Checker:
    """Reads mappings against sections, collecting every problem.

    Parameters
    ----------
    source
        The file named in the problems.
    base
        Folder that relative paths are resolved against.
    """

    def __init__(self, source: str, *, base: Path) -> None:
        self.source = source
        self.base = base
        self.problems: list[Problem] = []

    def add(self, where: str, what: str, fix: str = "") -> None:
        """Record one problem."""
        self.problems.append(Problem(self.source, where, what, fix))

    def read(self, data: Mapping[Any, Any], cls: type[T], where: str) -> T | None:
        """The section ``cls`` made from ``data``; ``None`` when a required key is unusable."""
        values = self.check_keys(data, cls, where)
        waived = _waived(cls, values)
        required = [k.name for k in declared_keys(cls).values() if k.required]
        usable = all(name in values or name in waived for name in required)
        return cls(**values) if usable else None

    def check_keys(self, data: Mapping[Any, Any], cls: type, where: str) -> dict[str, Any]:
        """The usable values of ``data`` (paths resolved, sections made), problems recorded.

        The section's ``_check_keys(values, given)`` then sees the usable values (paths not yet
        resolved) and the keys given with a value of an accepted YAML type.
        """
        keys = declared_keys(cls)
        values: dict[str, Any] = {}
        given: set[str] = set()
        for name, value in data.items():
            k = keys.get(name) if isinstance(name, str) else None
            if k is None:
                self._unknown(_join(where, name), name, keys)
            elif value is not None and self._accepts(k, value, _join(where, name)):
                given.add(k.name)
                value = self._value(k, value, _join(where, name))
                if value is not _REFUSED:
                    values[k.name] = value
        waived = _waived(cls, values)
        for k in keys.values():
            if k.required and k.name not in waived and data.get(k.name) is None:
                self.add(
                    _join(where, k.name),
                    f"required key '{k.name}' is missing.",
                    f"add '{k.name}:'.",
                )
        check: Callable[[dict[str, Any], frozenset[str]], Iterable[Issue]] | None
        check = getattr(cls, "_check_keys", None)
        self._add_issues(where, check(values, frozenset(given)) if check else ())
        return {
            name: self._resolve(value) if keys[name].is_path else value
            for name, value in values.items()
        }

    def _add_issues(self, where: str, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.add(where if issue.at is None else _join(where, issue.at), issue.what, issue.fix)

    def _unknown(self, where: str, name: object, keys: Mapping[str, Key]) -> None:
        close = difflib.get_close_matches(str(name), list(keys), n=1, cutoff=0.6)
        hint = (
            f"did you mean '{close[0]}'?" if close else f"use one of the keys: {', '.join(keys)}."
        )
        self.add(where, f"unknown key '{name}'.", hint)

    def _accepts(self, k: Key, value: Any, where: str) -> bool:
        """Whether ``value`` has a YAML type ``k`` accepts; if not, the problem is recorded."""
        if k.accepts(value):
            return True
        self.add(
            where,
            f"expected {k.type_name}, got {type(value).__name__} {value!r}.",
            f"write '{k.name}' as {k.type_name}.",
        )
        return False

    def _value(self, k: Key, value: Any, where: str) -> Any:
        """The checked value of one key, or ``_REFUSED`` (the problems recorded)."""
        if k.parse is not None:
            try:
                value = k.parse(value)
            except Refused as refused:
                self._add_issues(where, refused.issues)
                return _REFUSED
        if k.kind == "section":
            made = self.read(self._as_mapping(k, value), _item(k), where)
            return _REFUSED if made is None else made
        if k.kind == "sections":
            return self._items(k, value, where)
        return value

    def _items(self, k: Key, value: list[Any], where: str) -> tuple[Any, ...]:
        """The sections of a list key; an entry that is not a mapping is reported."""
        cls = _item(k)
        made: list[Any] = []
        for i, entry in enumerate(map(partial(self._as_mapping, k), value)):
            if not isinstance(entry, Mapping):
                needed = [n for n, key_ in declared_keys(cls).items() if key_.required]
                example = ", ".join(f"{n}: ..." for n in needed)
                self.add(
                    f"{where}[{i}]",
                    f"expected a mapping with {'/'.join(needed)}, got {entry!r}.",
                    f"write it as keys and values: {{{example}}}.",
                )
                continue
            made.append(self.read(entry, cls, f"{where}[{i}]"))
        return tuple(m for m in made if m is not None)

    @staticmethod
    def _as_mapping(k: Key, value: Any) -> Any:
        """``{scalar: value}`` for a lone value of a scalar-or-mapping key."""
        return (
            {k.scalar: value} if k.scalar is not None and not isinstance(value, Mapping) else value
        )

    def _resolve(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base / p)


def _waived(cls: type, values: dict[str, Any]) -> frozenset[str]:
    """The required keys of ``cls`` that these values do not need (``_waived_keys``)."""
    waive: Callable[[dict[str, Any]], Iterable[str]] | None
    waive = getattr(cls, "_waived_keys", None)
    return frozenset(waive(values)) if waive else frozenset()


def _item(k: Key) -> type:
    assert k.item is not None, k
    return k.item


def key_rows(cls: type, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """Every key of ``cls`` and of its sections: (key, YAML type, default, doc).

    The rows a generated key table (README) would be made from.

    Examples
    --------
    >>> @section
    ... class Toy:
    ...     path: Path = key(doc="the file")
    ...     size: float = key(default=1.0, doc="how big")
    >>> key_rows(Toy, "toy.")
    [('toy.path', 'text', 'required', 'the file'), ('toy.size', 'a number', '1.0', 'how big')]
    """
    rows = []
    for k in declared_keys(cls).values():
        default = "required" if k.required else _as_yaml(k.default if k.kind == "value" else None)
        rows.append((f"{prefix}{k.name}", k.type_name, default, k.doc))
        if k.item is not None:
            inner = f"{prefix}{k.name}[]." if k.kind == "sections" else f"{prefix}{k.name}."
            rows += key_rows(k.item, inner)
    return rows


def _as_yaml(value: Any) -> str:
    """A default as it would be written in the project file ("" for none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list)):
        return f"[{', '.join(map(_as_yaml, value))}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_as_yaml(v)}" for k, v in value.items()) + "}"
    return str(value)

"""Dataclasses as plain dicts and lists, for JSON."""

from __future__ import annotations

import dataclasses
from typing import Any

# Per type met (a handful: the dataclasses of a request and the leaf types under them).
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names, None for any other type (worked out once per type)."""
    try:
        return _FIELDS[kind]
    except KeyError:
        names = (
            tuple(f.name for f in dataclasses.fields(kind))
            if dataclasses.is_dataclass(kind)
            else None
        )
        _FIELDS[kind] = names
        return names


def plain(value: Any) -> Any:
    """What `dataclasses.asdict` gives, built the same way (so JSON of it is the same
    bytes), without its deep copy of every leaf: the values this is used on are
    immutable (text, numbers, dates, UUIDs, enums), and the copies were most of an
    invoice's fingerprint and receipt."""
    names = _field_names(type(value))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*[plain(item) for item in value])
    if isinstance(value, list | tuple):
        return type(value)(plain(item) for item in value)
    if isinstance(value, dict):
        return type(value)((plain(k), plain(v)) for k, v in value.items())
    return value

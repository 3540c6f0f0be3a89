"""Changes to and from their file form: mappings with an ``op``
(``{op: migrate, class: ..., from: ..., to: ..., effective: 2023-01-01}``), read with
strict checks whose errors name ``changes[i].field``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ModelError, describe, did_you_mean, key_text
from .fields import check_value
from .types import OPS, Change

__all__ = ["as_changes", "change_from_dict", "from_dicts", "to_dicts"]

# The ops as files name them, for messages.
_OP_NAMES = ", ".join(OPS)


def change_from_dict(data: Any, where: str = "change") -> Change:
    """One change from its file form (``{op: migrate, class: ..., ...}``), checked
    strictly: errors name ``<where>.<field>`` (``changes[3].to``)."""
    if isinstance(data, Change):
        return data
    if not isinstance(data, Mapping):
        raise ModelError(f"must be a mapping with an op ({_OP_NAMES}), got {describe(data)}", where=where)
    if "op" not in data:
        raise ModelError(f"missing; one of {_OP_NAMES}", where=f"{where}.op")
    op = data["op"]
    if not isinstance(op, str) or op not in OPS:
        hint = did_you_mean(op, OPS) if isinstance(op, str) else ""
        raise ModelError(f"unknown op {describe(op)}{hint}; one of {_OP_NAMES}", where=f"{where}.op")
    cls = OPS[op]
    specs = cls.file_fields()
    known = [spec.key for spec in specs]
    for key in data:
        if key != "op" and key not in known:
            raise ModelError(
                f"unknown field of {op}{did_you_mean(key, known)}; its fields are {', '.join(known)}",
                where=f"{where}.{key_text(key)}",
            )
    values: dict[str, Any] = {}
    for spec in specs:
        value = data.get(spec.key)
        location = f"{where}.{spec.key}"
        if value is None:
            if spec.required:
                raise ModelError(f"is required for {op}", where=location)
            continue
        values[spec.attr] = check_value(spec.kind, value, location)
    for field in dataclasses.fields(cls):  # an optional field of an op with two forms has no default
        if field.init and field.name not in values and field.default is dataclasses.MISSING:
            values[field.name] = None
    try:
        return cls(**values)
    except ModelError as error:  # the form of the op (set_p: an arc or an event), located here
        prefix = f"{op}."
        if error.where is not None and error.where.startswith(prefix):
            raise ModelError(error.reason, where=f"{where}.{error.where[len(prefix) :]}") from None
        raise


def from_dicts(data: Any, where: str = "changes") -> list[Change]:
    """A list of changes from file data (a list of mappings); errors name
    ``changes[i].field``."""
    if isinstance(data, (str, bytes, Mapping)) or not isinstance(data, (list, tuple)):
        raise ModelError(f"must be a list of changes, got {describe(data)}", where=where)
    return [change_from_dict(item, f"{where}[{i}]") for i, item in enumerate(data)]


def to_dicts(changes: Iterable[Change] | Change) -> list[dict[str, Any]]:
    """Changes as plain file data: a list of ``{op: ..., ...}`` mappings."""
    return [change.to_dict() for change in as_changes(changes)]


def as_changes(changes: Any) -> tuple[Change, ...]:
    """One change or a list of them (changes or their file mappings) as checked changes;
    errors name ``changes[i]``."""
    if isinstance(changes, (Change, Mapping)):
        changes = [changes]
    if isinstance(changes, (str, bytes)) or not isinstance(changes, Iterable):
        raise ModelError(
            f"must be a change or a list of changes (dr.changes.migrate(...), ...), got {describe(changes)}",
            where="changes",
        )
    out = []
    for i, item in enumerate(changes):
        if isinstance(item, Mapping):
            item = change_from_dict(item, f"changes[{i}]")
        elif not isinstance(item, Change):
            raise ModelError(
                f"must be a change (dr.changes.migrate(...), ...) or a mapping with an op, got {describe(item)}",
                where=f"changes[{i}]",
            )
        out.append(item)
    return tuple(out)

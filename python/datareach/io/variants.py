"""Writing variant files and change lists (docs/design.md §5): a base model plus changes.

A variant file is a mapping ``{format, base, name, changes}``; ``base`` is the path of a
model file, read relative to the variant file's folder, and may be a variant itself
(:mod:`~datareach.io.loading` reads them). A change list is the bare ``changes`` list of
such a file.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..changes.convert import as_changes, from_dicts, to_dicts
from ..changes.types import Change
from ..errors import ModelError, describe
from ..model.fields import FORMAT
from ..model.values import check_text
from .files import write_text
from .formats import dump_json, format_of, json_line, parse
from .loading import LoadLimits, load_file, resolve_base
from .yaml_writer import Entry, dump_yaml

__all__ = ["dumps_changes", "loads_changes", "save_variant", "variant_dict"]


# --------------------------------------------------------------------------------------
# Writing variants and change lists


def variant_dict(
    base: str | os.PathLike[str], changes: Iterable[Change] | Change, name: str | None = None
) -> dict[str, Any]:
    """The mapping of a variant file: ``{format, base, name, changes}``."""
    data: dict[str, Any] = {"format": FORMAT, "base": os.fspath(base)}
    if name is not None:
        data["name"] = check_text(name, "name")
    data["changes"] = to_dicts(changes)
    return data


def save_variant(
    path: str | os.PathLike[str],
    base: str | os.PathLike[str],
    changes: Iterable[Change] | Change,
    name: str | None = None,
    *,
    format: str | None = None,
    check: bool = True,
    allow_outside_base: bool = False,
) -> None:
    """Write a variant file: ``base`` (written as given; a relative path is read relative
    to the variant file's folder, as ``dr.load`` resolves it) and ``changes``. With
    ``check`` the base is loaded and the changes applied first, so that a variant that
    would not load is never written; a base outside the variant file's folder is refused,
    as ``dr.load`` refuses it, unless ``allow_outside_base``. The format comes from the
    suffix unless given.

    ``dr.save`` of the changed model itself writes the full model instead."""
    target = Path(path)
    chosen = format or format_of(os.fspath(path), default=None)
    data = variant_dict(base, changes, name)
    if check:
        limits = LoadLimits(allow_outside_base=allow_outside_base)
        base_path = resolve_base(target.parent, os.fspath(base), limits)
        load_file(base_path, None, limits).apply(as_changes(changes))
    write_text(target, _variant_text(data, chosen))


def dumps_changes(changes: Iterable[Change] | Change, format: str = "yaml") -> str:
    """A change list as YAML (one flow-style line per change, dates unquoted) or JSON."""
    listed = to_dicts(changes)
    if format == "json":
        lines = ",\n".join(f"  {json_line(change)}" for change in listed)
        return f"[\n{lines}\n]\n" if lines else "[]\n"
    _check_format(format)
    return dump_yaml(_readable_changes(listed))


def loads_changes(text: str, format: str = "yaml") -> list[Change]:
    """A change list from YAML or JSON text: a list of changes, or a mapping with a
    ``changes`` list (a variant file)."""
    data = parse(text, format)  # type: ignore[arg-type]  # parse refuses other formats
    if isinstance(data, Mapping) and "changes" in data:
        data = data["changes"]
    return from_dicts(data)


def _variant_text(data: dict[str, Any], format: str) -> str:
    """YAML or JSON text of a variant mapping."""
    if format == "json":
        return dump_json(data)
    _check_format(format)
    return dump_yaml({**data, "changes": _readable_changes(data["changes"])})


def _check_format(format: str) -> None:
    if format != "yaml":
        raise ModelError(f"unknown file format {describe(format)}; use 'yaml' or 'json'", where="format")


def _readable_changes(changes: list[dict[str, Any]]) -> list[Entry]:
    """Changes as YAML writes them: one flow-style line each, ``effective`` unquoted."""
    return [Entry(_with_date(change)) for change in changes]


def _with_date(change: dict[str, Any]) -> dict[str, Any]:
    if "effective" in change:
        return {**change, "effective": datetime.date.fromisoformat(change["effective"])}
    return change

"""Variant files and change lists (docs/design.md §5): a base model plus changes.

A variant file is a mapping ``{format, base, name, changes}``; ``base`` is the path of a
model file, read relative to the variant file's folder, and may be a variant itself.
Loading follows the chain of bases (refusing a cycle) and applies the changes in turn;
:func:`load_file` is the one loader of model files by path or open file, a plain scenario
or a variant. A change list is the bare ``changes`` list of such a file.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..changes.convert import as_changes, from_dicts, to_dicts
from ..changes.types import Change
from ..errors import ModelError, did_you_mean
from ..model import Model
from ..model.fields import FORMAT
from ..model.values import check_text, describe
from .formats import (
    Entry,
    FileFormat,
    PathOrFile,
    dump_json,
    dump_yaml,
    format_of,
    json_line,
    name_of,
    origin_of,
    parse,
    read_text,
)

__all__ = [
    "VARIANT_FIELDS",
    "dumps_changes",
    "load_file",
    "loads_changes",
    "model_from_data",
    "save_variant",
    "variant_dict",
    "variant_from_dict",
]

# Top-level fields of a variant file, in the order they are written.
VARIANT_FIELDS = ("format", "base", "name", "changes")


# --------------------------------------------------------------------------------------
# Loading models, following bases


def load_file(source: PathOrFile, format: FileFormat | None, chain: tuple[Path, ...]) -> Model:
    """The model of a file (a path or an open file): a plain scenario, or a variant with
    its base loaded in turn. The format comes from the name unless given (YAML, which also
    reads JSON, for an unnamed file); ``chain``: the variant files being loaded, outermost
    first, to refuse a cycle of bases."""
    chosen = format or format_of(name_of(source), default="yaml")
    text = read_text(source)
    origin = origin_of(source)
    folder = origin.parent if origin is not None else Path.cwd()
    chain = chain if origin is None else (*chain, origin.resolve())
    return model_from_data(parse(text, chosen), folder, chain)


def model_from_data(data: Any, folder: Path, chain: tuple[Path, ...]) -> Model:
    """The model of a file's parsed data: a scenario mapping, or a variant mapping whose
    relative base is read from ``folder``."""
    if data is None:
        raise ModelError("the file is empty; a scenario starts with format: datareach/1")
    if isinstance(data, Mapping) and ("base" in data or "changes" in data):
        return variant_from_dict(data, folder, chain)
    return Model.from_dict(data)


def variant_from_dict(data: Mapping[str, Any], folder: Path, chain: tuple[Path, ...]) -> Model:
    """The model of a variant file's mapping: its base (``folder``/base) with its changes
    applied. ``chain``: the files being loaded, outermost first, to refuse a cycle of
    bases."""
    for key in data:
        if key not in VARIANT_FIELDS:
            raise ModelError(
                f"unknown field of a variant file{did_you_mean(str(key), VARIANT_FIELDS)}; a "
                f"variant file has {', '.join(VARIANT_FIELDS)}",
                where=str(key),
            )
    if "format" not in data:
        raise ModelError(f"missing; write format: {FORMAT} first", where="format")
    if data["format"] != FORMAT:
        raise ModelError(f"unsupported format {data['format']!r}; expected {FORMAT!r}", where="format")
    if data.get("base") is None:
        raise ModelError("missing: the path of the base model file", where="base")
    base = data["base"]
    if not isinstance(base, str) or not base.strip():
        raise ModelError(f"must be the path of the base model file, got {describe(base)}", where="base")
    if "changes" not in data:
        raise ModelError("missing: the list of changes (may be empty)", where="changes")
    changes = from_dicts(data["changes"] if data["changes"] is not None else [])
    name = data.get("name")
    if name is not None:
        name = check_text(name, "name")
    base_path = (folder / base).resolve()
    if base_path in chain:
        cycle = " → ".join(p.name for p in (*chain[chain.index(base_path) :], base_path))
        raise ModelError(f"variant files form a cycle: {cycle}", where="base")
    try:
        model = load_file(base_path, None, chain)
    except ModelError as error:
        raise ModelError(f"in base file {base!r}: {error}", where="base") from None
    if model.variant_of is None:
        model._variant_of = str(base_path)
    result = model.apply(changes)
    if name is not None:
        result.name = name
    return result


# --------------------------------------------------------------------------------------
# Writing variants and change lists


def variant_dict(base: str | os.PathLike[str], changes: Iterable[Change] | Change, name: str | None = None) -> dict[str, Any]:
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
) -> None:
    """Write a variant file: ``base`` (written as given; a relative path is read relative
    to the variant file's folder, as ``dr.load`` resolves it) and ``changes``. With
    ``check`` the base is loaded and the changes applied first, so that a variant that
    would not load is never written. The format comes from the suffix unless given.

    ``dr.save`` of the changed model itself writes the full model instead."""
    target = Path(path)
    chosen = format or format_of(os.fspath(path), default=None)
    data = variant_dict(base, changes, name)
    if check:
        load_file(target.parent / Path(base), None, ()).apply(as_changes(changes))
    target.write_text(_variant_text(data, chosen), encoding="utf-8")


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
        raise ModelError(f"unknown file format {format!r}; use 'yaml' or 'json'")


def _readable_changes(changes: list[dict[str, Any]]) -> list[Entry]:
    """Changes as YAML writes them: one flow-style line each, ``effective`` unquoted."""
    return [Entry(_with_date(change)) for change in changes]


def _with_date(change: dict[str, Any]) -> dict[str, Any]:
    if "effective" in change:
        return {**change, "effective": datetime.date.fromisoformat(change["effective"])}
    return change
